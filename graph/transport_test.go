package graph

import (
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// A response is written as encoding/json writes it, with the data copied as gqlgen wrote it.
func TestResponsesAreWrittenAsEncodingJSONWritesThem(t *testing.T) {
	hasNext := true
	for name, resp := range map[string]*graphql.Response{
		"data":                 {Data: json.RawMessage(`{"a":[1,2.5,null],"b":"x"}`)},
		"no data":              {},
		"errors and null data": {Errors: gqlerror.List{{Message: "bad", Path: ast.Path{ast.PathName("a")}, Extensions: map[string]any{"code": "X", "data": 0}}}},
		"errors and data":      {Errors: gqlerror.List{{Message: "partly"}}, Data: json.RawMessage(`{"a":null}`)},
		"everything else":      {Data: json.RawMessage(`{}`), Label: "l", Path: ast.Path{ast.PathIndex(1)}, HasNext: &hasNext, Extensions: map[string]any{"cost": 3}},
	} {
		want, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshalResponse(resp)
		if err != nil || string(got) != string(want) {
			t.Errorf("%s: got %s (%v), want %s", name, got, err, want)
		}
	}
}
