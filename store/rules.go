package store

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The one door: the rules every figure and every text must pass before it is stored, whichever path
// brings it (the API's mutations, a spreadsheet, a Kolada file or sync, the seed, the national data
// set). FigureProblems and TextProblem are the only places they are written down; checkBatch, Validate,
// AddObservations and the committee's decisions all call them.

// Limits on text, in characters.
const (
	MaxNameLength        = 200   // a provider's name, a price item's label
	MaxNoteLength        = 2_000 // a figure's note
	MaxReasonLength      = 1_000 // why a write was made
	MaxDescriptionLength = 5_000 // a provider's description
)

// unitRule is what values a unit allows: a range, and whether only whole numbers.
type unitRule struct {
	min, max float64
	whole    bool
	words    string // the range in words, for messages
}

// unitRules bound every unit. The bounds are far beyond any real figure of a municipality or the
// country, and close enough to catch a misplaced decimal mark or a spreadsheet's overflow.
var unitRules = map[MetricUnit]unitRule{
	UnitPercent:          {0, 100, false, "a percentage between 0 and 100"},
	UnitPercentagePoints: {-100, 100, false, "between -100 and 100 percentage points"},
	UnitCount:            {0, 1e9, true, "a whole number between 0 and 1,000,000,000"},
	UnitSEK:              {-1e12, 1e12, false, "between -1,000,000,000,000 and 1,000,000,000,000 kronor"},
	UnitHours:            {0, 1e7, false, "between 0 and 10,000,000 hours"},
	UnitIndex:            {-1e6, 1e6, false, "between -1,000,000 and 1,000,000"},
}

// MaxSampleSize bounds a sample size: more individuals than live in Sweden is a mistake.
const MaxSampleSize = 20_000_000

// shareTolerance is how far, in percentage points, rounding to one decimal (as shares are published)
// lets a total lie outside its women's and men's shares, or parts of a whole add up beyond 100 %.
const shareTolerance = 0.1

// FigureProblems checks one figure on its own against its metric m (nil when unknown, then only the
// rules that need no metric apply): values finite and within the unit's range (whole numbers for
// counts), sample sizes whole and not negative, women and men consistent with the total, a sample size
// for every share about a provider, and a note that is valid text within MaxNoteLength. Problems have
// no row; the caller sets it.
func FigureProblems(o *Observation, m *Metric) []Problem {
	var ps problems
	values := []struct {
		field string
		x     *float64
	}{{"value", o.Value}, {"valueWomen", o.ValueWomen}, {"valueMen", o.ValueMen}}
	rule, known := unitRule{}, false
	if m != nil {
		rule, known = unitRules[m.Unit]
	}
	for _, v := range values {
		switch {
		case v.x == nil:
		case math.IsNaN(*v.x) || math.IsInf(*v.x, 0):
			ps.add(0, v.field, "%v is not a number a reader can use: give a finite value, or none", *v.x)
		case known && (*v.x < rule.min || *v.x > rule.max || rule.whole && *v.x != math.Trunc(*v.x)):
			ps.add(0, v.field, "%v is not %s", *v.x, rule.words)
		}
	}
	sizes := []struct {
		field string
		n     *int
	}{{"sampleSize", o.SampleSize}, {"sampleSizeWomen", o.SampleSizeWomen}, {"sampleSizeMen", o.SampleSizeMen}}
	for _, s := range sizes {
		if s.n != nil && (*s.n < 0 || *s.n > MaxSampleSize) {
			ps.add(0, s.field, "%d is not a number of individuals between 0 and %d", *s.n, MaxSampleSize)
		}
	}
	if n, w, men := o.SampleSize, o.SampleSizeWomen, o.SampleSizeMen; n != nil && w != nil && men != nil && *w+*men > *n {
		ps.add(0, "sampleSize", "%d women and %d men are more than the %d individuals of the whole", *w, *men, *n)
	} else if n != nil {
		for _, s := range sizes[1:] {
			if s.n != nil && *s.n > *n {
				ps.add(0, s.field, "%d is more than the %d individuals of the whole", *s.n, *n)
			}
		}
	}
	if m != nil && len(ps) == 0 {
		genderConsistency(&ps, o, m.Unit)
	}
	if m != nil && m.Unit == UnitPercent && o.ProviderID != nil && o.Value != nil && o.SampleSize == nil {
		ps.add(0, "sampleSize", "required for a share: give how many individuals the value rests on, so small groups can be withheld")
	}
	textField(&ps, 0, "note", o.Note, MaxNoteLength, true)
	return ps
}

