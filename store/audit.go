package store

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// The disclosure audit is an attacker's program. It reads only what an anonymous reader can read, the
// published figures (through the same path every answer takes) and the price lists, and tries every
// subtraction disclosure control defends against:
//
//   - a municipality's figure minus its providers', a period minus its parts, a total minus women or men,
//     together, by exact elimination over all of them at once, so that chains of subtractions count too;
//   - what a single subtraction leaves over, when several figures are withheld: a group too;
//   - a payment under the public price list, solved for the counts it is paid for;
//   - the comparison's summaries and ranks, against the published cells they must come from.
//
// A recovery is a withheld figure, or group of figures, based on fewer individuals than the threshold,
// whose value follows from published figures alone.

// AuditReport is what the audit found.
type AuditReport struct {
	Threshold int
	Figures   int                       // every stored figure
	Withheld  map[SuppressionReason]int // figures withheld, by reason
	// WithheldGenders counts, by reason, the figures shown whose values for women and men are withheld.
	WithheldGenders map[SuppressionReason]int
	Recovered       []Recovery // what must never be worked out, and was
	// WorkedOut counts withheld figures based on at least the threshold that were worked out: no
	// disclosure in themselves, and what the attack then goes on from.
	WorkedOut int
}

// Recovery is a withheld figure, or group of figures, the audit worked out.
type Recovery struct {
	What  string   // the figure's ID (with "women" or "men" for a gender's value), or the group's description
	How   string   // the subtraction that gives it
	Size  *float64 // individuals, when they follow too
	Value *float64 // the value, in the metric's unit, or the count a payment reveals
}

func (r Recovery) String() string {
	s := r.What + ": " + r.How
	if r.Size != nil {
		s += fmt.Sprintf("; %s individuals", strconv.FormatFloat(*r.Size, 'f', -1, 64))
	}
	if r.Value != nil {
		s += fmt.Sprintf("; value %s", strconv.FormatFloat(*r.Value, 'f', 2, 64))
	}
	return s
}

