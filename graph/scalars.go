package graph

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/jamforelse/api/store"
)

// Node is the Go side of the schema's Node interface: any object with a global ID. The generated code
// tells the objects apart by their store type.
type Node any

// The scalars below are written by value types rather than gqlgen's WriterFunc closures, into the spare
// room of the buffer the executor writes an answer into: one allocation a value instead of three (the
// closure, the formatted text, its quoted copy). A sync page of 1,000 holds 4,000 of them.

// spare is where to append a value before writing it to w: the spare room of the executor's buffer, or
// a new slice for any other writer.
func spare(w io.Writer) []byte {
	if b, ok := w.(*bytes.Buffer); ok {
		return b.AvailableBuffer()
	}
	return nil
}

type dateScalar store.Date

func (d dateScalar) MarshalGQL(w io.Writer) { w.Write(strconv.AppendQuote(spare(w), string(d))) }

// MarshalDate writes a store.Date as the Date scalar, "2018-07-01".
func MarshalDate(d store.Date) graphql.Marshaler { return dateScalar(d) }

// UnmarshalDate reads the Date scalar.
func UnmarshalDate(v any) (store.Date, error) {
	s, ok := v.(string)
	if !ok {
		return "", &store.InputError{Msg: fmt.Sprintf("a Date is a string such as \"2018-07-01\", not %T", v)}
	}
	return store.ParseDate(s)
}

// MarshalDateTime writes a time as the DateTime scalar, in UTC with as many fractional seconds as it
// has, so a script that passes it back as updatedSince loses nothing.
func MarshalDateTime(t time.Time) graphql.Marshaler { return dateTimeScalar(t) }

type dateTimeScalar time.Time

// MarshalGQL quotes the time as strconv.Quote would: RFC 3339 has nothing to escape.
func (t dateTimeScalar) MarshalGQL(w io.Writer) {
	b := append(spare(w), '"')
	b = time.Time(t).UTC().AppendFormat(b, time.RFC3339Nano)
	w.Write(append(b, '"'))
}

// UnmarshalDateTime reads the DateTime scalar: RFC 3339 with a time zone.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, &store.InputError{Msg: fmt.Sprintf("a DateTime is a string such as \"2017-09-19T08:00:00Z\", not %T", v)}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, &store.InputError{Msg: fmt.Sprintf("invalid DateTime %q: use RFC 3339, such as \"2017-09-19T08:00:00Z\"", s)}
	}
	return t, nil
}

// MarshalFloat writes a Float in plain decimal notation: 2000000, not gqlgen's default 2e+06, which is
// valid JSON but reads badly to a person and to some spreadsheet tools.
func MarshalFloat(f float64) graphql.Marshaler { return floatScalar(f) }

type floatScalar float64

func (f floatScalar) MarshalGQL(w io.Writer) { w.Write(appendFloat(spare(w), float64(f))) }

// appendFloat appends a Float as MarshalFloat writes it; JSON has no NaN or infinity, so they are null.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// UnmarshalFloat reads a Float as gqlgen does.
func UnmarshalFloat(v any) (float64, error) { return graphql.UnmarshalFloat(v) }
