package store

import (
	"regexp"
	"strings"
)

// Global IDs are "Type:key". The key of most types is a slug; a municipality's is its code; an
// observation's is "metric/subject/period", where the subject is a provider's slug or a municipality code.

// NodeTypes lists every type a global ID may name.
var NodeTypes = []string{
	"Municipality", "ServiceArea", "Provider", "AuthorisationScheme", "PriceList", "Authorisation",
	"Metric", "Observation", "Agency", "CoordinationAssociation", "Source", "Office",
}

// Keys are slugs, codes and periods ("2018-VT"): letters, digits and a few separators, never spaces or quotes.
var keyPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$`)

// ParseID splits a global ID into its type and key. An ID of no known type, or with a key of characters
// no key has, is an InputError; a well-formed ID may still name nothing.
func ParseID(id string) (typ, key string, err error) {
	typ, key, ok := strings.Cut(id, ":")
	if !ok || !keyPattern.MatchString(key) {
		return "", "", inputErrorf("invalid ID %q: IDs look like \"Provider:sundbyberg-vuxenutbildning\"", truncate(id))
	}
	for _, t := range NodeTypes {
		if t == typ {
			return typ, key, nil
		}
	}
	return "", "", inputErrorf("invalid ID %q: unknown type %q", truncate(id), truncate(typ))
}

// ParseIDOf checks that id is a well-formed global ID of type typ.
func ParseIDOf(typ, id string) error {
	got, _, err := ParseID(id)
	if err != nil {
		return err
	}
	if got != typ {
		return inputErrorf("invalid ID %q: expected a %s ID", truncate(id), typ)
	}
	return nil
}

// ObservationID builds an observation's global ID from the fields that make it unique.
func ObservationID(metricID string, providerID *string, municipalityCode, period string) string {
	subject := municipalityCode
	if providerID != nil {
		subject = slug(*providerID)
	}
	return "Observation:" + slug(metricID) + "/" + subject + "/" + period
}

// parseObservationKey reverses ObservationID's key into its parts.
func parseObservationKey(key string) (metricID string, providerID *string, municipalityCode, period string, ok bool) {
	parts := strings.Split(key, "/")
	if len(parts) != 3 || validPeriod(parts[2]) != nil {
		return "", nil, "", "", false
	}
	metricID, period = "Metric:"+parts[0], parts[2]
	if isMunicipalityCode(parts[1]) {
		return metricID, nil, parts[1], period, true
	}
	p := "Provider:" + parts[1]
	return metricID, &p, "", period, true
}

func slug(id string) string {
	_, key, _ := strings.Cut(id, ":")
	return key
}

func isMunicipalityCode(s string) bool {
	if len(s) != 4 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// truncate keeps user input quoted in error messages short.
func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// deref is what p points at, or the zero value for nil.
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
