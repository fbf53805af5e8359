package export

import (
	"context"
	"slices"
	"strings"

	"github.com/jamforelse/api/store"
)

// table is one downloadable table: what it is called, the filters it takes, its columns, and a
// function that produces its rows in order, only those the filter lets through.
type table struct {
	titleSV, titleEN string
	filters          []string // the Filter fields it takes, by their names in a URL
	columns          []string
	rows             func(ctx context.Context, db *store.DB, c *store.Catalog, f Filter, row func(...any) error) error
}

const (
	byServiceArea  = "serviceArea"
	byMunicipality = "municipality"
	byMetric       = "metric"
	byPeriod       = "period"
)

var tables = map[string]table{
	"service-areas": {
		titleSV: "Verksamhetsområden", titleEN: "Service areas",
		filters: []string{byServiceArea},
		columns: []string{"id", "code", "name", "description", "source_id", "illustrative"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, f Filter, row func(...any) error) error {
			for _, a := range c.ServiceAreas() {
				if f.area(a.ID) {
					if err := row(a.ID, a.Code, a.Name, a.Description, a.SourceID, c.Illustrative(a.SourceID)); err != nil {
						return err
					}
				}
			}
			return nil
		},
	},
	"municipalities": {
		titleSV: "Kommuner, regioner och riket", titleEN: "Municipalities, regions and the country",
		filters: []string{byMunicipality},
		columns: []string{"code", "name", "kind", "county_code", "county", "scb_code", "kolada_id", "source_id", "illustrative"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, f Filter, row func(...any) error) error {
			for _, m := range c.Municipalities() {
				if f.place(m.Code) {
					if err := row(m.Code, m.Name, m.Kind, m.CountyCode, m.County, m.SCBCode(), m.KoladaID(), m.SourceID, c.Illustrative(m.SourceID)); err != nil {
						return err
					}
				}
			}
			return nil
		},
	},
	"providers": {
		titleSV: "Utförare", titleEN: "Providers",
		filters: []string{byServiceArea, byMunicipality},
		columns: []string{"id", "name", "organisation_number", "operating_form", "municipality_code", "website",
			"service_area_ids", "source_id", "illustrative", "updated_at"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, f Filter, row func(...any) error) error {
			for _, p := range c.AllProviders() {
				var areas []string
				for _, a := range c.ProviderServiceAreas(p.ID) {
					areas = append(areas, a.ID)
				}
				if !f.place(p.MunicipalityCode) || f.ServiceArea != "" && !slices.Contains(areas, f.ServiceArea) {
					continue
				}
				if err := row(p.ID, p.Name, p.OrganisationNumber, p.OperatingForm, p.MunicipalityCode, p.Website,
					strings.Join(areas, ";"), p.SourceID, c.Illustrative(p.SourceID), p.UpdatedAt); err != nil {
					return err
				}
			}
			return nil
		},
	},
	"metrics": {
		titleSV: "Nyckeltal", titleEN: "Metrics",
		filters: []string{byServiceArea, byMetric},
		columns: []string{"id", "name", "name_en", "description", "description_en", "definition", "unit", "direction", "service_area_id", "kolada_id",
			"headline", "related_metric_ids", "formula_numerator_id", "formula_denominator_id", "formula_factor", "source_id", "illustrative"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, f Filter, row func(...any) error) error {
			for _, m := range c.Metrics(f.ServiceArea) {
				if f.Metric != "" && m.ID != f.Metric {
					continue
				}
				var num, den, factor any
				if fm := m.Formula; fm != nil {
					num, den, factor = fm.NumeratorID, fm.DenominatorID, fm.Factor
				}
				if err := row(m.ID, m.Name, m.NameEN, m.Description, m.DescriptionEN, m.Definition, m.Unit, m.Direction, m.ServiceAreaID, m.KoladaID,
					m.Headline, strings.Join(m.RelatedIDs, ";"), num, den, factor, m.SourceID, c.Illustrative(m.SourceID)); err != nil {
					return err
				}
			}
			return nil
		},
	},
	"observations": {
		titleSV: "Resultat (observationer)", titleEN: "Results (observations)",
		filters: []string{byServiceArea, byMunicipality, byMetric, byPeriod},
		columns: []string{"id", "metric_id", "provider_id", "municipality_code", "period", "period_start", "period_end",
			"value", "value_women", "value_men", "sample_size", "suppressed", "suppression_reason", "status", "note", "source_id", "illustrative", "updated_at"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, f Filter, row func(...any) error) error {
			return db.EachObservation(ctx, c, f.observations(), func(o *store.Observation) error {
				return row(o.ID(), o.MetricID, o.ProviderID, o.MunicipalityCode, o.Period, o.PeriodStart, o.PeriodEnd,
					o.Value, o.ValueWomen, o.ValueMen, o.SampleSize, o.Suppressed, o.SuppressionReason, o.Status, o.Note, o.SourceID,
					c.Illustrative(o.SourceID), o.UpdatedAt)
			})
		},
	},
	"authorisation-schemes": {
		titleSV: "Auktorisationssystem", titleEN: "Authorisation schemes",
		filters: []string{byServiceArea, byMunicipality},
		columns: []string{"id", "name", "service_area_id", "municipality_code", "status", "status_as_of", "decided_by", "decided_on",
			"in_force_from", "in_force_period", "note", "source_id", "illustrative", "updated_at"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, f Filter, row func(...any) error) error {
			for _, s := range c.Schemes(f.ServiceArea, f.Municipality) {
				if err := row(s.ID, s.Name, s.ServiceAreaID, s.MunicipalityCode, s.Status, s.StatusAsOf, s.DecidedBy, s.DecidedOn,
					s.InForceFrom, s.InForcePeriod, s.Note, s.SourceID, c.Illustrative(s.SourceID), s.UpdatedAt); err != nil {
					return err
				}
			}
			return nil
		},
	},
	"price-lists": {
		titleSV: "Prislistor", titleEN: "Price lists",
		filters: []string{byServiceArea, byMunicipality},
		columns: []string{"id", "scheme_id", "service_area_id", "municipality_code", "valid_from", "valid_to", "decided_on", "items",
			"source_id", "illustrative", "updated_at"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, f Filter, row func(...any) error) error {
			for _, s := range c.Schemes(f.ServiceArea, f.Municipality) {
				for _, l := range c.PriceLists(s.ID) {
					if err := row(l.ID, s.ID, s.ServiceAreaID, s.MunicipalityCode, l.ValidFrom, l.ValidTo, l.DecidedOn, len(l.Items),
						l.SourceID, c.Illustrative(l.SourceID), l.UpdatedAt); err != nil {
						return err
					}
				}
			}
			return nil
		},
	},
	"price-items": {
		titleSV: "Priser", titleEN: "Price list items",
		filters: []string{byServiceArea, byMunicipality},
		columns: []string{"price_list_id", "scheme_id", "service_area_id", "municipality_code", "valid_from", "valid_to", "decided_on",
			"position", "label", "unit", "amount_ore", "amount_sek", "result_based_share", "paid_when", "source_id", "illustrative"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, f Filter, row func(...any) error) error {
			for _, s := range c.Schemes(f.ServiceArea, f.Municipality) {
				for _, l := range c.PriceLists(s.ID) {
					for i, it := range l.Items {
						if err := row(l.ID, s.ID, s.ServiceAreaID, s.MunicipalityCode, l.ValidFrom, l.ValidTo, l.DecidedOn,
							i+1, it.Label, it.Unit, it.Amount.Ore, it.Amount.SEK(), it.ResultBasedShare, it.PaidWhen,
							l.SourceID, c.Illustrative(l.SourceID)); err != nil {
							return err
						}
					}
				}
			}
			return nil
		},
	},
	"authorisations": {
		titleSV: "Auktorisationer", titleEN: "Authorisations",
		filters: []string{byServiceArea, byMunicipality},
		columns: []string{"id", "provider_id", "scheme_id", "service_area_id", "municipality_code", "status", "granted_on", "valid_until",
			"source_id", "illustrative", "updated_at"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, f Filter, row func(...any) error) error {
			today := store.Today()
			for _, s := range c.Schemes(f.ServiceArea, f.Municipality) {
				for _, a := range c.SchemeAuthorisations(s.ID) {
					if err := row(a.ID, a.ProviderID, s.ID, s.ServiceAreaID, s.MunicipalityCode, a.StatusOn(today), a.GrantedOn(today),
						a.ValidUntil(today), a.SourceID, c.Illustrative(a.SourceID), a.UpdatedAt); err != nil {
						return err
					}
				}
			}
			return nil
		},
	},
	"authorisation-events": {
		titleSV: "Auktorisationernas historik", titleEN: "Authorisations' history",
		filters: []string{byServiceArea, byMunicipality},
		columns: []string{"authorisation_id", "position", "kind", "date", "valid_until", "reason", "provider_id", "scheme_id",
			"source_id", "illustrative", "recorded_at"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, f Filter, row func(...any) error) error {
			for _, s := range c.Schemes(f.ServiceArea, f.Municipality) {
				for _, a := range c.SchemeAuthorisations(s.ID) {
					for i, e := range a.Events {
						if err := row(a.ID, i+1, e.Kind, e.Date, e.ValidUntil, e.Reason, a.ProviderID, s.ID,
							e.SourceID, c.Illustrative(e.SourceID), e.RecordedAt); err != nil {
							return err
						}
					}
				}
			}
			return nil
		},
	},
	"sources": {
		titleSV: "Källor", titleEN: "Sources",
		columns: []string{"id", "title", "publisher", "author", "url", "published_on", "published_on_precision", "illustrative", "description"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, f Filter, row func(...any) error) error {
			for _, s := range c.Sources() {
				if err := row(s.ID, s.Title, s.Publisher, s.Author, s.URL, s.PublishedOn, s.PublishedOnPrecision, s.Illustrative, s.Description); err != nil {
					return err
				}
			}
			return nil
		},
	},
	"offices": {
		titleSV: "Kontor som följer upp verksamheten", titleEN: "Offices that follow up the services",
		filters: []string{byMunicipality},
		columns: []string{"id", "name", "municipality_code", "status", "status_as_of", "purpose", "note", "source_id", "illustrative"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, f Filter, row func(...any) error) error {
			for _, o := range c.Offices() {
				if f.place(o.MunicipalityCode) {
					if err := row(o.ID, o.Name, o.MunicipalityCode, o.Status, o.StatusAsOf, o.Purpose, o.Note, o.SourceID, c.Illustrative(o.SourceID)); err != nil {
						return err
					}
				}
			}
			return nil
		},
	},
	"agencies": {
		titleSV: "Myndigheter, regioner och kommuner i samordningsförbund", titleEN: "Agencies in coordination associations",
		columns: []string{"id", "name", "current_name", "kind", "organisation_number", "municipality_code", "source_id", "illustrative"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, f Filter, row func(...any) error) error {
			for _, a := range c.Agencies() {
				if err := row(a.ID, a.Name, a.CurrentName, a.Kind, a.OrganisationNumber, a.MunicipalityCode, a.SourceID, c.Illustrative(a.SourceID)); err != nil {
					return err
				}
			}
			return nil
		},
	},
	"associations": {
		titleSV: "Samordningsförbund", titleEN: "Coordination associations",
		filters: []string{byMunicipality},
		columns: []string{"id", "name", "status", "status_as_of", "starts_on", "county", "annual_budget_ore", "annual_budget_sek",
			"estimated_reach_min", "estimated_reach_max", "municipality_codes", "source_id", "illustrative"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, f Filter, row func(...any) error) error {
			for _, a := range associations(c, f) {
				var ore, sek any
				if a.AnnualBudget != nil {
					ore, sek = a.AnnualBudget.Ore, a.AnnualBudget.SEK()
				}
				if err := row(a.ID, a.Name, a.Status, a.StatusAsOf, a.StartsOn, a.County, ore, sek, a.EstimatedReachMin, a.EstimatedReachMax,
					strings.Join(a.MunicipalityCodes, ";"), a.SourceID, c.Illustrative(a.SourceID)); err != nil {
					return err
				}
			}
			return nil
		},
	},
	"association-members": {
		titleSV: "Samordningsförbundens medlemmar", titleEN: "Members of the coordination associations",
		filters: []string{byMunicipality},
		columns: []string{"association_id", "agency_id", "agency_name", "agency_kind", "contribution_ore", "contribution_sek", "share", "basis", "source_id", "illustrative"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, f Filter, row func(...any) error) error {
			for _, a := range associations(c, f) {
				for _, m := range a.Members {
					agency := c.Agency(m.AgencyID)
					var ore, sek any
					if m.Contribution != nil {
						ore, sek = m.Contribution.Ore, m.Contribution.SEK()
					}
					if err := row(a.ID, m.AgencyID, agency.Name, agency.Kind, ore, sek, m.Share, m.Basis, m.SourceID, c.Illustrative(m.SourceID)); err != nil {
						return err
					}
				}
			}
			return nil
		},
	},
	"association-target-groups": {
		titleSV: "Samordningsförbundens målgrupper", titleEN: "Target groups of the coordination associations",
		filters: []string{byMunicipality},
		columns: []string{"association_id", "position", "description", "estimate_min", "estimate_max", "source_id", "illustrative"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, f Filter, row func(...any) error) error {
			for _, a := range associations(c, f) {
				for i, g := range a.TargetGroups {
					if err := row(a.ID, i+1, g.Description, g.EstimateMin, g.EstimateMax, g.SourceID, c.Illustrative(g.SourceID)); err != nil {
						return err
					}
				}
			}
			return nil
		},
	},
	"association-milestones": {
		titleSV: "Samordningsförbundens tidsplan", titleEN: "Milestones of the coordination associations",
		filters: []string{byMunicipality},
		columns: []string{"association_id", "position", "date", "period", "body", "description", "status", "as_of", "source_id", "illustrative"},
		rows: func(ctx context.Context, db *store.DB, c *store.Catalog, f Filter, row func(...any) error) error {
			for _, a := range associations(c, f) {
				for i, m := range a.Milestones {
					if err := row(a.ID, i+1, m.Date, m.Period, m.Body, m.Description, m.Status, m.AsOf, m.SourceID, c.Illustrative(m.SourceID)); err != nil {
						return err
					}
				}
			}
			return nil
		},
	},
}

// associations are the coordination associations the filter lets through: those whose municipalities
// include the one asked for.
func associations(c *store.Catalog, f Filter) []*store.Association {
	var out []*store.Association
	for _, a := range c.Associations() {
		if f.Municipality == "" || slices.Contains(a.MunicipalityCodes, f.Municipality) {
			out = append(out, a)
		}
	}
	return out
}
