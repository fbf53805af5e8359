package store

import (
	"fmt"
	"slices"
)

// Validate checks a whole data set before anything is written: IDs well formed and unique, every
// reference pointing at something in the set, enums, dates and periods valid, percentages within 0–100.
// It reports every problem, not just the first.
func (ds *Dataset) Validate() error {
	v := validator{seen: map[string]bool{}}
	if ds.Info == nil {
		v.add("dataset: the data set's description (title, publisher, licence) is missing")
	} else if ds.Info.Title == "" || ds.Info.Publisher == "" || ds.Info.License == "" {
		v.add("dataset: title, publisher and license are required")
	}
	for _, s := range ds.Sources {
		v.id("Source", s.ID)
		v.date(s.ID, "publishedOn", s.PublishedOn)
		if (s.PublishedOn == nil) != (s.PublishedOnPrecision == nil) {
			v.add("%s: publishedOn and publishedOnPrecision go together", s.ID)
		}
	}
	municipalities := map[string]bool{}
	for _, m := range ds.Municipalities {
		if !isMunicipalityCode(m.Code) {
			v.add("municipality %q: the code must be four digits", m.Code)
		}
		if municipalities[m.Code] {
			v.add("municipality %q: listed twice", m.Code)
		}
		municipalities[m.Code] = true
		if m.Kind != "" {
			v.enum("municipality "+m.Code, "kind", string(m.Kind), "MUNICIPALITY", "REGION", "COUNTRY")
		}
		v.text("municipality "+m.Code, "name", m.Name, MaxNameLength, false)
		v.ref("municipality "+m.Code, "source", m.SourceID)
	}
	municipality := func(owner, code string) {
		if !municipalities[code] {
			v.add("%s: unknown municipality %q", owner, code)
		}
	}
	for _, a := range ds.ServiceAreas {
		v.id("ServiceArea", a.ID)
		v.ref(a.ID, "source", a.SourceID)
	}
	for _, p := range ds.Providers {
		v.id("Provider", p.ID)
		v.enum(p.ID, "operatingForm", string(p.OperatingForm), "MUNICIPAL", "PRIVATE", "NON_PROFIT", "OTHER_PUBLIC")
		municipality(p.ID, p.MunicipalityCode)
		v.ref(p.ID, "source", p.SourceID)
		v.text(p.ID, "name", p.Name, MaxNameLength, false)
		if p.Description != nil {
			v.text(p.ID, "description", *p.Description, MaxDescriptionLength, true)
		}
	}
	for _, s := range ds.Schemes {
		v.id("AuthorisationScheme", s.ID)
		v.ref(s.ID, "serviceArea", s.ServiceAreaID)
		municipality(s.ID, s.MunicipalityCode)
		v.enum(s.ID, "status", string(s.Status), "PLANNED", "PROPOSED", "IN_FORCE", "ENDED")
		v.date(s.ID, "decidedOn", s.DecidedOn)
		v.date(s.ID, "statusAsOf", s.StatusAsOf)
		v.date(s.ID, "inForceFrom", s.InForceFrom)
		if s.InForcePeriod != nil {
			v.period(s.ID, *s.InForcePeriod)
		}
		v.ref(s.ID, "source", s.SourceID)
	}
	for _, l := range ds.PriceLists {
		v.id("PriceList", l.ID)
		v.ref(l.ID, "scheme", l.SchemeID)
		v.date(l.ID, "validFrom", &l.ValidFrom)
		v.date(l.ID, "validTo", l.ValidTo)
		v.date(l.ID, "decidedOn", l.DecidedOn)
		v.ref(l.ID, "source", l.SourceID)
		for i, it := range l.Items {
			owner := fmt.Sprintf("%s item %d", l.ID, i+1)
			v.enum(owner, "unit", string(it.Unit), "PER_PARTICIPANT", "PER_COURSE", "PER_CREDIT", "PER_WEEK", "PER_MONTH", "PER_HOUR")
			v.enum(owner, "paidWhen", string(it.PaidWhen), "ON_START", "MONTHLY", "ON_COMPLETION", "ON_PASS", "ON_TRANSITION")
			if it.ResultBasedShare < 0 || it.ResultBasedShare > 1 {
				v.add("%s: resultBasedShare %v is outside 0–1", owner, it.ResultBasedShare)
			}
			if it.Amount.Ore < 0 {
				v.add("%s: the amount is negative", owner)
			}
		}
	}
	for _, a := range ds.Authorisations {
		v.id("Authorisation", a.ID)
		v.ref(a.ID, "provider", a.ProviderID)
		v.ref(a.ID, "scheme", a.SchemeID)
		v.ref(a.ID, "source", a.SourceID)
		for i, e := range a.Events {
			owner := fmt.Sprintf("%s event %d", a.ID, i+1)
			v.enum(owner, "kind", string(e.Kind), "GRANTED", "RENEWED", "SUSPENDED", "REINSTATED", "REVOKED")
			v.date(owner, "date", &e.Date)
			v.date(owner, "validUntil", e.ValidUntil)
			v.ref(owner, "source", e.SourceID)
			switch {
			case i == 0 && e.Kind != Granted:
				v.add("%s: an authorisation's history starts with its grant", owner)
			case i > 0 && e.Date < a.Events[i-1].Date:
				v.add("%s: %s is before the event before it (%s); events are in the order of their dates", owner, e.Date, a.Events[i-1].Date)
			case e.ValidUntil != nil && *e.ValidUntil < e.Date:
				v.add("%s: validUntil %s is before its date %s", owner, *e.ValidUntil, e.Date)
			}
		}
	}
	metrics := map[string]*Metric{}
	for _, m := range ds.Metrics {
		v.id("Metric", m.ID)
		v.enum(m.ID, "unit", string(m.Unit), "PERCENT", "SEK", "COUNT", "HOURS", "INDEX", "PERCENTAGE_POINTS")
		v.enum(m.ID, "direction", string(m.Direction), "HIGHER_IS_BETTER", "LOWER_IS_BETTER", "NEUTRAL")
		v.ref(m.ID, "serviceArea", m.ServiceAreaID)
		v.ref(m.ID, "source", m.SourceID)
		if m.NameEN != nil {
			v.text(m.ID, "nameEn", *m.NameEN, MaxNameLength, false)
		}
		if m.DescriptionEN != nil {
			v.text(m.ID, "descriptionEn", *m.DescriptionEN, MaxDescriptionLength, true)
		}
		metrics[m.ID] = m
		for _, related := range m.RelatedIDs {
			if related == m.ID {
				v.add("%s: a metric cannot be related to itself", m.ID)
			}
			v.ref(m.ID, "related metric", related)
		}
		if f := m.Formula; f != nil {
			v.ref(m.ID, "formula numerator", f.NumeratorID)
			v.ref(m.ID, "formula denominator", f.DenominatorID)
			if f.Factor <= 0 {
				v.add("%s: the formula's factor must be positive", m.ID)
			}
		}
	}
	wholes := map[string][]string{}
	for _, m := range ds.Metrics {
		if f := m.Formula; f != nil && (metrics[f.NumeratorID].Derived() || metrics[f.DenominatorID].Derived()) {
			v.add("%s: a formula may only use stored metrics, not other derived ones", m.ID)
		}
		if m.Whole != nil {
			wholes[*m.Whole] = append(wholes[*m.Whole], m.ID)
			if m.Unit != UnitPercent || m.Derived() {
				v.add("%s: only stored percentages can be parts of a whole (%s)", m.ID, *m.Whole)
			}
		}
		for _, q := range m.PaidFor {
			v.enum(m.ID+" paidFor", "unit", string(q.Unit), "PER_PARTICIPANT", "PER_COURSE", "PER_CREDIT", "PER_WEEK", "PER_MONTH", "PER_HOUR")
			v.enum(m.ID+" paidFor", "paidWhen", string(q.PaidWhen), "ON_START", "MONTHLY", "ON_COMPLETION", "ON_PASS", "ON_TRANSITION")
			v.ref(m.ID, "paidFor metric", q.MetricID)
			if counter := metrics[q.MetricID]; counter == nil || counter.Derived() || len(counter.PaidFor) > 0 || counter.ServiceAreaID != m.ServiceAreaID {
				v.add("%s: what it is paid for must be counted by a stored metric of the same service area that is not money itself, not %s", m.ID, q.MetricID)
			}
		}
	}
	for whole, parts := range wholes {
		if len(parts) < 2 {
			v.add("%s: the whole %q has no other part", parts[0], whole)
		}
	}
	observed := map[string]bool{}
	for _, o := range ds.Observations {
		v.observation(o, observed, municipalities, metrics)
	}
	rows := make([]int, len(ds.Observations))
	for i := range rows {
		rows[i] = i + 1
	}
	for _, p := range wholeProblems(ds.Observations, rows, func(id string) *Metric { return metrics[id] }) {
		v.add("%s: %s", ds.Observations[p.Row-1].ID(), p.Message)
	}
	for _, a := range ds.Agencies {
		v.id("Agency", a.ID)
		v.enum(a.ID, "kind", string(a.Kind), "STATE_AGENCY", "REGION", "MUNICIPALITY")
		if a.MunicipalityCode != nil {
			municipality(a.ID, *a.MunicipalityCode)
		}
		v.ref(a.ID, "source", a.SourceID)
	}
	for _, a := range ds.Associations {
		v.id("CoordinationAssociation", a.ID)
		v.enum(a.ID, "status", string(a.Status), "PLANNED", "ACTIVE", "DISSOLVED")
		v.date(a.ID, "startsOn", a.StartsOn)
		v.date(a.ID, "statusAsOf", a.StatusAsOf)
		v.ref(a.ID, "source", a.SourceID)
		for _, code := range a.MunicipalityCodes {
			municipality(a.ID, code)
		}
		for _, m := range a.Members {
			v.ref(a.ID+" member", "agency", m.AgencyID)
			v.ref(a.ID+" member", "source", m.SourceID)
		}
		for _, g := range a.TargetGroups {
			v.ref(a.ID+" target group", "source", g.SourceID)
		}
		for _, m := range a.Milestones {
			v.date(a.ID+" milestone", "date", m.Date)
			v.date(a.ID+" milestone", "asOf", m.AsOf)
			if m.Period != nil {
				v.period(a.ID+" milestone", *m.Period)
			}
			v.enum(a.ID+" milestone", "status", string(m.Status), "DONE", "EXPECTED", "PLANNED")
			v.ref(a.ID+" milestone", "source", m.SourceID)
		}
	}
	for _, o := range ds.Offices {
		v.id("Office", o.ID)
		municipality(o.ID, o.MunicipalityCode)
		v.enum(o.ID, "status", string(o.Status), "PLANNED", "ESTABLISHED", "CLOSED")
		v.date(o.ID, "statusAsOf", o.StatusAsOf)
		v.ref(o.ID, "source", o.SourceID)
		if o.Purpose == "" {
			v.add("%s: the purpose is required", o.ID)
		}
	}
	return v.result()
}

