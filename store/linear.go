package store

import (
	"math/big"
	"slices"
)

// A linear system over the withheld figures of a group: each relation that holds exactly (a total is the
// sum of its parts) gives one equation in the withheld figures, with the published ones moved to the
// right-hand side. A withheld figure follows from the published ones exactly when its unit vector lies in
// the span of the equations, which Gauss–Jordan elimination shows: it is then a pivot whose reduced row
// has no other unknown. The arithmetic is exact (big.Rat), so no rounding can hide or invent a recovery.

// equation is Σ terms[j]·x_j = rhs[k], for each of the system's right-hand sides k (none when only which
// unknowns follow matters, not their values).
type equation struct {
	terms map[int]*big.Rat
	rhs   []*big.Rat
}

// solved is an unknown that follows from the equations, with its value for each right-hand side.
type solved struct {
	unknown int
	values  []*big.Rat
}

// solve reduces the equations and returns the unknowns they determine, in increasing order.
func solve(eqs []equation) []solved {
	var pivots []equation // reduced rows, each with its pivot unknown at pivotOf
	var pivotOf []int
	for _, e := range eqs {
		row := equation{terms: make(map[int]*big.Rat, len(e.terms)), rhs: make([]*big.Rat, len(e.rhs))}
		for j, a := range e.terms {
			if a.Sign() != 0 {
				row.terms[j] = new(big.Rat).Set(a)
			}
		}
		for k, b := range e.rhs {
			row.rhs[k] = new(big.Rat).Set(b)
		}
		for i, p := range pivots { // take out every pivot found so far
			if a, ok := row.terms[pivotOf[i]]; ok {
				subtract(&row, p, new(big.Rat).Set(a))
			}
		}
		if len(row.terms) == 0 {
			continue // follows from the others (or, if its right-hand side is not zero, the data disagree)
		}
		pivot := slices.Min(keys(row.terms))
		scale := new(big.Rat).Inv(row.terms[pivot])
		for _, a := range row.terms {
			a.Mul(a, scale)
		}
		for _, b := range row.rhs {
			b.Mul(b, scale)
		}
		for i := range pivots { // and take the new pivot out of the earlier rows
			if a, ok := pivots[i].terms[pivot]; ok {
				subtract(&pivots[i], row, new(big.Rat).Set(a))
			}
		}
		pivots, pivotOf = append(pivots, row), append(pivotOf, pivot)
	}
	var out []solved
	for i, p := range pivots {
		if len(p.terms) == 1 {
			out = append(out, solved{unknown: pivotOf[i], values: p.rhs})
		}
	}
	slices.SortFunc(out, func(a, b solved) int { return a.unknown - b.unknown })
	return out
}

// subtract sets row to row − factor·p.
func subtract(row *equation, p equation, factor *big.Rat) {
	for j, a := range p.terms {
		term := new(big.Rat).Mul(a, factor)
		if have, ok := row.terms[j]; ok {
			if have.Sub(have, term); have.Sign() == 0 {
				delete(row.terms, j)
			}
		} else {
			row.terms[j] = term.Neg(term)
		}
	}
	for k, b := range p.rhs {
		row.rhs[k].Sub(row.rhs[k], new(big.Rat).Mul(b, factor))
	}
}

func keys[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
