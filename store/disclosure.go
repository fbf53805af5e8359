package store

import (
	"cmp"
	"maps"
	"math"
	"math/big"
	"slices"
)

// Disclosure control. A figure based on fewer individuals than the threshold is withheld (primary
// suppression), and so are as many other figures as it takes that no combination of published figures
// gives it back (complementary, or secondary, suppression), as official statistics do it. The figures
// that add up are:
//
//   - a municipality's own figure and its providers' figures for the same metric and period;
//   - a year and its terms, its quarters or its months; a term and its quarters or months; a quarter
//     and its months (for the same provider, or the municipality, and metric);
//   - a figure's total and its values for women and men;
//   - a payment under a public price list and the counts it is paid for (a payment of 51 300 kr under
//     850 kr a week and 3 500 kr a pass reveals the number of passes), which are not a sum: a payment
//     is withheld whenever a count it is paid for is.
//
// For a share (per cent), the figure's sample size and its count (value × size) both add up, and both
// follow from the same relations; for a count or an amount of money, the value does.
//
// The complements are chosen by the standard heuristic: wherever a relation would let a reader
// subtract down to a group of fewer individuals than the threshold, the smallest published figure of
// that relation is withheld too, and then, until nothing changes, exact elimination over all the
// relations together finds any withheld figure that still follows and withholds more around it. Sums
// are pessimistic: a municipality's figure is taken to be the sum of its providers' even when it comes
// from elsewhere (Kolada) and does not quite agree.
//
// Decisions are made for a group: one municipality's figures (its own and its providers') for the
// metrics of one service area in one year. No relation crosses a group, so a write decides again only
// for the groups it touched. The country's figure against its municipalities is left to the official
// publishers of both (Statistics Sweden, Kolada), who protect those tables themselves.

// SuppressionReason says why a figure is withheld.
type SuppressionReason string

const (
	// TooFewIndividuals: the figure is based on fewer individuals than the threshold.
	TooFewIndividuals SuppressionReason = "TOO_FEW_INDIVIDUALS"
	// ProtectsOtherFigure: the figure is safe in itself, but withheld so that a withheld figure cannot be
	// worked out from it.
	ProtectsOtherFigure SuppressionReason = "PROTECTS_OTHER_FIGURE"
	// SizeUnknown: the number of individuals (or of women and men) is not known, so the figure cannot be
	// judged safe.
	SizeUnknown SuppressionReason = "SIZE_UNKNOWN"
)

// part is which of a figure's values a cell is.
type part int

const (
	totalPart part = iota
	womenPart
	menPart
)

// tableFigure is what disclosure control needs to know of a figure: where it sits among the others, and
// how many individuals each of its values rests on.
type tableFigure struct {
	metric   *Metric
	provider string // "" for the municipality's own figure
	period   Period
	genders  bool // it has values for women and men
	n        [3]*int
}

// cell is one value of one figure: its total, or its value for women or men.
type cell struct {
	figure int
	part   part
}

// relationKind names what a relation is, for the audit's report.
type relationKind string

const (
	byProviders relationKind = "the municipality's figure minus its providers'"
	byTime      relationKind = "a period minus its parts"
	byGender    relationKind = "the total minus women or men"
)

// relation is a figure that is the sum of others. It is complete when every part is stored; when some
// are not, it cannot give back a stored part exactly, but what it leaves over is still a group.
type relation struct {
	kind     relationKind
	parent   int
	children []int
	complete bool
}

func (r relation) members() []int { return append([]int{r.parent}, r.children...) }

// table is the cells of a group's figures for one metric and the relations between them.
type table struct {
	figures   []tableFigure
	cells     []cell
	cellOf    [][3]int // figure → its cells (−1 where it has none)
	relations []relation
	within    [][]int // cell → the relations it is in
}

