package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Catalog is an in-memory, read-only copy of every table except the observations: sources, places,
// providers, schemes, prices, authorisations, metrics, agencies and associations. Together they are small
// (a national data set holds a few thousand providers), so a request looks up whatever objects and nested
// lists it needs here without running one more SQL statement per row. A catalog belongs to one data
// version; the DB loads a new one when the data changes.
type Catalog struct {
	Info DatasetInfo

	sources        []*Source
	municipalities []*Municipality
	serviceAreas   []*ServiceArea
	providers      []*Provider // by name, as a Swedish reader sorts
	providersByID  []*Provider
	nameKeys       map[string]string // provider ID → its name's sort key
	schemes        []*Scheme
	metrics        []*Metric
	agencies       []*Agency
	associations   []*Association
	offices        []*Office

	byID               map[string]any // every object with a global ID, observations excepted
	municipalityByCode map[string]*Municipality
	priceListsByScheme map[string][]*PriceList
	authsByProvider    map[string][]*Authorisation
	authsByScheme      map[string][]*Authorisation
	membersByAgency    map[string][]*AssociationMember
	assocsByMunicipal  map[string][]*Association
	latestPeriod       map[string]string          // service area ID → latest period with results
	providersIn        map[string]map[string]bool // service area ID → IDs of the providers ever authorised in it
}

// versionTTL is how long the data version read from the file is trusted before it is read again. A write
// through this DB is seen at once; a write by another process (the writer beside read-only servers, or
// `server import`) within this time. It spares most requests the one SQL statement, and the connection,
// that reading the version takes: a cached answer then needs no connection at all.
const versionTTL = 100 * time.Millisecond

// Catalog returns the catalog of the current data version, loading it if the data has changed. Inside a
// read snapshot (see BeginRead) it is the catalog of the snapshot's version, read in its transaction.
// Otherwise it reads the version from the file at most once every versionTTL, and at once after a write
// through this DB.
func (db *DB) Catalog(ctx context.Context) (*Catalog, error) {
	if s := db.snapshot(ctx); s != nil {
		return s.catalogOf()
	}
	now := int64(time.Since(db.opened))
	if c := db.catalog.Load(); c != nil && now < db.versionCheckedAt.Load()+int64(versionTTL) {
		return c, nil
	}
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("read data version: %w", err)
	}
	defer tx.Rollback()
	return db.catalogIn(ctx, tx)
}

// catalogIn returns the catalog of the data version that tx reads: the latest or the one before it,
// kept in memory (a request that began before a write may still read the older one), or else one
// loaded in tx, so that its tables agree with every other read of tx. Its caller holds tx's connection
// before it takes catalogMu, and loading needs no other connection, so the two cannot deadlock.
func (db *DB) catalogIn(ctx context.Context, tx *sql.Tx) (*Catalog, error) {
	var version int64
	// Not counted in Statements: how often it runs depends on the clock, not on the request.
	err := tx.QueryRowContext(ctx, `SELECT version FROM dataset`).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		version = 0
	} else if err != nil {
		return nil, fmt.Errorf("read data version: %w", err)
	}
	now := int64(time.Since(db.opened))
	kept := func() *Catalog {
		if c := db.catalog.Load(); c != nil && c.Info.Version == version {
			db.versionCheckedAt.Store(now)
			return c
		}
		if c := db.previous.Load(); c != nil && c.Info.Version == version {
			return c
		}
		return nil
	}
	if c := kept(); c != nil {
		return c, nil
	}
	db.catalogMu.Lock() // one load at a time: the others wait for it and share the result
	defer db.catalogMu.Unlock()
	if c := kept(); c != nil {
		return c, nil
	}
	c, err := db.loadCatalog(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	if db.keepLatest(c) {
		db.versionCheckedAt.Store(now)
	}
	return c, nil
}

