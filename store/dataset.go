package store

import (
	"context"
	"database/sql"
	"fmt"
)

// IsEmpty reports whether no data set has been loaded yet, so a new server knows to seed itself.
func (db *DB) IsEmpty(ctx context.Context) (bool, error) {
	var n int
	err := db.queryRow(ctx, `SELECT count(*) FROM dataset`).Scan(&n)
	return n == 0, err
}

// Replace validates ds in full and then, in one transaction, replaces everything stored with it. If ds
// has any problem nothing is written, and the error lists every problem found.
func (db *DB) Replace(ctx context.Context, ds *Dataset) error {
	if err := ds.Validate(); err != nil {
		return err
	}
	ch := Change{Actor: "seed", Operation: "replaceDataset"}
	return db.write(ctx, ch, func(tx *sql.Tx, stamp string) (any, error) {
		// Observations that will not come back get tombstones, so mirrors delete them too.
		if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS replaced (id TEXT NOT NULL);
			DELETE FROM temp.replaced;
			INSERT INTO temp.replaced SELECT `+observationIDExpr+` FROM observations`); err != nil {
			return nil, err
		}
		for _, table := range []string{
			"offices", "milestones", "target_groups", "association_members", "association_municipalities", "associations",
			"agencies", "observations", "metric_relations", "metric_paid_for", "metrics", "authorisation_events", "authorisations", "price_items", "price_lists", "schemes",
			"providers", "service_areas", "municipalities", "sources",
		} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+table); err != nil {
				return nil, fmt.Errorf("clear %s: %w", table, err)
			}
		}
		w := writer{ctx: ctx, tx: tx}
		info := ds.Info
		// The threshold stays as the data has it unless the writer was given one.
		var threshold *int
		if db.suppressBelow > 0 {
			threshold = &db.suppressBelow
		}
		w.exec(`INSERT INTO dataset (id, title, description, publisher, license, license_url, version, updated_at, suppress_below)
			VALUES (1, ?1, ?2, ?3, ?4, ?5, 0, ?6, coalesce(?7, ?8))
			ON CONFLICT (id) DO UPDATE SET title = ?1, description = ?2, publisher = ?3, license = ?4, license_url = ?5,
				suppress_below = coalesce(?7, suppress_below)`,
			info.Title, info.Description, info.Publisher, info.License, info.LicenseURL, stamp, threshold, DefaultSuppressBelow)
		for _, s := range ds.Sources {
			w.exec(`INSERT INTO sources (id, title, publisher, author, url, published_on, published_on_precision, illustrative, description)
				VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`,
				s.ID, s.Title, s.Publisher, s.Author, s.URL, s.PublishedOn, s.PublishedOnPrecision, s.Illustrative, s.Description)
		}
		for _, m := range ds.Municipalities {
			w.exec(`INSERT INTO municipalities (code, name, kind, county_code, county, source_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)`,
				m.Code, m.Name, m.kind(), m.CountyCode, m.County, m.SourceID)
		}
		for i, a := range ds.ServiceAreas {
			w.exec(`INSERT INTO service_areas (id, code, name, description, position, source_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)`,
				a.ID, a.Code, a.Name, a.Description, i, a.SourceID)
		}
		for _, p := range ds.Providers {
			w.exec(`INSERT INTO providers (id, name, organisation_number, operating_form, municipality_code, website, description, source_id, updated_at)
				VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`,
				p.ID, p.Name, p.OrganisationNumber, p.OperatingForm, p.MunicipalityCode, p.Website, p.Description, p.SourceID, stamp)
		}
		for _, s := range ds.Schemes {
			w.exec(`INSERT INTO schemes (id, name, service_area_id, municipality_code, status, decided_by, decided_on, in_force_from, in_force_period, note, source_id, updated_at, status_as_of)
				VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)`,
				s.ID, s.Name, s.ServiceAreaID, s.MunicipalityCode, s.Status, s.DecidedBy, s.DecidedOn, s.InForceFrom, s.InForcePeriod, s.Note, s.SourceID, stamp, s.StatusAsOf)
		}
		for _, l := range ds.PriceLists {
			w.exec(`INSERT INTO price_lists (id, scheme_id, valid_from, valid_to, decided_on, source_id, updated_at)
				VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)`, l.ID, l.SchemeID, l.ValidFrom, l.ValidTo, l.DecidedOn, l.SourceID, stamp)
			for i, it := range l.Items {
				w.exec(`INSERT INTO price_items (price_list_id, position, label, unit, amount_ore, result_based_share, paid_when)
					VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)`, l.ID, i, it.Label, it.Unit, it.Amount.Ore, it.ResultBasedShare, it.PaidWhen)
			}
		}
		for _, a := range ds.Authorisations {
			w.exec(`INSERT INTO authorisations (id, provider_id, scheme_id, source_id, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)`,
				a.ID, a.ProviderID, a.SchemeID, a.SourceID, stamp)
			for i, e := range a.Events {
				w.exec(insertAuthorisationEvent, a.ID, i+1, e.Kind, e.Date, e.ValidUntil, e.Reason, e.SourceID, stamp)
			}
		}
		for i, m := range ds.Metrics {
			w.exec(`INSERT INTO metrics (id, name, description, definition, unit, direction, service_area_id, kolada_id, headline, position, source_id, whole,
					name_en, description_en)
				VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)`,
				m.ID, m.Name, m.Description, m.Definition, m.Unit, m.Direction, m.ServiceAreaID, m.KoladaID, m.Headline, i, m.SourceID, m.Whole,
				m.NameEN, m.DescriptionEN)
		}
		// Formulas and relations point at other metrics, so they follow once every metric is in.
		for _, m := range ds.Metrics {
			if f := m.Formula; f != nil {
				w.exec(`UPDATE metrics SET numerator_id = ?2, denominator_id = ?3, factor = ?4 WHERE id = ?1`,
					m.ID, f.NumeratorID, f.DenominatorID, f.Factor)
			}
			for j, related := range m.RelatedIDs {
				w.exec(`INSERT INTO metric_relations (metric_id, related_id, position) VALUES (?1, ?2, ?3)`, m.ID, related, j)
			}
			for j, q := range m.PaidFor {
				w.exec(`INSERT INTO metric_paid_for (metric_id, position, unit, paid_when, counted_by) VALUES (?1, ?2, ?3, ?4, ?5)`,
					m.ID, j, q.Unit, q.PaidWhen, q.MetricID)
			}
		}
		if w.err == nil {
			w.err = insertObservations(ctx, tx, ds.Observations, stamp)
		}
		for i, a := range ds.Agencies {
			w.exec(`INSERT INTO agencies (id, name, current_name, kind, organisation_number, municipality_code, position, source_id)
				VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)`,
				a.ID, a.Name, a.CurrentName, a.Kind, a.OrganisationNumber, a.MunicipalityCode, i, a.SourceID)
		}
		for i, a := range ds.Associations {
			w.exec(`INSERT INTO associations (id, name, status, starts_on, county, annual_budget_ore, estimated_reach_min, estimated_reach_max, description, position, source_id, status_as_of)
				VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)`,
				a.ID, a.Name, a.Status, a.StartsOn, a.County, moneyOre(a.AnnualBudget), a.EstimatedReachMin, a.EstimatedReachMax, a.Description, i, a.SourceID, a.StatusAsOf)
			for j, code := range a.MunicipalityCodes {
				w.exec(`INSERT INTO association_municipalities (association_id, municipality_code, position) VALUES (?1, ?2, ?3)`, a.ID, code, j)
			}
			for j, m := range a.Members {
				w.exec(`INSERT INTO association_members (association_id, agency_id, position, contribution_ore, share, basis, source_id)
					VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)`, a.ID, m.AgencyID, j, moneyOre(m.Contribution), m.Share, m.Basis, m.SourceID)
			}
			for j, g := range a.TargetGroups {
				w.exec(`INSERT INTO target_groups (association_id, position, description, estimate_min, estimate_max, source_id)
					VALUES (?1, ?2, ?3, ?4, ?5, ?6)`, a.ID, j, g.Description, g.EstimateMin, g.EstimateMax, g.SourceID)
			}
			for j, m := range a.Milestones {
				w.exec(`INSERT INTO milestones (association_id, position, date, period, body, description, status, source_id, as_of)
					VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`, a.ID, j, m.Date, m.Period, m.Body, m.Description, m.Status, m.SourceID, m.AsOf)
			}
		}
		for i, o := range ds.Offices {
			w.exec(`INSERT INTO offices (id, name, municipality_code, status, status_as_of, purpose, note, position, source_id)
				VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`, o.ID, o.Name, o.MunicipalityCode, o.Status, o.StatusAsOf, o.Purpose, o.Note, i, o.SourceID)
		}
		w.exec(`INSERT INTO tombstones (id, type, deleted_at)
			SELECT id, 'Observation', ?1 FROM temp.replaced
			WHERE id NOT IN (SELECT `+observationIDExpr+` FROM observations)`, stamp)
		w.exec(`DELETE FROM tombstones WHERE id IN (SELECT ` + observationIDExpr + ` FROM observations)`)
		summary := map[string]int{"providers": len(ds.Providers), "metrics": len(ds.Metrics), "observations": len(ds.Observations)}
		return summary, w.err
	})
}

// insertAuthorisationEvent adds a decision to an authorisation's history.
const insertAuthorisationEvent = `INSERT INTO authorisation_events (authorisation_id, seq, kind, date, valid_until, reason, source_id, recorded_at)
	VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)`

// insertObservation adds one observation; execInsertObservation fills it in.
const insertObservation = `INSERT INTO observations (metric_id, provider_id, municipality_code, period, period_start, period_end,
		value, value_women, value_men, sample_size, sample_size_women, sample_size_men, status, note, source_id, updated_at)
	VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)`

func execInsertObservation(ctx context.Context, stmt *sql.Stmt, o *Observation, stamp string) error {
	p, err := ParsePeriod(o.Period)
	if err != nil {
		return err
	}
	_, err = stmt.ExecContext(ctx, o.MetricID, o.ProviderID, o.MunicipalityCode, o.Period, p.Start, p.End,
		o.Value, o.ValueWomen, o.ValueMen, o.SampleSize, o.SampleSizeWomen, o.SampleSizeMen, o.Status, o.Note, o.SourceID, stamp)
	if err != nil {
		return fmt.Errorf("insert %s: %w", o.ID(), err)
	}
	return nil
}

// insertObservations writes observations through one prepared statement: a national data set has
// millions of them.
func insertObservations(ctx context.Context, tx *sql.Tx, obs []*Observation, stamp string) error {
	stmt, err := tx.PrepareContext(ctx, insertObservation)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, o := range obs {
		if err := execInsertObservation(ctx, stmt, o, stamp); err != nil {
			return err
		}
	}
	return nil
}

// writer runs statements in a transaction until the first error, so a long run of inserts reads as a
// list and is checked once at the end.
type writer struct {
	ctx context.Context
	tx  *sql.Tx
	err error
}

func (w *writer) exec(query string, args ...any) {
	if w.err != nil {
		return
	}
	if _, err := w.tx.ExecContext(w.ctx, query, args...); err != nil {
		w.err = fmt.Errorf("%w (in %.60s…)", err, query)
	}
}

func moneyOre(m *Money) *int64 {
	if m == nil {
		return nil
	}
	return &m.Ore
}

// ValidationError lists every problem found in a data set.
type ValidationError struct{ Problems []string }

func (e *ValidationError) Error() string {
	msg := fmt.Sprintf("%d problem(s) found", len(e.Problems))
	for _, p := range e.Problems {
		msg += "\n  " + p
	}
	return msg
}