// genderConsistency checks the values for women and men against the total: for a count, they add up to
// at most the total; for a share, the total lies between them (everyone is a woman or a man in the
// registers behind the figures), within rounding.
func genderConsistency(ps *problems, o *Observation, unit MetricUnit) {
	t, w, m := o.Value, o.ValueWomen, o.ValueMen
	if t == nil || w == nil || m == nil {
		return
	}
	switch unit {
	case UnitCount:
		if *w+*m > *t {
			ps.add(0, "value", "%v women and %v men are more than the total %v", *w, *m, *t)
		}
	case UnitPercent:
		if low, high := min(*w, *m), max(*w, *m); *t < low-shareTolerance || *t > high+shareTolerance {
			ps.add(0, "value", "the share for all, %v %%, does not lie between the shares for women (%v %%) and men (%v %%)", *t, *w, *m)
		}
	}
}

// TextProblem says what is wrong with a text a write would store, or "" when nothing is: it must be
// valid UTF-8 of at most max characters, hold no control characters (line breaks are allowed where
// multiline), and not begin the way a spreadsheet formula begins (=, +, -, @), so that a file exported
// from the data never runs as one in the reader's spreadsheet.
func TextProblem(s string, max int, multiline bool) string {
	if !utf8.ValidString(s) {
		return fmt.Sprintf("%s is not valid UTF-8 text", quoteStart(s))
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Sprintf("%d characters, more than the %d allowed", n, max)
	}
	for i, r := range s {
		if r == '\n' && multiline {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\uFFFE' || r == '\uFFFF' {
			return fmt.Sprintf("%s holds the control character %U at character %d", quoteStart(s), r, utf8.RuneCountInString(s[:i])+1)
		}
	}
	if strings.ContainsAny(s[:min(len(s), 1)], "=+-@") {
		return fmt.Sprintf("%s begins with %q, which a spreadsheet would run as a formula", quoteStart(s), s[:1])
	}
	return ""
}

// requireReason adds a problem when a write that must say why has no reason.
func requireReason(ps *problems, ch Change) {
	if ch.Reason == nil || strings.TrimSpace(*ch.Reason) == "" {
		ps.add(0, "reason", "required: say why")
	}
}

// textField adds a problem when a text field a write would store breaks TextProblem's rules.
func textField(ps *problems, row int, field string, s *string, max int, multiline bool) {
	if s != nil {
		if msg := TextProblem(*s, max, multiline); msg != "" {
			ps.add(row, field, "%s", msg)
		}
	}
}

// quoteStart quotes the start of a text for a message.
func quoteStart(s string) string { return fmt.Sprintf("%q", truncate(s)) }

// wholeProblems checks that the figures of metrics that are parts of one whole (Metric.Whole) add up to
// at most 100 % for each subject and period: for all, for women and for men. rows gives the row each
// figure of obs is reported under (0 for a stored figure); a problem is reported under the last row of
// its group.
func wholeProblems(obs []*Observation, rows []int, metric func(id string) *Metric) []Problem {
	type key struct{ whole, subject, period string }
	type group struct {
		parts []string
		sums  [3]float64
		row   int
	}
	groups := map[key]*group{}
	var order []key
	for i, o := range obs {
		m := metric(o.MetricID)
		if m == nil || m.Whole == nil {
			continue
		}
		k := key{*m.Whole, subjectOf(o), o.Period}
		g := groups[k]
		if g == nil {
			g = &group{}
			groups[k] = g
			order = append(order, k)
		}
		g.parts = append(g.parts, o.MetricID)
		for j, x := range []*float64{o.Value, o.ValueWomen, o.ValueMen} {
			if x != nil {
				g.sums[j] += *x
			}
		}
		g.row = max(g.row, rows[i])
	}
	var ps problems
	for _, k := range order {
		g := groups[k]
		slices.Sort(g.parts)
		for j, who := range []string{"all", "women", "men"} {
			if g.sums[j] > 100+shareTolerance {
				ps.add(g.row, "value", "%s are parts of one whole (%s) but their shares for %s add up to %.1f %% for %s in %s",
					strings.Join(g.parts, " and "), k.whole, who, g.sums[j], k.subject, k.period)
			}
		}
	}
	return ps
}