// loadCatalog reads every table but the observations in tx, so the copy is consistent.
func (db *DB) loadCatalog(ctx context.Context, tx *sql.Tx) (*Catalog, error) {
	c := &Catalog{
		byID:               map[string]any{},
		municipalityByCode: map[string]*Municipality{},
		priceListsByScheme: map[string][]*PriceList{},
		authsByProvider:    map[string][]*Authorisation{},
		authsByScheme:      map[string][]*Authorisation{},
		membersByAgency:    map[string][]*AssociationMember{},
		assocsByMunicipal:  map[string][]*Association{},
	}
	l := loader{db: db, ctx: ctx, tx: tx}

	var updatedAt string
	c.Info.SuppressBelow = DefaultSuppressBelow
	l.each(`SELECT title, description, publisher, license, license_url, version, updated_at, suppress_below FROM dataset`, func(r *sql.Rows) error {
		i := &c.Info
		return r.Scan(&i.Title, &i.Description, &i.Publisher, &i.License, &i.LicenseURL, &i.Version, &updatedAt, &i.SuppressBelow)
	})
	c.Info.UpdatedAt = parseTime(updatedAt)

	l.each(`SELECT id, title, publisher, author, url, published_on, published_on_precision, illustrative, description
		FROM sources ORDER BY id`, func(r *sql.Rows) error {
		s := new(Source)
		c.sources = append(c.sources, s)
		return r.Scan(&s.ID, &s.Title, &s.Publisher, &s.Author, &s.URL, &s.PublishedOn, &s.PublishedOnPrecision, &s.Illustrative, &s.Description)
	})
	l.each(`SELECT code, name, kind, county_code, county, coalesce(source_id, '') FROM municipalities ORDER BY code`, func(r *sql.Rows) error {
		m := new(Municipality)
		c.municipalities = append(c.municipalities, m)
		return r.Scan(&m.Code, &m.Name, &m.Kind, &m.CountyCode, &m.County, &m.SourceID)
	})
	l.each(`SELECT id, code, name, description, coalesce(source_id, '') FROM service_areas ORDER BY position`, func(r *sql.Rows) error {
		a := new(ServiceArea)
		c.serviceAreas = append(c.serviceAreas, a)
		return r.Scan(&a.ID, &a.Code, &a.Name, &a.Description, &a.SourceID)
	})
	l.each(`SELECT id, name, organisation_number, operating_form, municipality_code, website, description, source_id, updated_at
		FROM providers ORDER BY name, id`, func(r *sql.Rows) error {
		p := new(Provider)
		c.providers = append(c.providers, p)
		var at string
		err := r.Scan(&p.ID, &p.Name, &p.OrganisationNumber, &p.OperatingForm, &p.MunicipalityCode, &p.Website, &p.Description, &p.SourceID, &at)
		p.UpdatedAt = parseTime(at)
		return err
	})
	l.each(`SELECT id, name, service_area_id, municipality_code, status, status_as_of, decided_by, decided_on, in_force_from, in_force_period, note, source_id, updated_at
		FROM schemes ORDER BY municipality_code, (SELECT position FROM service_areas WHERE id = service_area_id)`, func(r *sql.Rows) error {
		s := new(Scheme)
		c.schemes = append(c.schemes, s)
		var at string
		err := r.Scan(&s.ID, &s.Name, &s.ServiceAreaID, &s.MunicipalityCode, &s.Status, &s.StatusAsOf, &s.DecidedBy, &s.DecidedOn, &s.InForceFrom, &s.InForcePeriod, &s.Note, &s.SourceID, &at)
		s.UpdatedAt = parseTime(at)
		return err
	})
	priceLists := map[string]*PriceList{}
	l.each(`SELECT id, scheme_id, valid_from, valid_to, decided_on, source_id, updated_at
		FROM price_lists ORDER BY scheme_id, valid_from DESC`, func(r *sql.Rows) error {
		p := new(PriceList)
		var at string
		err := r.Scan(&p.ID, &p.SchemeID, &p.ValidFrom, &p.ValidTo, &p.DecidedOn, &p.SourceID, &at)
		p.UpdatedAt = parseTime(at)
		priceLists[p.ID] = p
		c.byID[p.ID] = p
		c.priceListsByScheme[p.SchemeID] = append(c.priceListsByScheme[p.SchemeID], p)
		return err
	})
	l.each(`SELECT price_list_id, label, unit, amount_ore, result_based_share, paid_when
		FROM price_items ORDER BY price_list_id, position`, func(r *sql.Rows) error {
		var listID string
		var it PriceItem
		if err := r.Scan(&listID, &it.Label, &it.Unit, &it.Amount.Ore, &it.ResultBasedShare, &it.PaidWhen); err != nil {
			return err
		}
		if p := priceLists[listID]; p != nil {
			p.Items = append(p.Items, it)
		}
		return nil
	})
	l.each(`SELECT a.id, a.provider_id, a.scheme_id, a.source_id, a.updated_at
		FROM authorisations a JOIN schemes s ON s.id = a.scheme_id
		ORDER BY s.municipality_code, (SELECT position FROM service_areas WHERE id = s.service_area_id), a.provider_id`, func(r *sql.Rows) error {
		a := new(Authorisation)
		var at string
		err := r.Scan(&a.ID, &a.ProviderID, &a.SchemeID, &a.SourceID, &at)
		a.UpdatedAt = parseTime(at)
		c.byID[a.ID] = a
		c.authsByProvider[a.ProviderID] = append(c.authsByProvider[a.ProviderID], a)
		c.authsByScheme[a.SchemeID] = append(c.authsByScheme[a.SchemeID], a)
		return err
	})
	l.each(`SELECT authorisation_id, kind, date, valid_until, reason, source_id, recorded_at
		FROM authorisation_events ORDER BY authorisation_id, seq`, func(r *sql.Rows) error {
		var id, at string
		var e AuthorisationEvent
		if err := r.Scan(&id, &e.Kind, &e.Date, &e.ValidUntil, &e.Reason, &e.SourceID, &at); err != nil {
			return err
		}
		e.RecordedAt = parseTime(at)
		if a, _ := c.byID[id].(*Authorisation); a != nil {
			a.Events = append(a.Events, e)
		}
		return nil
	})
	metrics := map[string]*Metric{}
	l.each(`SELECT id, name, description, definition, unit, direction, service_area_id, kolada_id, headline, source_id,
			numerator_id, denominator_id, factor, whole, name_en, description_en
		FROM metrics ORDER BY position`, func(r *sql.Rows) error {
		m := new(Metric)
		var numerator, denominator sql.Null[string]
		var factor sql.Null[float64]
		err := r.Scan(&m.ID, &m.Name, &m.Description, &m.Definition, &m.Unit, &m.Direction, &m.ServiceAreaID, &m.KoladaID, &m.Headline, &m.SourceID,
			&numerator, &denominator, &factor, &m.Whole, &m.NameEN, &m.DescriptionEN)
		if numerator.Valid {
			m.Formula = &Formula{NumeratorID: numerator.V, DenominatorID: denominator.V, Factor: factor.V}
		}
		c.metrics = append(c.metrics, m)
		metrics[m.ID] = m
		return err
	})
	l.each(`SELECT metric_id, related_id FROM metric_relations ORDER BY metric_id, position`, func(r *sql.Rows) error {
		var id, related string
		if err := r.Scan(&id, &related); err != nil {
			return err
		}
		if m := metrics[id]; m != nil {
			m.RelatedIDs = append(m.RelatedIDs, related)
		}
		return nil
	})
	l.each(`SELECT metric_id, unit, paid_when, counted_by FROM metric_paid_for ORDER BY metric_id, position`, func(r *sql.Rows) error {
		var id string
		var q PaidQuantity
		if err := r.Scan(&id, &q.Unit, &q.PaidWhen, &q.MetricID); err != nil {
			return err
		}
		if m := metrics[id]; m != nil {
			m.PaidFor = append(m.PaidFor, q)
		}
		return nil
	})
	l.each(`SELECT id, name, current_name, kind, organisation_number, municipality_code, source_id
		FROM agencies ORDER BY position`, func(r *sql.Rows) error {
		a := new(Agency)
		c.agencies = append(c.agencies, a)
		return r.Scan(&a.ID, &a.Name, &a.CurrentName, &a.Kind, &a.OrganisationNumber, &a.MunicipalityCode, &a.SourceID)
	})
	associations := map[string]*Association{}
	l.each(`SELECT id, name, status, status_as_of, starts_on, county, annual_budget_ore, estimated_reach_min, estimated_reach_max, description, source_id
		FROM associations ORDER BY position`, func(r *sql.Rows) error {
		a := new(Association)
		var budget sql.Null[int64]
		err := r.Scan(&a.ID, &a.Name, &a.Status, &a.StatusAsOf, &a.StartsOn, &a.County, &budget, &a.EstimatedReachMin, &a.EstimatedReachMax, &a.Description, &a.SourceID)
		a.AnnualBudget = money(budget)
		c.associations = append(c.associations, a)
		associations[a.ID] = a
		return err
	})
	l.each(`SELECT association_id, municipality_code FROM association_municipalities ORDER BY association_id, position`, func(r *sql.Rows) error {
		var id, code string
		if err := r.Scan(&id, &code); err != nil {
			return err
		}
		if a := associations[id]; a != nil {
			a.MunicipalityCodes = append(a.MunicipalityCodes, code)
			c.assocsByMunicipal[code] = append(c.assocsByMunicipal[code], a)
		}
		return nil
	})
	l.each(`SELECT association_id, agency_id, contribution_ore, share, basis, source_id
		FROM association_members ORDER BY association_id, position`, func(r *sql.Rows) error {
		var m AssociationMember
		var contribution sql.Null[int64]
		if err := r.Scan(&m.AssociationID, &m.AgencyID, &contribution, &m.Share, &m.Basis, &m.SourceID); err != nil {
			return err
		}
		m.Contribution = money(contribution)
		if a := associations[m.AssociationID]; a != nil {
			a.Members = append(a.Members, m)
		}
		return nil
	})
	l.each(`SELECT association_id, description, estimate_min, estimate_max, source_id
		FROM target_groups ORDER BY association_id, position`, func(r *sql.Rows) error {
		var id string
		var g TargetGroup
		if err := r.Scan(&id, &g.Description, &g.EstimateMin, &g.EstimateMax, &g.SourceID); err != nil {
			return err
		}
		if a := associations[id]; a != nil {
			a.TargetGroups = append(a.TargetGroups, g)
		}
		return nil
	})
	l.each(`SELECT association_id, date, period, body, description, status, as_of, source_id
		FROM milestones ORDER BY association_id, position`, func(r *sql.Rows) error {
		var id string
		var m Milestone
		if err := r.Scan(&id, &m.Date, &m.Period, &m.Body, &m.Description, &m.Status, &m.AsOf, &m.SourceID); err != nil {
			return err
		}
		if a := associations[id]; a != nil {
			a.Milestones = append(a.Milestones, m)
		}
		return nil
	})
	l.each(`SELECT id, name, municipality_code, status, status_as_of, purpose, note, source_id FROM offices ORDER BY position`, func(r *sql.Rows) error {
		o := new(Office)
		c.offices = append(c.offices, o)
		return r.Scan(&o.ID, &o.Name, &o.MunicipalityCode, &o.Status, &o.StatusAsOf, &o.Purpose, &o.Note, &o.SourceID)
	})
	c.latestPeriod = l.latestPeriods()
	if l.err != nil {
		return nil, l.err
	}
	c.index()
	return c, nil
}