// newTable lays out figures of one metric and finds how they add up.
func newTable(figures []tableFigure) *table {
	t := &table{figures: figures, cellOf: make([][3]int, len(figures))}
	for i, f := range figures {
		t.cellOf[i] = [3]int{-1, -1, -1}
		parts := []part{totalPart}
		if f.genders {
			parts = append(parts, womenPart, menPart)
		}
		for _, p := range parts {
			t.cellOf[i][p] = len(t.cells)
			t.cells = append(t.cells, cell{figure: i, part: p})
		}
		if f.genders {
			t.add(relation{kind: byGender, parent: t.cellOf[i][totalPart], children: []int{t.cellOf[i][womenPart], t.cellOf[i][menPart]}, complete: true})
		}
	}
	t.addProviderRelations()
	t.addTimeRelations()
	t.within = make([][]int, len(t.cells))
	for ri, r := range t.relations {
		for _, c := range r.members() {
			t.within[c] = append(t.within[c], ri)
		}
	}
	return t
}

func (t *table) add(r relation) {
	if len(r.children) > 0 {
		t.relations = append(t.relations, r)
	}
}

// addProviderRelations: for each period, the municipality's figure is the sum of its providers'.
func (t *table) addProviderRelations() {
	parents := map[string]int{}
	children := map[string][]int{}
	var periods []string // in the figures' order, so decisions do not depend on a map's
	for i, f := range t.figures {
		k := f.period.Text
		if f.provider == "" {
			parents[k] = i
			periods = append(periods, k)
		} else {
			children[k] = append(children[k], i)
		}
	}
	for _, k := range periods {
		parent := parents[k]
		for p := totalPart; p <= menPart; p++ {
			if t.cellOf[parent][p] < 0 {
				continue
			}
			r := relation{kind: byProviders, parent: t.cellOf[parent][p], complete: true}
			for _, child := range children[k] {
				if c := t.cellOf[child][p]; c >= 0 {
					r.children = append(r.children, c)
				} else {
					r.complete = false // a provider's figure without this part: what it hides is nobody's to subtract
				}
			}
			t.add(r)
		}
	}
}

// addTimeRelations: for each subject, a calendar period is the sum of the parts of each of its partitions.
func (t *table) addTimeRelations() {
	bySubject := map[string]map[string]int{} // provider → period → figure
	for i, f := range t.figures {
		if bySubject[f.provider] == nil {
			bySubject[f.provider] = map[string]int{}
		}
		bySubject[f.provider][f.period.Text] = i
	}
	for i, f := range t.figures {
		periods := bySubject[f.provider]
		for _, partition := range f.period.Partitions() {
			for p := totalPart; p <= menPart; p++ {
				if t.cellOf[i][p] < 0 {
					continue
				}
				r := relation{kind: byTime, parent: t.cellOf[i][p], complete: true}
				for _, text := range partition {
					child, ok := periods[text]
					if ok && t.cellOf[child][p] >= 0 {
						r.children = append(r.children, t.cellOf[child][p])
					} else {
						r.complete = false
					}
				}
				t.add(r)
			}
		}
	}
}

// size is how many individuals a cell rests on, when known.
func (t *table) size(c int) *int {
	cl := t.cells[c]
	return t.figures[cl.figure].n[cl.part]
}

// partner is the other gender's cell of a figure's value for women or men.
func (t *table) partner(c int) int {
	cl := t.cells[c]
	return t.cellOf[cl.figure][womenPart+menPart-cl.part]
}

// protection decides which cells of a table to withhold.
type protection struct {
	t         *table
	threshold int
	reason    []SuppressionReason // per cell; "" when shown
	sensitive []bool              // withheld for its own sake: it must never be worked out
}

func newProtection(t *table, threshold int) *protection {
	return &protection{t: t, threshold: threshold, reason: make([]SuppressionReason, len(t.cells)), sensitive: make([]bool, len(t.cells))}
}

// primary withholds what rests on too few individuals or on an unknown number of them.
func (p *protection) primary() {
	for i, f := range p.t.figures {
		cells := p.t.cellOf[i]
		total, genders := primaryReasons(f, p.threshold)
		if total != "" {
			p.hide(cells[totalPart], total, total == SizeUnknown)
		}
		if genders != "" {
			for _, part := range []part{womenPart, menPart} {
				p.hide(cells[part], genders, genders == SizeUnknown || f.n[part] == nil)
			}
		}
	}
}

