package graph

import (
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

// MarshalDate writes a store.Date as the Date scalar, "2018-07-01".
func MarshalDate(d store.Date) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) { io.WriteString(w, strconv.Quote(string(d))) })
}

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
func MarshalDateTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		io.WriteString(w, strconv.Quote(t.UTC().Format(time.RFC3339Nano)))
	})
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
func MarshalFloat(f float64) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) { w.Write(appendFloat(nil, f)) })
}

// appendFloat appends a Float as MarshalFloat writes it; JSON has no NaN or infinity, so they are null.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// UnmarshalFloat reads a Float as gqlgen does.
func UnmarshalFloat(v any) (float64, error) { return graphql.UnmarshalFloat(v) }
