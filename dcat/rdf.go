package dcat

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Term is the object of a statement: an IRI, or a literal with a language or a datatype. Subjects and
// predicates are IRIs; the catalogue has no blank nodes, which the portal refuses for its main things.
type Term struct {
	IRI      string // an IRI; "" for a literal
	Value    string // a literal's text
	Lang     string // a literal's language ("sv"), or ""
	Datatype string // a literal's datatype IRI; "" for a plain string (or one with a language)
}

func iri(s string) Term                 { return Term{IRI: s} }
func text(s, lang string) Term          { return Term{Value: s, Lang: lang} }
func plain(s string) Term               { return Term{Value: s} }
func typed(value, datatype string) Term { return Term{Value: value, Datatype: datatype} }
func (t Term) isIRI() bool              { return t.IRI != "" }
func (t Term) String() string           { return t.ntriples() }
func (s Statement) String() string {
	return "<" + s.Subject + "> <" + s.Predicate + "> " + s.Object.ntriples() + " ."
}
func (g *Graph) add(s, p string, o Term) { g.Statements = append(g.Statements, Statement{s, p, o}) }

// Statement is one triple.
type Statement struct {
	Subject, Predicate string
	Object             Term
}

// Graph is a set of statements, kept in the order they were made: each serialisation writes the
// subjects in the order they first appear, and their statements in order.
type Graph struct {
	Statements []Statement
}

// namespaces are the vocabularies the catalogue uses, with the prefixes Turtle, RDF/XML and JSON-LD
// write them with.
var namespaces = []struct{ prefix, iri string }{
	{"rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"},
	{"rdfs", "http://www.w3.org/2000/01/rdf-schema#"},
	{"xsd", "http://www.w3.org/2001/XMLSchema#"},
	{"dcat", "http://www.w3.org/ns/dcat#"},
	{"dct", "http://purl.org/dc/terms/"},
	{"foaf", "http://xmlns.com/foaf/0.1/"},
	{"vcard", "http://www.w3.org/2006/vcard/ns#"},
	{"skos", "http://www.w3.org/2004/02/skos/core#"},
	{"dcatap", "http://data.europa.eu/r5r/"},
}

const (
	rdfType    = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
	xsdDate    = "http://www.w3.org/2001/XMLSchema#date"
	xsdDTime   = "http://www.w3.org/2001/XMLSchema#dateTime"
	xsdString  = "http://www.w3.org/2001/XMLSchema#string"
	langString = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
)

// split cuts an IRI into a known namespace's prefix and a local name that Turtle and XML can both
// write; ok is false when it has none.
func split(s string) (prefix, local string, ok bool) {
	for _, ns := range namespaces {
		if rest, found := strings.CutPrefix(s, ns.iri); found && isName(rest) {
			return ns.prefix, rest, true
		}
	}
	return "", "", false
}

// isName reports whether s is a local name both Turtle's PN_LOCAL and XML's NCName accept: a letter or
// underscore, then letters, digits, underscores and hyphens (dots are left out: Turtle forbids one at
// the end).
func isName(s string) bool {
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_':
		case i > 0 && (r >= '0' && r <= '9' || r == '-'):
		default:
			return false
		}
	}
	return s != ""
}

// subjects returns each subject's statements, the subjects in the order they first appear.
func (g *Graph) subjects() ([]string, map[string][]Statement) {
	var order []string
	by := map[string][]Statement{}
	for _, s := range g.Statements {
		if _, seen := by[s.Subject]; !seen {
			order = append(order, s.Subject)
		}
		by[s.Subject] = append(by[s.Subject], s)
	}
	return order, by
}