// primaryReasons says why a figure's total, and its values for women and men, must be withheld for
// their own sake, if they must: too few individuals, or a number not known. A provider's share of an
// unknown number of people cannot be judged; a municipality's figure without a size (official
// statistics from Kolada) is shown as its publisher shows it. Both gender values go if either group is
// small, since the total and one would give the other.
func primaryReasons(f tableFigure, threshold int) (total, genders SuppressionReason) {
	small := func(n *int) bool { return n != nil && *n < threshold }
	switch {
	case small(f.n[totalPart]):
		total = TooFewIndividuals
	case f.n[totalPart] == nil && f.provider != "" && f.metric != nil && f.metric.Unit == UnitPercent:
		total = SizeUnknown
	}
	switch {
	case !f.genders:
	case f.n[totalPart] != nil && (f.n[womenPart] == nil || f.n[menPart] == nil):
		genders = SizeUnknown
	case small(f.n[womenPart]) || small(f.n[menPart]):
		genders = TooFewIndividuals
	}
	return total, genders
}

// hide withholds a cell, with what must go with it: a total takes its values for women and men along
// (they would give it back), and a value for women or men takes the other (the total would). A cell
// based on fewer individuals than the threshold must never be worked out, whatever it was withheld for,
// and so must one that is sensitive for another reason (its size unknown, money that reveals counts).
func (p *protection) hide(c int, why SuppressionReason, sensitive bool) {
	n := p.t.size(c)
	p.sensitive[c] = p.sensitive[c] || sensitive || n != nil && *n < p.threshold
	if p.reason[c] != "" {
		return
	}
	p.reason[c] = why
	cl := p.t.cells[c]
	cells := p.t.cellOf[cl.figure]
	if cl.part == totalPart {
		for _, g := range []int{cells[womenPart], cells[menPart]} {
			if g >= 0 {
				p.hide(g, why, false)
			}
		}
	} else {
		p.hide(p.t.partner(c), why, false)
	}
}

// complete adds complements until no withheld cell that must stay hidden can be worked out and no
// subtraction leaves a group smaller than the threshold.
func (p *protection) complete() {
	for {
		if p.fixRelations(nil) {
			continue
		}
		known := p.workedOut()
		if p.fixWorkedOut(known) || p.fixRelations(known) {
			continue
		}
		return
	}
}

// fixRelations checks each relation with the cells a reader knows (the published ones and those worked
// out), and withholds the smallest published member of the first that leaves too small a group.
func (p *protection) fixRelations(workedOut map[int]bool) bool {
	known := func(c int) bool { return p.reason[c] == "" || workedOut[c] }
	for _, r := range p.t.relations {
		if !known(r.parent) || !p.leavesSmallGroup(r, known) {
			continue
		}
		if c, ok := p.smallestShown(r.members()); ok {
			p.hide(c, ProtectsOtherFigure, false)
			return true
		}
		if p.hideNear(r.members()) {
			return true
		}
	}
	return false
}

// leavesSmallGroup reports whether subtracting a relation's known parts from its known total leaves a
// group of fewer individuals than the threshold: by the sizes of the parts withheld, or by the sizes a
// reader would subtract (the two differ when the figures do not quite add up, or parts are missing).
func (p *protection) leavesSmallGroup(r relation, known func(int) bool) bool {
	var hidden []int
	for _, c := range r.children {
		if !known(c) {
			hidden = append(hidden, c)
		}
	}
	if len(hidden) > 0 {
		mass := 0
		for _, c := range hidden {
			if n := p.t.size(c); n != nil {
				mass += *n
			}
		}
		if mass < p.threshold {
			return true
		}
	}
	// What a reader subtracts from the published figures: with every part published the rest should be
	// nobody, but when the figures do not add up (a provider's figure deleted, a municipality's figure
	// counting people elsewhere), what is left is a group too. (A part worked out is worked out from
	// these same sizes, so it leaves nothing new.)
	left := p.t.size(r.parent)
	if left == nil {
		return false
	}
	rest := *left
	for _, c := range r.children {
		if p.reason[c] == "" {
			n := p.t.size(c)
			if n == nil {
				return false
			}
			rest -= *n
		}
	}
	return rest > 0 && rest < p.threshold
}

