package store

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fig is a figure for the tests below: "provider/period" (an empty provider for the municipality's own
// figure), with its size and, when given, its sizes for women and men.
func fig(metric *Metric, key string, sizes ...int) tableFigure {
	provider, period, _ := strings.Cut(key, "/")
	p, err := ParsePeriod(period)
	if err != nil {
		panic(err)
	}
	f := tableFigure{metric: metric, provider: provider, period: p}
	for i, n := range sizes {
		f.n[i] = &n
	}
	f.genders = len(sizes) == 3
	return f
}

var testShare = &Metric{ID: "Metric:pass", Unit: UnitPercent}

// decide runs primary and complementary suppression over figures and returns what is withheld, as
// "key" (the total) or "key women"/"key men", with the reason.
func decide(figures []tableFigure) (map[string]SuppressionReason, *protection) {
	t := newTable(figures)
	p := newProtection(t, 10)
	p.primary()
	p.complete()
	out := map[string]SuppressionReason{}
	for c, cl := range t.cells {
		if p.reason[c] == "" {
			continue
		}
		f := t.figures[cl.figure]
		key := f.provider + "/" + f.period.Text
		if cl.part == womenPart {
			key += " women"
		} else if cl.part == menPart {
			key += " men"
		}
		out[key] = p.reason[c]
	}
	return out, p
}

func TestComplementsAreTheSmallest(t *testing.T) {
	too, protects := TooFewIndividuals, ProtectsOtherFigure
	tests := []struct {
		name    string
		figures []tableFigure
		want    map[string]SuppressionReason
	}{{
		// Sundbyberg's basic adult education, 2019: 213 = 79 + 23 + 5 + 106. Without a complement, the
		// municipality's figure minus the other three gives the one of 5 back.
		name: "a municipality against its providers",
		figures: []tableFigure{fig(testShare, "/2019", 213), fig(testShare, "a/2019", 79), fig(testShare, "b/2019", 23),
			fig(testShare, "c/2019", 5), fig(testShare, "d/2019", 106)},
		want: map[string]SuppressionReason{"c/2019": too, "b/2019": protects},
	}, {
		name:    "a year against its terms",
		figures: []tableFigure{fig(testShare, "a/2018", 30), fig(testShare, "a/2018-VT", 24), fig(testShare, "a/2018-HT", 6)},
		want:    map[string]SuppressionReason{"a/2018-HT": too, "a/2018-VT": protects},
	}, {
		// The autumn term is not stored, but the year minus the spring still leaves its 6 individuals.
		name:    "a year against a term, the other one missing",
		figures: []tableFigure{fig(testShare, "a/2018", 30), fig(testShare, "a/2018-VT", 24)},
		want:    map[string]SuppressionReason{"a/2018-VT": protects},
	}, {
		name: "a year against its months, with no terms between",
		figures: append([]tableFigure{fig(testShare, "a/2018", 188)}, func() (out []tableFigure) {
			for m := 1; m <= 12; m++ {
				out = append(out, fig(testShare, fmt.Sprintf("a/2018-%02d", m), 10+m-map[bool]int{true: 10, false: 0}[m == 7]))
			}
			return out
		}()...),
		// Each month has 10 more than its number, but July has 7: January (11) is the smallest other month.
		want: map[string]SuppressionReason{"a/2018-07": too, "a/2018-01": protects},
	}, {
		// Two small providers are withheld, but together they are still fewer than 10: the group of both
		// would follow from the municipality's figure, so a third goes.
		name: "what a subtraction leaves over is a group too",
		figures: []tableFigure{fig(testShare, "/2019", 97), fig(testShare, "a/2019", 60), fig(testShare, "b/2019", 30),
			fig(testShare, "c/2019", 3), fig(testShare, "d/2019", 4)},
		want: map[string]SuppressionReason{"c/2019": too, "d/2019": too, "b/2019": protects},
	}, {
		name:    "women and men: both go when one group is small",
		figures: []tableFigure{fig(testShare, "a/2019", 40, 35, 5)},
		want:    map[string]SuppressionReason{"a/2019 women": too, "a/2019 men": too},
	}, {
		// The municipality's values for women and men, minus the providers' that are shown, would give
		// provider b's 4 women and 8 men back.
		name: "women and men against the municipality",
		figures: []tableFigure{fig(testShare, "/2019", 112, 50, 62), fig(testShare, "a/2019", 70, 30, 40), fig(testShare, "b/2019", 12, 4, 8),
			fig(testShare, "c/2019", 30, 16, 14)},
		want: map[string]SuppressionReason{"b/2019 women": too, "b/2019 men": too, "c/2019 women": protects, "c/2019 men": protects},
	}, {
		name:    "a withheld total takes its values for women and men along",
		figures: []tableFigure{fig(testShare, "/2019", 30, 15, 15), fig(testShare, "a/2019", 24, 12, 12), fig(testShare, "b/2019", 6, 3, 3)},
		want: map[string]SuppressionReason{"b/2019": too, "b/2019 women": too, "b/2019 men": too, "a/2019": protects, "a/2019 women": protects,
			"a/2019 men": protects},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, p := decide(tt.figures)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("withheld (-want +got):\n%s", diff)
			}
			checkProtected(t, p)
		})
	}
}

