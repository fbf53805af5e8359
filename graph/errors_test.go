package graph

import (
	"slices"
	"strings"
	"testing"
)

// TestUnknownAndMalformedInput: an unknown ID is null (or NOT_FOUND where the field cannot be null), a
// malformed ID, cursor or period is BAD_USER_INPUT with a message saying what is accepted, and no
// answer ever shows SQL, file paths or stack traces.
func TestUnknownAndMalformedInput(t *testing.T) {
	api := newTestAPI(t, seedData(t))
	tests := []struct {
		name      string
		query     string
		wantCode  string // "" means: no error, and the field is null
		wantInMsg string
	}{
		{"unknown provider is null", `{ node(id: "Provider:no-such-provider") { id } }`, "", ""},
		{"unknown observation is null", `{ node(id: "Observation:sfi-pass-rate/no-such-provider/2018") { id } }`, "", ""},
		{"malformed ID", `{ node(id: "no colon here") { id } }`, CodeBadUserInput, "invalid ID"},
		{"unknown ID type", `{ node(id: "Spaceship:x") { id } }`, CodeBadUserInput, "unknown type"},
		{"malformed observation ID", `{ node(id: "Observation:sfi-pass-rate") { id } }`, CodeBadUserInput, "observation IDs look like"},
		{"malformed cursor", `{ providers(after: "not a cursor!") { totalCount } }`, CodeBadUserInput, "invalid cursor"},
		{"cursor of another ordering", `{ providers(after: "YzEfTkFNRSBBU0MfeB95", orderBy: {field: ID, direction: ASC}) { totalCount } }`, CodeBadUserInput, "another ordering"},
		{"page too large", `{ providers(first: 101) { totalCount } }`, CodeBadUserInput, "0 to 100"},
		{"malformed period", `{ comparison(serviceArea: "ServiceArea:sfi", period: "autumn 2018") { period } }`, CodeBadUserInput, "2017-VT"},
		{"unknown service area", `{ comparison(serviceArea: "ServiceArea:space-travel", period: "2018") { period } }`, CodeNotFound, "not found"},
		{"metric of another area", `{ comparison(serviceArea: "ServiceArea:sfi", period: "2018", metrics: ["Metric:basic-pass-rate"]) { period } }`, CodeBadUserInput, "belongs to"},
		{"malformed DateTime", `{ observations(filter: {updatedSince: "yesterday"}) { totalCount } }`, CodeBadUserInput, "RFC 3339"},
		{"malformed query", `{ providers { `, "GRAPHQL_PARSE_FAILED", ""},
		{"unknown field", `{ spaceships { id } }`, "GRAPHQL_VALIDATION_FAILED", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := api.query(t, tt.query, nil)
			for _, leak := range []string{"SQL", "sqlite", ".go:", "goroutine", "/tmp/", "constraint"} {
				if strings.Contains(r.raw, leak) {
					t.Errorf("answer shows %q: %s", leak, r.raw)
				}
			}
			if tt.wantCode == "" {
				if len(r.Errors) > 0 || r.Data["node"] != nil {
					t.Errorf("answer = %s, want node: null and no errors", r.raw)
				}
				return
			}
			if !slices.Contains(r.codes(), tt.wantCode) {
				t.Fatalf("error codes = %v, want %s: %s", r.codes(), tt.wantCode, r.raw)
			}
			if !strings.Contains(r.Errors[0].Message, tt.wantInMsg) {
				t.Errorf("message = %q, want it to contain %q", r.Errors[0].Message, tt.wantInMsg)
			}
		})
	}
}

// TestInternalErrorsAreHidden closes the database under the API: the client sees only "internal
// error" with the code INTERNAL, and the log keeps the cause.
func TestInternalErrorsAreHidden(t *testing.T) {
	api := newTestAPI(t, seedData(t))
	api.db.Close()
	r := api.query(t, `{ serviceAreas { id } }`, nil)
	if len(r.Errors) == 0 || r.Errors[0].Message != "internal error" || r.codes()[0] != CodeInternal {
		t.Fatalf("answer = %s, want one error \"internal error\" with code INTERNAL", r.raw)
	}
	if strings.Contains(r.raw, "closed") {
		t.Errorf("answer shows the cause: %s", r.raw)
	}
	if !strings.Contains(api.log.String(), "closed") {
		t.Errorf("log does not keep the cause: %s", api.log.String())
	}
}