// smallestShown picks, of cells, the published one based on the fewest individuals (those of unknown
// size last), the first in the table's order on a tie.
func (p *protection) smallestShown(cells []int) (int, bool) {
	best, found := -1, false
	cost := func(c int) int {
		if n := p.t.size(c); n != nil {
			return *n
		}
		return math.MaxInt
	}
	for _, c := range cells {
		if p.reason[c] != "" {
			continue
		}
		if !found || cmp.Or(cmp.Compare(cost(c), cost(best)), cmp.Compare(c, best)) < 0 {
			best, found = c, true
		}
	}
	return best, found
}

// workedOut finds the withheld cells that follow exactly from the published ones.
func (p *protection) workedOut() map[int]bool {
	out := map[int]bool{}
	for _, s := range solve(p.t.equations(p.withheld, 0, nil)) {
		out[s.unknown] = true
	}
	return out
}

func (p *protection) withheld(c int) bool { return p.reason[c] != "" }

// equations are the complete relations as equations in the withheld cells. With values (a known cell's
// quantities, or nil when they are not known), each has that many right-hand sides, and a relation with a
// known cell of unknown quantities is left out.
func (t *table) equations(withheld func(int) bool, quantities int, values func(c int) []*big.Rat) []equation {
	one, minusOne := big.NewRat(1, 1), big.NewRat(-1, 1)
	var eqs []equation
next:
	for _, r := range t.relations {
		if !r.complete {
			continue
		}
		e := equation{terms: map[int]*big.Rat{}, rhs: make([]*big.Rat, quantities)}
		for k := range e.rhs {
			e.rhs[k] = new(big.Rat)
		}
		for i, c := range r.members() {
			sign := one
			if i > 0 {
				sign = minusOne
			}
			if withheld(c) {
				e.terms[c] = sign
				continue
			}
			if quantities == 0 {
				continue
			}
			v := values(c)
			if v == nil {
				continue next
			}
			for k := range e.rhs { // the known cell moves to the right: rhs −= sign × value
				e.rhs[k].Sub(e.rhs[k], new(big.Rat).Mul(sign, v[k]))
			}
		}
		if len(e.terms) > 0 {
			eqs = append(eqs, e)
		}
	}
	return eqs
}

// fixWorkedOut takes the first cell that must stay hidden but can be worked out, and withholds the
// smallest published cell of the relations that work it out: those it is in, and those of the other
// worked-out cells they lead to, since the chain may run through them.
func (p *protection) fixWorkedOut(workedOut map[int]bool) bool {
	for _, c := range slices.Sorted(maps.Keys(workedOut)) {
		if !p.sensitive[c] {
			continue
		}
		var around []int
		seen, queue := map[int]bool{}, []int{c}
		for len(queue) > 0 {
			next := queue[0]
			queue = queue[1:]
			for _, ri := range p.t.within[next] {
				if r := p.t.relations[ri]; r.complete && !seen[ri] {
					seen[ri] = true
					for _, m := range r.members() {
						around = append(around, m)
						if workedOut[m] && m != next {
							queue = append(queue, m)
						}
					}
				}
			}
		}
		if next, ok := p.smallestShown(around); ok {
			p.hide(next, ProtectsOtherFigure, false)
			return true
		}
		return p.hideNear([]int{c})
	}
	return false
}

// hideNear withholds the smallest published cell of the complete relations the cells are in, or, if all
// of those are withheld already, of the relations around those, and so on outwards.
func (p *protection) hideNear(cells []int) bool {
	seen := map[int]bool{}
	for len(cells) > 0 {
		var around []int
		for _, c := range cells {
			for _, ri := range p.t.within[c] {
				if r := p.t.relations[ri]; r.complete && !seen[ri] {
					seen[ri] = true
					around = append(around, r.members()...)
				}
			}
		}
		if c, ok := p.smallestShown(around); ok {
			p.hide(c, ProtectsOtherFigure, false)
			return true
		}
		cells = around
	}
	return false
}