// observation checks one figure: its references, period and status, and the rules of FigureProblems.
func (v *validator) observation(o *Observation, observed, municipalities map[string]bool, metrics map[string]*Metric) {
	id := o.ID()
	m := metrics[o.MetricID]
	if m != nil && m.Formula != nil {
		v.add("%s: %s is derived, computed from other metrics; its figures are not stored", id, o.MetricID)
	}
	if observed[id] {
		v.add("%s: listed twice", id)
	}
	observed[id] = true
	v.ref(id, "metric", o.MetricID)
	if o.ProviderID != nil {
		v.ref(id, "provider", *o.ProviderID)
	}
	if !municipalities[o.MunicipalityCode] {
		v.add("%s: unknown municipality %q", id, o.MunicipalityCode)
	}
	v.period(id, o.Period)
	v.enum(id, "status", string(o.Status), "FINAL", "PRELIMINARY", "REVISED")
	v.ref(id, "source", o.SourceID)
	for _, p := range FigureProblems(o, m) {
		v.add("%s: %s: %s", id, p.Field, p.Message)
	}
}

// result checks the references gathered, once every ID is known, and reports every problem found.
func (v *validator) result() error {
	for _, r := range v.refs {
		if !v.seen[r.id] {
			v.add("%s: %s %q does not exist", r.owner, r.field, r.id)
		}
	}
	if len(v.problems) > 0 {
		return &ValidationError{Problems: v.problems}
	}
	return nil
}