// checkProtected fails if a withheld cell based on too few individuals follows from the shown ones by
// elimination, or if a relation leaves a group of fewer than 10 over.
func checkProtected(t *testing.T, p *protection) {
	t.Helper()
	workedOut := p.workedOut()
	for c := range workedOut {
		if p.sensitive[c] {
			t.Errorf("cell %d (%+v) can be worked out", c, p.t.cells[c])
		}
	}
	known := func(c int) bool { return p.reason[c] == "" || workedOut[c] }
	for _, r := range p.t.relations {
		if known(r.parent) && p.leavesSmallGroup(r, known) {
			t.Errorf("%s %v leaves a small group over", r.kind, r.members())
		}
	}
}

// TestChainsOfSubtractions: a provider's autumn term is small. Each relation on its own can be made to
// hide two cells, but the spring term, withheld to protect the autumn, then follows from the
// municipality's spring, and the autumn from the year minus the spring: only elimination over every
// relation at once sees the chain, and more must go.
func TestChainsOfSubtractions(t *testing.T) {
	var figures []tableFigure
	sizes := map[string][3]int{"": {60, 20, 40}, "a": {23, 20, 3}, "b": {40, 15, 25}, "c": {85, 40, 45}}
	for _, who := range []string{"", "a", "b", "c"} {
		s := sizes[who]
		if who == "" {
			s = [3]int{sizes["a"][0] + sizes["b"][0] + sizes["c"][0], sizes["a"][1] + sizes["b"][1] + sizes["c"][1], sizes["a"][2] + sizes["b"][2] + sizes["c"][2]}
		}
		figures = append(figures, fig(testShare, who+"/2018", s[0]), fig(testShare, who+"/2018-VT", s[1]), fig(testShare, who+"/2018-HT", s[2]))
	}
	t.Run("relation by relation only", func(t *testing.T) {
		tbl := newTable(figures)
		p := newProtection(tbl, 10)
		p.primary()
		for p.fixRelations(nil) {
		}
		var sensitiveWorkedOut bool
		for c := range p.workedOut() {
			sensitiveWorkedOut = sensitiveWorkedOut || p.sensitive[c]
		}
		if !sensitiveWorkedOut {
			t.Fatal("the chain was already protected relation by relation; the test needs a table where it is not")
		}
	})
	t.Run("with elimination", func(t *testing.T) {
		got, p := decide(figures)
		checkProtected(t, p)
		// The smallest figure on the chain is b's spring (15): a's two terms and b's make a square of
		// four withheld cells, none of which follows.
		want := map[string]SuppressionReason{"a/2018-HT": TooFewIndividuals, "a/2018-VT": ProtectsOtherFigure,
			"b/2018-HT": ProtectsOtherFigure, "b/2018-VT": ProtectsOtherFigure}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("withheld (-want +got):\n%s", diff)
		}
	})
}

func TestSolve(t *testing.T) {
	r := func(n int64) *big.Rat { return big.NewRat(n, 1) }
	eq := func(terms map[int]int64, rhs int64) equation {
		e := equation{terms: map[int]*big.Rat{}, rhs: []*big.Rat{r(rhs)}}
		for j, a := range terms {
			e.terms[j] = r(a)
		}
		return e
	}
	// x0 + x1 = 5 and x1 + x2 = 7 leave all three open; with x0 − x2 = −2 too they still do (it follows
	// from the two); x2 = 4 then settles everything.
	eqs := []equation{eq(map[int]int64{0: 1, 1: 1}, 5), eq(map[int]int64{1: 1, 2: 1}, 7), eq(map[int]int64{0: 1, 2: -1}, -2)}
	if got := solve(eqs); len(got) != 0 {
		t.Errorf("solve(three dependent equations) = %v, want nothing determined", got)
	}
	got := solve(append(eqs, eq(map[int]int64{2: 1}, 4)))
	var values []string
	for _, s := range got {
		values = append(values, fmt.Sprintf("x%d=%s", s.unknown, s.values[0].RatString()))
	}
	if want := []string{"x0=2", "x1=3", "x2=4"}; !slices.Equal(values, want) {
		t.Errorf("solve = %v, want %v", values, want)
	}
	// An odd cycle, which no single subtraction opens: x0 + x1 = 3, x1 + x2 = 5, x0 + x2 = 4.
	got = solve([]equation{eq(map[int]int64{0: 1, 1: 1}, 3), eq(map[int]int64{1: 1, 2: 1}, 5), eq(map[int]int64{0: 1, 2: 1}, 4)})
	if len(got) != 3 || got[0].values[0].RatString() != "1" {
		t.Errorf("solve(odd cycle) = %v, want x0 = 1, x1 = 2, x2 = 3", got)
	}
}

func TestPeriodPartitions(t *testing.T) {
	for period, want := range map[string]int{"2018": 3, "2018-VT": 2, "2018-HT": 2, "2018-Q3": 1, "2018-07": 0, "2016-07-01--2017-09-30": 0} {
		p, err := ParsePeriod(period)
		if err != nil {
			t.Fatal(err)
		}
		parts := p.Partitions()
		if len(parts) != want {
			t.Errorf("%s has %d partitions, want %d", period, len(parts), want)
		}
		for _, partition := range parts { // the parts of each partition cover the period exactly, in order
			day := p.Start
			for _, text := range partition {
				q, err := ParsePeriod(text)
				if err != nil || q.Start != day {
					t.Errorf("%s: part %s starts %s, want %s", period, text, q.Start, day)
				}
				day = nextDay(q.End)
			}
			if day != nextDay(p.End) {
				t.Errorf("%s: parts %v end before %s", period, partition, p.End)
			}
		}
	}
}