// index fills the lookups that follow from the lists just loaded.
func (c *Catalog) index() {
	for _, s := range c.sources {
		c.byID[s.ID] = s
	}
	for _, m := range c.municipalities {
		c.byID[m.ID()] = m
		c.municipalityByCode[m.Code] = m
	}
	for _, a := range c.serviceAreas {
		c.byID[a.ID] = a
	}
	for _, p := range c.providers {
		c.byID[p.ID] = p
	}
	c.providersIn = map[string]map[string]bool{}
	for _, area := range c.serviceAreas {
		seen := map[string]bool{}
		for _, s := range c.Schemes(area.ID, "") {
			for _, a := range c.authsByScheme[s.ID] {
				seen[a.ProviderID] = true
			}
		}
		c.providersIn[area.ID] = seen
	}
	c.nameKeys = sortKeys(c.providers)
	c.providersByID = slices.Clone(c.providers)
	slices.SortFunc(c.providersByID, func(a, b *Provider) int { return strings.Compare(a.ID, b.ID) })
	slices.SortStableFunc(c.providers, func(a, b *Provider) int {
		return cmp.Or(strings.Compare(c.nameKeys[a.ID], c.nameKeys[b.ID]), strings.Compare(a.ID, b.ID))
	})
	for _, s := range c.schemes {
		c.byID[s.ID] = s
	}
	for _, m := range c.metrics {
		c.byID[m.ID] = m
	}
	for _, a := range c.agencies {
		c.byID[a.ID] = a
	}
	for _, o := range c.offices {
		c.byID[o.ID] = o
	}
	for _, a := range c.associations {
		c.byID[a.ID] = a
		for i := range a.Members {
			m := &a.Members[i]
			c.membersByAgency[m.AgencyID] = append(c.membersByAgency[m.AgencyID], m)
		}
	}
}