type reference struct{ owner, field, id string }

type validator struct {
	seen     map[string]bool
	refs     []reference
	problems []string
}

func (v *validator) add(format string, args ...any) {
	v.problems = append(v.problems, fmt.Sprintf(format, args...))
}

func (v *validator) id(typ, id string) {
	if err := ParseIDOf(typ, id); err != nil {
		v.add("%v", err)
		return
	}
	if v.seen[id] {
		v.add("%s: listed twice", id)
	}
	v.seen[id] = true
}

func (v *validator) ref(owner, field, id string) {
	v.refs = append(v.refs, reference{owner, field, id})
}

func (v *validator) enum(owner, field, value string, allowed ...string) {
	if !slices.Contains(allowed, value) {
		v.add("%s: %s %q is not one of %v", owner, field, value, allowed)
	}
}

func (v *validator) text(owner, field, s string, max int, multiline bool) {
	if msg := TextProblem(s, max, multiline); msg != "" {
		v.add("%s: %s: %s", owner, field, msg)
	}
}

func (v *validator) date(owner, field string, d *Date) {
	if d == nil {
		return
	}
	if _, err := ParseDate(string(*d)); err != nil {
		v.add("%s: %s: %v", owner, field, err)
	}
}

func (v *validator) period(owner, p string) {
	if err := validPeriod(p); err != nil {
		v.add("%s: %v", owner, err)
	}
}