// NTriples writes the graph as N-Triples, one statement a line.
func (g *Graph) NTriples(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, s := range g.Statements {
		bw.WriteString(s.String())
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

func (t Term) ntriples() string {
	if t.isIRI() {
		return "<" + t.IRI + ">"
	}
	lit := quote(t.Value)
	switch {
	case t.Lang != "":
		return lit + "@" + t.Lang
	case t.Datatype != "":
		return lit + "^^<" + t.Datatype + ">"
	}
	return lit
}

// quote writes a string as N-Triples and Turtle do, escaping what they require.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Turtle writes the graph as Turtle: the prefixes, then each subject with its statements.
func (g *Graph) Turtle(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, ns := range namespaces {
		fmt.Fprintf(bw, "@prefix %s: <%s> .\n", ns.prefix, ns.iri)
	}
	order, by := g.subjects()
	for _, subject := range order {
		fmt.Fprintf(bw, "\n<%s>", subject)
		statements := by[subject]
		for i, s := range statements {
			switch {
			case i == 0:
				bw.WriteString("\n    " + turtleName(s.Predicate) + " ")
			case s.Predicate == statements[i-1].Predicate:
				bw.WriteString(" ,\n        ")
			default:
				bw.WriteString(" ;\n    " + turtleName(s.Predicate) + " ")
			}
			bw.WriteString(turtleTerm(s.Object))
		}
		bw.WriteString(" .\n")
	}
	return bw.Flush()
}

func turtleName(p string) string {
	if p == rdfType {
		return "a"
	}
	return turtleIRI(p)
}

func turtleIRI(s string) string {
	if prefix, local, ok := split(s); ok {
		return prefix + ":" + local
	}
	return "<" + s + ">"
}

func turtleTerm(t Term) string {
	if t.isIRI() {
		return turtleIRI(t.IRI)
	}
	if t.Datatype != "" {
		return quote(t.Value) + "^^" + turtleIRI(t.Datatype)
	}
	return t.ntriples()
}

// RDFXML writes the graph as RDF/XML, the syntax Sveriges dataportal harvests: each subject a node
// element named by its first type, with one property element for each other statement.
func (g *Graph) RDFXML(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<rdf:RDF")
	for _, ns := range namespaces {
		fmt.Fprintf(bw, "\n    xmlns:%s=\"%s\"", ns.prefix, xmlEscape(ns.iri))
	}
	bw.WriteString(">\n")
	order, by := g.subjects()
	for _, subject := range order {
		statements := by[subject]
		element := "rdf:Description"
		if i := slices.IndexFunc(statements, func(s Statement) bool { return s.Predicate == rdfType }); i >= 0 {
			if prefix, local, ok := split(statements[i].Object.IRI); ok {
				element = prefix + ":" + local
				statements = slices.Delete(slices.Clone(statements), i, i+1)
			}
		}
		fmt.Fprintf(bw, "  <%s rdf:about=\"%s\">\n", element, xmlEscape(subject))
		for _, s := range statements {
			prefix, local, ok := split(s.Predicate)
			if !ok {
				return fmt.Errorf("rdf/xml: the predicate %s is in no namespace the catalogue declares", s.Predicate)
			}
			name := prefix + ":" + local
			switch o := s.Object; {
			case o.isIRI():
				fmt.Fprintf(bw, "    <%s rdf:resource=\"%s\"/>\n", name, xmlEscape(o.IRI))
			case o.Lang != "":
				fmt.Fprintf(bw, "    <%s xml:lang=\"%s\">%s</%s>\n", name, xmlEscape(o.Lang), xmlEscape(o.Value), name)
			case o.Datatype != "":
				fmt.Fprintf(bw, "    <%s rdf:datatype=\"%s\">%s</%s>\n", name, xmlEscape(o.Datatype), xmlEscape(o.Value), name)
			default:
				fmt.Fprintf(bw, "    <%s>%s</%s>\n", name, xmlEscape(o.Value), name)
			}
		}
		fmt.Fprintf(bw, "  </%s>\n", element)
	}
	bw.WriteString("</rdf:RDF>\n")
	return bw.Flush()
}

// xmlEscape escapes text for XML content and attribute values alike; a carriage return is written as a
// character reference, which XML parsers keep (a literal one would be read as a line feed).
func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "\r", "&#13;", "\t", "&#9;").Replace(s)
}

// JSONLD writes the graph as JSON-LD: a context of the prefixes, and a @graph of one node object per
// subject, every value an explicit @id or @value object, so that no term definition can change what
// it means.
func (g *Graph) JSONLD(w io.Writer) error {
	context := map[string]string{}
	for _, ns := range namespaces {
		context[ns.prefix] = ns.iri
	}
	order, by := g.subjects()
	nodes := make([]orderedNode, 0, len(order))
	for _, subject := range order {
		node := orderedNode{{"@id", subject}}
		var types []string
		for _, s := range by[subject] {
			if s.Predicate == rdfType && s.Object.isIRI() {
				types = append(types, compact(s.Object.IRI))
			}
		}
		if len(types) > 0 {
			node = append(node, field{"@type", types})
		}
		values := map[string][]any{}
		var predicates []string
		for _, s := range by[subject] {
			if s.Predicate == rdfType && s.Object.isIRI() {
				continue
			}
			key := compact(s.Predicate)
			if _, seen := values[key]; !seen {
				predicates = append(predicates, key)
			}
			values[key] = append(values[key], jsonValue(s.Object))
		}
		for _, key := range predicates {
			node = append(node, field{key, values[key]})
		}
		nodes = append(nodes, node)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(orderedNode{{"@context", context}, {"@graph", nodes}})
}

// compact writes an IRI with its namespace's prefix, as a JSON-LD compact IRI, or whole.
func compact(s string) string {
	if prefix, local, ok := split(s); ok {
		return prefix + ":" + local
	}
	return s
}

func jsonValue(t Term) any {
	switch {
	case t.isIRI():
		return map[string]string{"@id": t.IRI}
	case t.Lang != "":
		return map[string]string{"@value": t.Value, "@language": t.Lang}
	case t.Datatype != "":
		return map[string]string{"@value": t.Value, "@type": compact(t.Datatype)}
	}
	return map[string]string{"@value": t.Value}
}

// orderedNode is a JSON object that keeps its keys in order.
type orderedNode []field

type field struct {
	key   string
	value any
}

func (n orderedNode) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, f := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		key, _ := json.Marshal(f.key)
		value, err := json.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		b.Write(key)
		b.WriteByte(':')
		b.Write(value)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}