// latestPeriods reads the latest period of each service area: the one that ends last, and of those the
// longest (a year before its autumn term). Each metric's is one step down an index.
func (l *loader) latestPeriods() map[string]string {
	periods := map[string]string{}
	type span struct{ end, start string }
	latest := map[string]span{}
	l.each(`SELECT m.service_area_id, latest.period, latest.period_end, latest.period_start FROM metrics m
		JOIN observations latest ON latest.seq = (SELECT o.seq FROM observations o WHERE o.metric_id = m.id
			ORDER BY o.period_end DESC, o.period_start LIMIT 1)`, func(r *sql.Rows) error {
		var area, period, end, start string
		if err := r.Scan(&area, &period, &end, &start); err != nil {
			return err
		}
		if have, ok := latest[area]; !ok || end > have.end || end == have.end && start < have.start {
			periods[area], latest[area] = period, span{end, start}
		}
		return nil
	})
	return periods
}

// carriedCatalog returns the catalog after a write that changed only figures and moved the data version
// to version at stamp: the one of the version before, which this DB holds, with the version, its time
// and the latest periods (the one part that follows the figures) read again in tx. Loading the whole
// catalog again costs a tenth of a second on the national data set. It is nil when this DB does not
// hold the catalog of the version before.
func (db *DB) carriedCatalog(ctx context.Context, tx *sql.Tx, version int64, stamp string) (*Catalog, error) {
	before := db.catalog.Load()
	if before == nil || before.Info.Version != version-1 {
		return nil, nil
	}
	l := loader{db: db, ctx: ctx, tx: tx}
	latest := l.latestPeriods()
	if l.err != nil {
		return nil, l.err
	}
	c := *before // every list and lookup is shared: a catalog is never changed once loaded
	c.Info.Version, c.Info.UpdatedAt, c.latestPeriod = version, parseTime(stamp), latest
	return &c, nil
}