// Audit attacks the published figures and reports what it recovered. It reads them one municipality's
// year at a time, as a reader would page through them, so its memory is that of the largest.
func (db *DB) Audit(ctx context.Context) (*AuditReport, error) {
	c, err := db.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	report := &AuditReport{Threshold: c.Info.SuppressBelow, Withheld: map[SuppressionReason]int{}, WithheldGenders: map[SuppressionReason]int{}}
	a := attack{c: c, report: report, threshold: c.Info.SuppressBelow}
	err = db.eachMunicipalityYear(ctx, c, func(figures []*Observation) {
		groups := map[group][]*Observation{}
		for _, o := range figures {
			report.Figures++
			if o.SuppressionReason != nil {
				report.Withheld[*o.SuppressionReason]++
			} else if o.GenderSuppressionReason != nil {
				report.WithheldGenders[*o.GenderSuppressionReason]++
			}
			if m := c.Metric(o.MetricID); m != nil {
				year, _ := strconv.Atoi(string(o.PeriodStart[:4]))
				g := group{area: m.ServiceAreaID, municipality: o.MunicipalityCode, year: year}
				groups[g] = append(groups[g], o)
			}
		}
		for _, g := range slices.SortedFunc(maps.Keys(groups), compareGroups) {
			a.group(g, groups[g])
			a.summaries(g, groups[g])
		}
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(report.Recovered, compareRecoveries)
	return report, nil
}

// eachMunicipalityYear reads every figure as it is published, and calls fn with each municipality's
// figures (its own and its providers') for one year at a time.
func (db *DB) eachMunicipalityYear(ctx context.Context, c *Catalog, fn func([]*Observation)) error {
	rows, err := db.query(ctx, `SELECT `+observationColumns+` FROM observations o
		ORDER BY o.municipality_code, substr(o.period_start, 1, 4), o.seq`)
	if err != nil {
		return fmt.Errorf("query observations: %w", err)
	}
	defer rows.Close()
	var batch []*Observation
	for rows.Next() {
		o, _, err := db.scanObservation(rows, c)
		if err != nil {
			return err
		}
		if len(batch) > 0 && (batch[0].MunicipalityCode != o.MunicipalityCode || batch[0].PeriodStart[:4] != o.PeriodStart[:4]) {
			fn(batch)
			batch = nil
		}
		batch = append(batch, o)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if len(batch) > 0 {
		fn(batch)
	}
	return rows.Err()
}

// attack holds what the audit knows while it goes through the groups.
type attack struct {
	c         *Catalog
	report    *AuditReport
	threshold int
}

// measure is what a reader knows of a cell: its individuals and its quantity (the count behind a share,
// the value of a count or a sum of money), each when it can be told.
type measure struct{ size, amount *big.Rat }

// group attacks one group's figures, metric by metric, and then the payments among them.
func (a *attack) group(g group, figures []*Observation) {
	byMetric := map[string][]*Observation{}
	for _, o := range figures {
		byMetric[o.MetricID] = append(byMetric[o.MetricID], o)
	}
	worked := map[string]map[string]measure{} // metric → "provider/period" → the totals known, published or worked out
	for _, id := range slices.Sorted(maps.Keys(byMetric)) {
		worked[id] = a.metric(a.c.Metric(id), byMetric[id])
	}
	for _, id := range slices.Sorted(maps.Keys(byMetric)) {
		if m := a.c.Metric(id); len(m.PaidFor) > 0 {
			a.payments(g, m, worked, byMetric)
		}
	}
}

// metric attacks one metric's figures of a group with every relation at once.
func (a *attack) metric(m *Metric, obs []*Observation) map[string]measure {
	figures := make([]tableFigure, len(obs))
	for i, o := range obs {
		p, _ := ParsePeriod(o.Period)
		figures[i] = tableFigure{metric: m, provider: deref(o.ProviderID), period: p,
			genders: o.ValueWomen != nil || o.GenderSuppressionReason != nil}
	}
	t := newTable(figures)
	withheld := func(c int) bool {
		o := obs[t.cells[c].figure]
		return o.Suppressed || t.cells[c].part != totalPart && o.GenderSuppressionReason != nil
	}
	values := make([]measure, len(t.cells))
	for c, cl := range t.cells {
		if !withheld(c) {
			values[c] = a.published(m, obs[cl.figure], cl.part)
		}
	}
	consistent(t, values)
	quantity := func(which func(measure) *big.Rat) func(int) []*big.Rat {
		return func(c int) []*big.Rat {
			if v := which(values[c]); v != nil {
				return []*big.Rat{v}
			}
			return nil
		}
	}
	sizes := solve(t.equations(withheld, 1, quantity(func(k measure) *big.Rat { return k.size })))
	amounts := solve(t.equations(withheld, 1, quantity(func(k measure) *big.Rat { return k.amount })))
	solvedSize, solvedAmount := map[int]*big.Rat{}, map[int]*big.Rat{}
	for _, s := range sizes {
		solvedSize[s.unknown] = s.values[0]
	}
	for _, s := range amounts {
		solvedAmount[s.unknown] = s.values[0]
	}
	for _, c := range slices.Sorted(maps.Keys(mergeKeys(solvedSize, solvedAmount))) {
		values[c] = measure{size: solvedSize[c], amount: solvedAmount[c]}
		o := obs[t.cells[c].figure]
		tooFew := o.SuppressionReason != nil && *o.SuppressionReason == TooFewIndividuals
		small := values[c].size != nil && values[c].size.Cmp(big.NewRat(int64(a.threshold), 1)) < 0
		if small || values[c].size == nil && tooFew && t.cells[c].part == totalPart {
			a.recovered(m, cellName(o, t.cells[c].part), "worked out from the published figures it adds up with ("+relationKinds(t, c)+")", values[c])
		} else {
			a.report.WorkedOut++
		}
	}
	a.leftOver(m, t, obs, withheld, values)
	out := map[string]measure{}
	for i, o := range obs {
		if c := t.cellOf[i][totalPart]; !withheld(c) || values[c].amount != nil {
			out[deref(o.ProviderID)+"/"+o.Period] = values[c]
		}
	}
	return out
}

// consistent drops the sizes of women and men a reader worked out from rounded values where they do not
// add up: in a relation whose every size is known, the parts must sum to the total exactly.
func consistent(t *table, values []measure) {
	for changed := true; changed; {
		changed = false
		for _, r := range t.relations {
			if !r.complete || values[r.parent].size == nil {
				continue
			}
			sum, whole := new(big.Rat), true
			for _, c := range r.children {
				if values[c].size == nil {
					whole = false
					break
				}
				sum.Add(sum, values[c].size)
			}
			if !whole || sum.Cmp(values[r.parent].size) == 0 {
				continue
			}
			for _, c := range r.members() {
				if t.cells[c].part != totalPart && values[c].size != nil {
					values[c], changed = measure{}, true
				}
			}
		}
	}
}

func mergeKeys[V any](a, b map[int]V) map[int]bool {
	out := map[int]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// published is what a reader can tell of a published cell. The sizes of women and men are not
// published, but follow from the total and the two values: n·v = nw·vw + (n − nw)·vm.
func (a *attack) published(m *Metric, o *Observation, p part) measure {
	value := func(v *float64) *big.Rat {
		if v == nil {
			return nil
		}
		return new(big.Rat).SetFloat64(*v)
	}
	var size, v *big.Rat
	switch p {
	case totalPart:
		if o.SampleSize != nil {
			size = big.NewRat(int64(*o.SampleSize), 1)
		}
		v = value(o.Value)
	default:
		// Values are rounded, so the sizes follow exactly only when they come out whole; a size that
		// does not add up with the others is dropped again (see consistent).
		n, total, women, men := o.SampleSize, value(o.Value), value(o.ValueWomen), value(o.ValueMen)
		if n != nil && total != nil && women != nil && men != nil && women.Cmp(men) != 0 {
			nw := new(big.Rat).Mul(big.NewRat(int64(*n), 1), new(big.Rat).Sub(total, men))
			f, _ := nw.Quo(nw, new(big.Rat).Sub(women, men)).Float64()
			if whole := math.Round(f); math.Abs(f-whole) < 1e-6 && whole >= 0 && int(whole) <= *n {
				size = big.NewRat(int64(whole), 1)
				if p == menPart {
					size = big.NewRat(int64(*n)-int64(whole), 1)
				}
			}
		}
		v = women
		if p == menPart {
			v = men
		}
	}
	return measure{size: size, amount: amountOf(m, v, size)}
}

// amountOf is the additive quantity behind a value: the count of individuals behind a share, the value
// itself for a count or money, the sum behind an average.
func amountOf(m *Metric, v, size *big.Rat) *big.Rat {
	switch {
	case v == nil:
		return nil
	case m.Unit == UnitCount || m.Unit == UnitSEK:
		return v
	case size == nil:
		return nil
	case m.Unit == UnitPercent:
		return new(big.Rat).Quo(new(big.Rat).Mul(v, size), big.NewRat(100, 1))
	default:
		return new(big.Rat).Mul(v, size)
	}
}

// valueOf turns a quantity back into a value in the metric's unit.
func valueOf(m *Metric, k measure) *float64 {
	if k.amount == nil {
		return nil
	}
	v := new(big.Rat).Set(k.amount)
	switch {
	case m.Unit == UnitCount || m.Unit == UnitSEK:
	case k.size == nil || k.size.Sign() == 0:
		return nil
	case m.Unit == UnitPercent:
		v.Mul(v, big.NewRat(100, 1)).Quo(v, k.size)
	default:
		v.Quo(v, k.size)
	}
	f, _ := v.Float64()
	return &f
}

// leftOver tries each relation on its own: the parent (published or worked out) minus its known parts
// leaves a group of the parts still hidden and those not stored; one of fewer individuals than the
// threshold is a recovery.
func (a *attack) leftOver(m *Metric, t *table, obs []*Observation, withheld func(int) bool, values []measure) {
	isKnown := func(c int) bool { return !withheld(c) || values[c].size != nil }
	for _, r := range t.relations {
		if !isKnown(r.parent) || values[r.parent].size == nil {
			continue
		}
		var hidden []string
		left := measure{size: new(big.Rat).Set(values[r.parent].size)}
		if values[r.parent].amount != nil {
			left.amount = new(big.Rat).Set(values[r.parent].amount)
		}
		for _, c := range r.children {
			if !isKnown(c) {
				hidden = append(hidden, cellName(obs[t.cells[c].figure], t.cells[c].part))
				continue
			}
			if values[c].size == nil {
				left.size = nil
				break
			}
			left.size.Sub(left.size, values[c].size)
			if left.amount != nil && values[c].amount != nil {
				left.amount.Sub(left.amount, values[c].amount)
			} else {
				left.amount = nil
			}
		}
		if left.size == nil || r.complete && (len(hidden) == 1 || len(hidden) > 0 && len(hidden) == len(r.children)) {
			continue // a single figure, or the parent's whole group, which elimination has judged
		}
		if left.size.Sign() > 0 && left.size.Cmp(big.NewRat(int64(a.threshold), 1)) < 0 {
			what := "the parts of " + cellName(obs[t.cells[r.parent].figure], t.cells[r.parent].part) + " not published"
			if len(hidden) > 0 {
				what += fmt.Sprintf(" (%d withheld: %v)", len(hidden), hidden)
			}
			a.recovered(m, what, string(r.kind), left)
		}
	}
}

func (a *attack) recovered(m *Metric, what, how string, k measure) {
	r := Recovery{What: what, How: how, Value: valueOf(m, k)}
	if k.size != nil {
		f, _ := k.size.Float64()
		r.Size = &f
	}
	a.report.Recovered = append(a.report.Recovered, r)
}

func cellName(o *Observation, p part) string {
	switch p {
	case womenPart:
		return o.ID() + " (women)"
	case menPart:
		return o.ID() + " (men)"
	}
	return o.ID()
}

// relationKinds names the relations a cell is in.
func relationKinds(t *table, c int) string {
	var kinds []string
	for _, ri := range t.within[c] {
		if k := string(t.relations[ri].kind); !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	slices.Sort(kinds)
	return strings.Join(kinds, "; ")
}

// payments solves each known payment for the counts it is paid for. The price list in force over the
// whole period says what each unit is paid; the counts published are subtracted; a count withheld as
// too few is between 0 and the threshold; anything else paid for (weeks, counts not published) is any
// whole number. A count that only one value fits is recovered.
func (a *attack) payments(g group, m *Metric, worked map[string]map[string]measure, byMetric map[string][]*Observation) {
	for _, o := range byMetric[m.ID] {
		paid := worked[m.ID][deref(o.ProviderID)+"/"+o.Period].amount
		if o.ProviderID == nil || paid == nil {
			continue
		}
		p, _ := ParsePeriod(o.Period)
		list := a.priceListOver(m.ServiceAreaID, g.municipality, p)
		if list == nil {
			continue
		}
		perUnit := map[string]int64{} // öre paid per unit, by unit and trigger
		for _, it := range list.Items {
			perUnit[string(it.Unit)+" "+string(it.PaidWhen)] += it.Amount.Ore
		}
		remaining := roundToInt(new(big.Rat).Mul(paid, big.NewRat(100, 1))) // öre
		var targets, free []int64
		var targetObs []*Observation
		for _, k := range slices.Sorted(maps.Keys(perUnit)) {
			counted := countedFigure(m, k, o, byMetric)
			switch {
			case counted == nil:
				free = append(free, perUnit[k])
			case worked[counted.MetricID][deref(o.ProviderID)+"/"+o.Period].amount != nil:
				n := roundToInt(worked[counted.MetricID][deref(o.ProviderID)+"/"+o.Period].amount)
				remaining -= n * perUnit[k]
			case counted.SuppressionReason != nil && *counted.SuppressionReason == TooFewIndividuals:
				targets, targetObs = append(targets, perUnit[k]), append(targetObs, counted)
			default:
				free = append(free, perUnit[k])
			}
		}
		for i, values := range pinCounts(remaining, targets, free, a.threshold) {
			if len(values) == 1 {
				v := float64(values[0])
				a.report.Recovered = append(a.report.Recovered, Recovery{What: targetObs[i].ID(),
					How: fmt.Sprintf("the payment %s (%s kr) under %s", o.ID(), paid.FloatString(2), list.ID), Value: &v})
			}
		}
	}
}

// countedFigure is the figure that counts what prices of a unit and trigger are paid for, for the same
// subject and period as a payment.
func countedFigure(m *Metric, k string, payment *Observation, byMetric map[string][]*Observation) *Observation {
	for _, q := range m.PaidFor {
		if string(q.Unit)+" "+string(q.PaidWhen) != k {
			continue
		}
		for _, o := range byMetric[q.MetricID] {
			if deref(o.ProviderID) == deref(payment.ProviderID) && o.Period == payment.Period {
				return o
			}
		}
	}
	return nil
}

// priceListOver is the price list of the area's scheme in the municipality in force over all of p.
func (a *attack) priceListOver(area, municipality string, p Period) *PriceList {
	for _, s := range a.c.Schemes(area, municipality) {
		for _, l := range a.c.PriceLists(s.ID) {
			if l.ValidFrom <= p.Start && (l.ValidTo == nil || *l.ValidTo >= p.End) {
				return l
			}
		}
	}
	return nil
}

func roundToInt(r *big.Rat) int64 {
	f, _ := r.Float64()
	return int64(math.Round(f))
}

// pinCounts finds, for each bounded count (targets, each paid amount per unit and between 0 and bound),
// the values it can take such that the rest of the payment is paid by any whole numbers of the free
// units. At most three bounded counts are tried together.
func pinCounts(remaining int64, targets, free []int64, bound int) [][]int64 {
	if len(targets) == 0 || len(targets) > 3 {
		return nil
	}
	fits := newRepresentable(free)
	feasible := make([]map[int64]bool, len(targets))
	for i := range feasible {
		feasible[i] = map[int64]bool{}
	}
	counts := make([]int64, len(targets))
	var try func(i int, left int64)
	try = func(i int, left int64) {
		if i == len(targets) {
			if fits(left) {
				for j, k := range counts {
					feasible[j][k] = true
				}
			}
			return
		}
		for k := int64(0); k < int64(bound); k++ {
			counts[i] = k
			try(i+1, left-k*targets[i])
		}
	}
	try(0, remaining)
	out := make([][]int64, len(targets))
	for i, f := range feasible {
		out[i] = slices.Sorted(maps.Keys(f))
	}
	return out
}

// newRepresentable returns whether an amount is a sum of any whole numbers of the given amounts. It
// finds, for each remainder modulo the smallest amount, the smallest sum with that remainder (shortest
// paths over the remainders), after which every larger sum with that remainder is one too.
func newRepresentable(amounts []int64) func(int64) bool {
	var parts []int64
	var g int64
	for _, x := range amounts {
		if x > 0 {
			parts = append(parts, x)
			g = gcd(g, x)
		}
	}
	if len(parts) == 0 {
		return func(x int64) bool { return x == 0 }
	}
	for i := range parts {
		parts[i] /= g
	}
	base := slices.Min(parts)
	if base > 1_000_000 { // too many remainders to walk: assume it can be paid, the attacker's loss
		return func(x int64) bool { return x >= 0 && x%g == 0 }
	}
	smallest := make([]int64, base)
	for i := range smallest {
		smallest[i] = math.MaxInt64
	}
	smallest[0] = 0
	for changed := true; changed; { // Bellman–Ford over remainders; few amounts, so few rounds
		changed = false
		for r := range smallest {
			if smallest[r] == math.MaxInt64 {
				continue
			}
			for _, p := range parts {
				next := smallest[r] + p
				if next < smallest[next%base] {
					smallest[next%base], changed = next, true
				}
			}
		}
	}
	return func(x int64) bool {
		if x < 0 || x%g != 0 {
			return false
		}
		x /= g
		return x >= smallest[x%base]
	}
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// summaries checks each comparison the group's figures make, for every metric of the area together: its
// summaries and ranks must come from the published cells alone, or they would tell something of the
// withheld ones (a mean over a form's providers with one figure more than those shown gives it back).
// The country's reference lines take no part in them and are left out.
func (a *attack) summaries(g group, figures []*Observation) {
	periods := map[string][]*Observation{}
	for _, o := range figures {
		if o.ProviderID != nil {
			periods[o.Period] = nil
		}
	}
	for _, o := range figures {
		if _, ok := periods[o.Period]; ok {
			periods[o.Period] = append(periods[o.Period], o)
		}
	}
	var metrics []string
	for _, m := range a.c.Metrics(g.area) {
		metrics = append(metrics, m.ID)
	}
	for _, period := range slices.Sorted(maps.Keys(periods)) {
		cmpn, err := a.c.comparisonFrame(ComparisonArgs{ServiceArea: g.area, Period: period, Metrics: metrics, Municipality: g.municipality})
		if err != nil {
			continue
		}
		a.c.fillComparison(cmpn, nil, periods[period])
		a.checkSummaries(cmpn)
	}
}

func (a *attack) checkSummaries(cmpn *Comparison) {
	for i, m := range cmpn.Metrics {
		ranked := 0
		for _, row := range cmpn.Rows {
			if row.Cells[i].Value != nil {
				ranked++
			}
		}
		for _, row := range cmpn.Rows {
			if cell := row.Cells[i]; cell.RankOf != nil && *cell.RankOf != ranked || cell.Value == nil && cell.Rank != nil {
				a.report.Recovered = append(a.report.Recovered, Recovery{What: fmt.Sprintf("ranks of %s in %s %s", m.ID, cmpn.Municipality.Code, cmpn.Period),
					How: "ranks count withheld figures"})
				break
			}
		}
	}
	for _, s := range cmpn.Summaries {
		i := slices.Index(cmpn.Metrics, s.Metric)
		var values []Weighted
		for _, row := range cmpn.Rows {
			if cell := row.Cells[i]; cell.Value != nil && (s.OperatingForm == nil || row.Provider.OperatingForm == *s.OperatingForm) {
				values = append(values, Weighted{Value: *cell.Value, Weight: cell.SampleSize})
			}
		}
		want := Summarise(values, s.Metric.Unit == UnitPercent)
		if !sameSummary(want, s.Summary) {
			form := "all"
			if s.OperatingForm != nil {
				form = string(*s.OperatingForm)
			}
			a.report.Recovered = append(a.report.Recovered, Recovery{
				What: fmt.Sprintf("the summary of %s over %s providers in %s %s", s.Metric.ID, form, cmpn.Municipality.Code, cmpn.Period),
				How:  fmt.Sprintf("it rests on %d figures where %d are published", s.ProviderCount, len(values))})
		}
	}
}

func sameSummary(a, b Summary) bool {
	same := func(x, y *float64) bool {
		return x == nil && y == nil || x != nil && y != nil && math.Abs(*x-*y) <= 1e-9*math.Max(1, math.Abs(*x))
	}
	return a.ProviderCount == b.ProviderCount && a.MeanWeighted == b.MeanWeighted && same(a.Mean, b.Mean) &&
		same(a.Median, b.Median) && same(a.Min, b.Min) && same(a.Max, b.Max)
}

// compareRecoveries orders a report's recoveries for reading.
func compareRecoveries(a, b Recovery) int {
	return cmp.Or(cmp.Compare(a.What, b.What), cmp.Compare(a.How, b.How))
}
