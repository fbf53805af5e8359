package dcat_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/piprate/json-gold/ld"

	"github.com/jamforelse/api/clients"
	"github.com/jamforelse/api/dcat"
	"github.com/jamforelse/api/seed/seedtest"
)

const base = "https://data.example.se"

// seedCatalogue is the description of the seed data set served at base.
func seedCatalogue(t *testing.T) *dcat.Graph {
	t.Helper()
	db := seedtest.DB(t)
	c, err := db.Catalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	cov, err := db.Coverage(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return dcat.Catalogue(base, c.Info, cov, c)
}

// statement is a triple as any parser gives it: literals with their datatype spelled out, as RDF 1.1
// has it (xsd:string for a plain literal, rdf:langString for one with a language).
type statement struct {
	S, P, Kind, Value, Lang, Datatype string
}

func statementsOf(g *dcat.Graph) []statement {
	var out []statement
	for _, s := range g.Statements {
		o := s.Object
		st := statement{S: s.Subject, P: s.Predicate, Kind: "NamedNode", Value: o.IRI}
		if o.IRI == "" {
			st = statement{S: s.Subject, P: s.Predicate, Kind: "Literal", Value: o.Value, Lang: o.Lang, Datatype: o.Datatype}
			switch {
			case o.Lang != "":
				st.Datatype = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
			case o.Datatype == "":
				st.Datatype = "http://www.w3.org/2001/XMLSchema#string"
			}
		}
		out = append(out, st)
	}
	return sorted(out)
}

func sorted(s []statement) []statement {
	slices.SortFunc(s, func(a, b statement) int {
		return strings.Compare(strings.Join([]string{a.S, a.P, a.Value, a.Lang}, "\x00"), strings.Join([]string{b.S, b.P, b.Value, b.Lang}, "\x00"))
	})
	return slices.Compact(s)
}

func write(t *testing.T, g *dcat.Graph, syntax string) []byte {
	t.Helper()
	var b bytes.Buffer
	var err error
	switch syntax {
	case "rdfxml":
		err = g.RDFXML(&b)
	case "turtle":
		err = g.Turtle(&b)
	case "jsonld":
		err = g.JSONLD(&b)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestJSONLDMeansTheGraph reads the JSON-LD back with json-gold, a JSON-LD processor of its own, and
// finds exactly the statements of the graph.
func TestJSONLDMeansTheGraph(t *testing.T) {
	g := seedCatalogue(t)
	var doc any
	if err := json.Unmarshal(write(t, g, "jsonld"), &doc); err != nil {
		t.Fatal(err)
	}
	out, err := ld.NewJsonLdProcessor().ToRDF(doc, ld.NewJsonLdOptions(base))
	if err != nil {
		t.Fatal(err)
	}
	var got []statement
	for _, q := range out.(*ld.RDFDataset).GetQuads("@default") {
		st := statement{S: q.Subject.GetValue(), P: q.Predicate.GetValue(), Kind: "NamedNode", Value: q.Object.GetValue()}
		if ld.IsBlankNode(q.Subject) || ld.IsBlankNode(q.Object) {
			t.Errorf("a blank node in %v", q)
		}
		if lit, ok := q.Object.(ld.Literal); ok {
			st.Kind, st.Lang, st.Datatype = "Literal", lit.Language, lit.Datatype
		}
		got = append(got, st)
	}
	if diff := cmp.Diff(statementsOf(g), sorted(got)); diff != "" {
		t.Errorf("the JSON-LD as json-gold reads it (-meant +read):\n%s", diff)
	}
}

// TestParsersReadTheSameGraph reads the RDF/XML, the Turtle and the JSON-LD with parsers of their own
// (rdfxml-streaming-parser, N3.js, jsonld.js: clients/rdf.mjs), and each finds exactly the statements
// of the graph, with no blank node.
func TestParsersReadTheSameGraph(t *testing.T) {
	clients.Dir(t)
	g := seedCatalogue(t)
	want := statementsOf(g)
	for _, syntax := range []string{"rdfxml", "turtle", "jsonld"} {
		file := filepath.Join(t.TempDir(), "catalogue."+syntax)
		if err := os.WriteFile(file, write(t, g, syntax), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := clients.Run(t, "node", "rdf.mjs", syntax, file, base+"/")
		if err != nil {
			t.Errorf("%s: %v", syntax, err)
			continue
		}
		var got []statement
		sc := bufio.NewScanner(bytes.NewReader(out))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var st statement
			if err := json.Unmarshal(sc.Bytes(), &st); err != nil {
				t.Fatal(err)
			}
			got = append(got, st)
		}
		if diff := cmp.Diff(want, sorted(got)); diff != "" {
			t.Errorf("%s as its parser reads it (-meant +read):\n%s", syntax, diff)
		}
	}
}

// TestCatalogueMeetsDCATAP validates the RDF/XML against the DCAT-AP 3.0.1 SHACL shapes (testdata/
// dcat-ap) with rdf-validate-shacl, in both of the release's sets: the full shapes with their ranges,
// and the core shapes with the recommended ones (warnings) and theirs; each with the controlled
// vocabularies' constraints and the deprecated terms. It holds no violation; the warnings are logged.
func TestCatalogueMeetsDCATAP(t *testing.T) {
	clients.Dir(t)
	file := filepath.Join(t.TempDir(), "catalogue.rdf")
	if err := os.WriteFile(file, write(t, seedCatalogue(t), "rdfxml"), 0o644); err != nil {
		t.Fatal(err)
	}
	shapes, _ := filepath.Abs("testdata/dcat-ap")
	for _, set := range [][]string{
		{"dcat-ap-SHACL.ttl", "ranges.ttl", "mdr-vocabularies.shape.ttl", "deprecateduris.ttl"},
		{"shapes.ttl", "shapes_recommended.ttl", "range.ttl", "mdr-vocabularies.shape.ttl", "deprecateduris.ttl"},
	} {
		args := []string{"shacl.mjs", file, base + "/"}
		for _, f := range set {
			args = append(args, filepath.Join(shapes, f))
		}
		out, err := clients.Run(t, "node", args...)
		var report struct {
			Statements int
			Counts     map[string]int
			Violations []map[string]any
			Warnings   []map[string]any
		}
		if jerr := json.Unmarshal(out, &report); jerr != nil {
			t.Fatalf("the validator: %v, %v: %s", err, jerr, out)
		}
		t.Logf("DCAT-AP 3.0.1 SHACL, %s: %d statements, %d violations, %d warnings, %d infos", strings.Join(set, " "),
			report.Statements, report.Counts["Violation"], report.Counts["Warning"], report.Counts["Info"])
		for _, w := range report.Warnings {
			t.Logf("warning: %v %v: %v", w["focus"], w["path"], w["message"])
		}
		for _, v := range report.Violations {
			t.Errorf("violation: %v %v = %v: %v (%v)", v["focus"], v["path"], v["value"], v["message"], v["shape"])
		}
		if err != nil && len(report.Violations) == 0 {
			t.Errorf("the validator failed: %v", err)
		}
	}
}

// TestHarvestingRules checks the rules of Sveriges dataportal's harvesting (testdata/dcat-ap-se/
// harvesting.md), reading from that document what it quotes: the licence IRI and the identifier form.
func TestHarvestingRules(t *testing.T) {
	rules, err := os.ReadFile("testdata/dcat-ap-se/harvesting.md")
	if err != nil {
		t.Fatal(err)
	}
	section := func(heading string) string {
		_, rest, ok := strings.Cut(string(rules), heading+"\n")
		if !ok {
			t.Fatalf("harvesting.md has no section %q: the rules changed; read them again", heading)
		}
		if next := strings.Index(rest, "\n#"); next >= 0 {
			rest = rest[:next]
		}
		return rest
	}
	g := seedCatalogue(t)
	rdfxml := string(write(t, g, "rdfxml"))
	types := map[string][]string{}
	objects := func(s, p string) []string {
		var out []string
		for _, st := range g.Statements {
			if st.Subject == s && st.Predicate == p {
				out = append(out, st.Object.IRI+st.Object.Value)
			}
		}
		return out
	}
	for _, st := range g.Statements {
		if st.Predicate == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" {
			types[st.Object.IRI] = append(types[st.Object.IRI], st.Subject)
		}
	}
	const dcatNS, dct, foaf = "http://www.w3.org/ns/dcat#", "http://purl.org/dc/terms/", "http://xmlns.com/foaf/0.1/"

	// "### Format": RDF/XML, every IRI absolute and as RFC 3987 allows it (no spaces and the like).
	if !strings.Contains(section("### Format"), "RDF/XML") || !strings.HasPrefix(rdfxml, `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Error("the catalogue is not RDF/XML, or the rules no longer ask for it")
	}
	absolute := regexp.MustCompile(`^(https?://[^\s<>"{}|\\^` + "`" + `]+|mailto:[^\s]+)$`)
	for _, st := range g.Statements {
		for _, u := range []string{st.Subject, st.Predicate, st.Object.IRI} {
			if u != "" && !absolute.MatchString(u) {
				t.Errorf("%q is not an absolute IRI as RFC 3987 allows", u)
			}
		}
	}
	// "### Undvik blanka noder": none for the catalogue, datasets, distributions, publishers, contacts.
	if !strings.Contains(section("### Undvik blanka noder"), "blanka noder inte tillåtet") || strings.Contains(rdfxml, "rdf:nodeID") {
		t.Error("the catalogue has blank nodes")
	}
	for _, class := range []string{dcatNS + "Catalog", dcatNS + "Dataset", dcatNS + "Distribution", dcatNS + "DataService", foaf + "Agent", "http://www.w3.org/2006/vcard/ns#Kind"} {
		if len(types[class]) == 0 {
			t.Errorf("no %s", class)
		}
		for _, s := range types[class] {
			if !strings.HasPrefix(s, base+"/") {
				t.Errorf("the %s %s is not named under the service's own address", class, s)
			}
		}
	}
	// "### Undvik duplicerade identifierare": CC BY exactly as the rules quote it.
	licence := regexp.MustCompile(`"(http://creativecommons\.org/licenses/by/4\.0/)"`).FindStringSubmatch(section("### Undvik duplicerade identifierare"))
	if licence == nil {
		t.Fatal("harvesting.md no longer quotes the CC BY licence IRI")
	}
	for _, st := range g.Statements {
		if st.Predicate == dct+"license" && st.Object.IRI != licence[1] {
			t.Errorf("%s has the licence %s, want %s", st.Subject, st.Object.IRI, licence[1])
		}
	}
	// "### Beskriv en utgivande organisation enbart en gång" and "### Undvik separat utgivande organisation
	// på katalognivån": one publisher, with one name, the catalogue's the same as the dataset's.
	section("### Beskriv en utgivande organisation enbart en gång")
	section("### Undvik separat utgivande organisation på katalognivån")
	publishers := types[foaf+"Agent"]
	if len(publishers) != 1 || len(objects(publishers[0], foaf+"name")) != 1 {
		t.Fatalf("publishers %v, want one with one name", publishers)
	}
	for _, s := range append(types[dcatNS+"Catalog"], append(types[dcatNS+"Dataset"], types[dcatNS+"DataService"]...)...) {
		if p := objects(s, dct+"publisher"); !slices.Equal(p, publishers) {
			t.Errorf("%s's publisher is %v, want %v", s, p, publishers)
		}
	}
	// "### Håll isär kontakter och utgivande organisationer": never the same identifier.
	section("### Håll isär kontakter och utgivande organisationer")
	for _, contact := range types["http://www.w3.org/2006/vcard/ns#Kind"] {
		if slices.Contains(publishers, contact) {
			t.Errorf("%s is both a contact and a publisher", contact)
		}
	}
	// "## Hantering av duplikat": a dataset's dcterms:identifier, if it has one, is a UUID.
	uuid := regexp.MustCompile("/\\^(\\[0-9a-fA-F\\][^/]*)\\$/").FindStringSubmatch(section("## Hantering av duplikat"))
	if uuid == nil {
		t.Fatal("harvesting.md no longer gives the UUID expression")
	}
	isUUID := regexp.MustCompile(`^` + strings.ReplaceAll(uuid[1], `\-`, `-`) + `$`)
	for _, s := range append(types[dcatNS+"Dataset"], types[dcatNS+"DataService"]...) {
		for _, id := range objects(s, dct+"identifier") {
			if !isUUID.MatchString(id) {
				t.Errorf("%s has the identifier %q, which is no UUID", s, id)
			}
		}
	}
	// "## Multipla kataloger per organisation": one catalogue, with no parts.
	section("## Multipla kataloger per organisation")
	if catalogs := types[dcatNS+"Catalog"]; len(catalogs) != 1 || len(objects(catalogs[0], dct+"hasPart")) != 0 {
		t.Errorf("catalogues %v, want one without parts", catalogs)
	}
}