// keepLatest makes c the catalog of the latest version, and the one it replaces the previous, unless a
// later one is kept already; the caller holds catalogMu.
func (db *DB) keepLatest(c *Catalog) bool {
	latest := db.catalog.Load()
	if latest != nil && latest.Info.Version >= c.Info.Version {
		return false
	}
	db.previous.Store(latest)
	db.catalog.Store(c)
	return true
}

// loader runs the catalog's queries one after another and keeps the first error.
type loader struct {
	db  *DB
	ctx context.Context
	tx  *sql.Tx
	err error
}

func (l *loader) each(query string, scan func(*sql.Rows) error) {
	if l.err != nil {
		return
	}
	rows, err := l.db.txQuery(l.ctx, l.tx, query)
	if err != nil {
		l.err = err
		return
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			l.err = err
			return
		}
	}
	l.err = rows.Err()
}

func money(n sql.Null[int64]) *Money {
	if !n.Valid {
		return nil
	}
	return &Money{Ore: n.V}
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// Object returns the object with global ID id (observations excepted), or nil.
func (c *Catalog) Object(id string) any { return c.byID[id] }

// lookup returns the object of type T with the given ID, or nil.
func lookup[T any](c *Catalog, id string) *T {
	v, _ := c.byID[id].(*T)
	return v
}

func (c *Catalog) Source(id string) *Source                        { return lookup[Source](c, id) }
func (c *Catalog) ServiceArea(id string) *ServiceArea              { return lookup[ServiceArea](c, id) }
func (c *Catalog) Provider(id string) *Provider                    { return lookup[Provider](c, id) }
func (c *Catalog) Scheme(id string) *Scheme                        { return lookup[Scheme](c, id) }
func (c *Catalog) PriceList(id string) *PriceList                  { return lookup[PriceList](c, id) }
func (c *Catalog) Authorisation(id string) *Authorisation          { return lookup[Authorisation](c, id) }
func (c *Catalog) Metric(id string) *Metric                        { return lookup[Metric](c, id) }
func (c *Catalog) Agency(id string) *Agency                        { return lookup[Agency](c, id) }
func (c *Catalog) Association(id string) *Association              { return lookup[Association](c, id) }
func (c *Catalog) Municipality(code string) *Municipality          { return c.municipalityByCode[code] }
func (c *Catalog) Sources() []*Source                              { return c.sources }
func (c *Catalog) AllProviders() []*Provider                       { return c.providers }
func (c *Catalog) Municipalities() []*Municipality                 { return c.municipalities }
func (c *Catalog) ServiceAreas() []*ServiceArea                    { return c.serviceAreas }
func (c *Catalog) Agencies() []*Agency                             { return c.agencies }
func (c *Catalog) Associations() []*Association                    { return c.associations }
func (c *Catalog) Offices() []*Office                              { return c.offices }
func (c *Catalog) LatestPeriod(areaID string) string               { return c.latestPeriod[areaID] }
func (c *Catalog) PriceLists(schemeID string) []*PriceList         { return c.priceListsByScheme[schemeID] }
func (c *Catalog) SchemeAuthorisations(id string) []*Authorisation { return c.authsByScheme[id] }
func (c *Catalog) ProviderAuthorisations(id string) []*Authorisation {
	return c.authsByProvider[id]
}
func (c *Catalog) Memberships(agencyID string) []*AssociationMember {
	return c.membersByAgency[agencyID]
}
func (c *Catalog) MunicipalityAssociations(code string) []*Association {
	return c.assocsByMunicipal[code]
}

// MunicipalitiesOfKind returns the places of a kind, or all of them when kind is nil.
func (c *Catalog) MunicipalitiesOfKind(kind *MunicipalityKind) []*Municipality {
	if kind == nil {
		return c.municipalities
	}
	return filter(c.municipalities, func(m *Municipality) bool { return m.Kind == *kind })
}

// MunicipalityOffices returns a municipality's offices.
func (c *Catalog) MunicipalityOffices(code string) []*Office {
	return filter(c.offices, func(o *Office) bool { return o.MunicipalityCode == code })
}

// Metrics returns the metrics of a service area, or every metric when areaID is empty.
func (c *Catalog) Metrics(areaID string) []*Metric {
	if areaID == "" {
		return c.metrics
	}
	return filter(c.metrics, func(m *Metric) bool { return m.ServiceAreaID == areaID })
}

// HeadlineMetrics returns the metrics the comparison page shows for an area by default.
func (c *Catalog) HeadlineMetrics(areaID string) []*Metric {
	return filter(c.metrics, func(m *Metric) bool { return m.ServiceAreaID == areaID && m.Headline })
}

// Schemes returns the schemes of a service area and municipality; empty arguments match all.
func (c *Catalog) Schemes(areaID, municipalityCode string) []*Scheme {
	return filter(c.schemes, func(s *Scheme) bool {
		return (areaID == "" || s.ServiceAreaID == areaID) && (municipalityCode == "" || s.MunicipalityCode == municipalityCode)
	})
}

// CurrentPriceList returns the price list in force on day, or else the latest one, or nil.
func (c *Catalog) CurrentPriceList(schemeID string, day Date) *PriceList {
	lists := c.priceListsByScheme[schemeID] // newest first
	for _, l := range lists {
		if l.ValidFrom <= day && (l.ValidTo == nil || *l.ValidTo >= day) {
			return l
		}
	}
	if len(lists) > 0 {
		return lists[0]
	}
	return nil
}

// RelatedMetrics returns the metrics to read alongside m.
func (c *Catalog) RelatedMetrics(m *Metric) []*Metric {
	var out []*Metric
	for _, id := range m.RelatedIDs {
		if r := c.Metric(id); r != nil {
			out = append(out, r)
		}
	}
	return out
}

// OtherParts returns the other metrics that count parts of the same whole as m (Metric.Whole).
func (c *Catalog) OtherParts(m *Metric) []*Metric {
	if m.Whole == nil {
		return nil
	}
	return filter(c.metrics, func(o *Metric) bool { return o != m && o.Whole != nil && *o.Whole == *m.Whole })
}

// ProviderServiceAreas returns the service areas a provider holds or has held an authorisation in.
func (c *Catalog) ProviderServiceAreas(providerID string) []*ServiceArea {
	var areas []*ServiceArea
	for _, a := range c.authsByProvider[providerID] {
		if s := c.Scheme(a.SchemeID); s != nil {
			if area := c.ServiceArea(s.ServiceAreaID); area != nil && !slices.Contains(areas, area) {
				areas = append(areas, area)
			}
		}
	}
	slices.SortFunc(areas, func(a, b *ServiceArea) int {
		return cmp.Compare(slices.Index(c.serviceAreas, a), slices.Index(c.serviceAreas, b))
	})
	return areas
}

// ProviderCount counts the providers that hold or have held an authorisation in a service area.
func (c *Catalog) ProviderCount(areaID string) int { return len(c.providersIn[areaID]) }

// AssociationSources returns every source of the facts about an association, each once, in the order
// first met.
func (c *Catalog) AssociationSources(a *Association) []*Source {
	ids := []string{a.SourceID}
	for _, m := range a.Members {
		ids = append(ids, m.SourceID)
	}
	for _, g := range a.TargetGroups {
		ids = append(ids, g.SourceID)
	}
	for _, m := range a.Milestones {
		ids = append(ids, m.SourceID)
	}
	var sources []*Source
	for _, id := range ids {
		if s := c.Source(id); s != nil && !slices.Contains(sources, s) {
			sources = append(sources, s)
		}
	}
	return sources
}

// ContainsIllustrativeData reports whether any source is illustrative.
func (c *Catalog) ContainsIllustrativeData() bool {
	return slices.ContainsFunc(c.sources, func(s *Source) bool { return s.Illustrative })
}

// Illustrative reports whether the source with this ID marks its facts as invented.
func (c *Catalog) Illustrative(sourceID string) bool {
	s := c.Source(sourceID)
	return s != nil && s.Illustrative
}

func filter[T any](xs []T, keep func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

// AssociationMunicipalities returns the municipalities an association covers, in the sources' order.
func (c *Catalog) AssociationMunicipalities(a *Association) []*Municipality {
	var out []*Municipality
	for _, code := range a.MunicipalityCodes {
		if m := c.Municipality(code); m != nil {
			out = append(out, m)
		}
	}
	return out
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
