// Package dcat describes the data set for data portals as a DCAT-AP-SE catalogue: one RDF graph (a
// dcat:Catalog with the dataset, its downloads and the GraphQL endpoint as a dcat:DataService), written
// as RDF/XML (what Sveriges dataportal harvests), Turtle and JSON-LD. Every IRI of the service's own
// starts with the public URL it is given, never with anything a request says.
package dcat

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jamforelse/api/export"
	"github.com/jamforelse/api/store"
)

// Vocabularies the catalogue takes its terms from.
const (
	dcatNS   = "http://www.w3.org/ns/dcat#"
	dct      = "http://purl.org/dc/terms/"
	foaf     = "http://xmlns.com/foaf/0.1/"
	vcard    = "http://www.w3.org/2006/vcard/ns#"
	skos     = "http://www.w3.org/2004/02/skos/core#"
	rdfs     = "http://www.w3.org/2000/01/rdf-schema#"
	eu       = "http://publications.europa.eu/resource/authority/"
	iana     = "http://www.iana.org/assignments/media-types/"
	adms     = "http://purl.org/adms/"
	graphQL  = "https://spec.graphql.org/"
	licences = "http://creativecommons.org/licenses/"
)

// themes are the EU data themes of the data set: education, and government and the public sector.
var themes = []string{"EDUC", "GOVE"}

// keywords say in Swedish and English what the data set is about.
var keywords = map[string][]string{
	"sv": {"vuxenutbildning", "SFI", "auktorisation", "utförare", "egen regi", "resultat", "priser", "samordningsförbund", "Sundbyberg"},
	"en": {"adult education", "Swedish for immigrants", "authorisation", "providers", "results", "prices", "coordination association"},
}

// Catalogue builds the description of the data set served at base (its public URL, such as
// https://data.example.se): the catalogue, the dataset with its downloads (CSV for scripts, CSV for
// Swedish Excel and workbooks of every table; NDJSON has no registered media type and is left to the
// graph's dataset.distributions), the GraphQL API, the publisher, the contact point, the places the data
// covers (GeoNames, as DCAT-AP-SE recommends) and the span of days its figures cover. c gives the places'
// names.
func Catalogue(base string, info store.DatasetInfo, cov store.Coverage, c *store.Catalog) *Graph {
	g := &Graph{}
	doc := base + "/dataset.rdf"
	catalog, dataset, service := doc+"#catalog", doc+"#dataset", doc+"#graphql"
	publisher, contact, period := doc+"#publisher", doc+"#contact", doc+"#temporal"
	licence := canonicalLicence(info.LicenseURL)
	modified := typed(info.UpdatedAt.UTC().Format(time.RFC3339), xsdDTime)
	public := eu + "access-right/PUBLIC"

	g.add(catalog, rdfType, iri(dcatNS+"Catalog"))
	g.add(catalog, dct+"title", text(info.Title, "sv"))
	g.add(catalog, dct+"description", text(info.Description, "sv"))
	g.add(catalog, dct+"publisher", iri(publisher))
	g.add(catalog, dct+"license", iri(licence))
	g.add(catalog, dct+"language", iri(eu+"language/SWE"))
	g.add(catalog, dct+"modified", modified)
	g.add(catalog, foaf+"homepage", iri(base+"/"))
	g.add(catalog, dcatNS+"themeTaxonomy", iri(eu+"data-theme"))
	g.add(catalog, dcatNS+"dataset", iri(dataset))
	g.add(catalog, dcatNS+"service", iri(service))

	g.add(dataset, rdfType, iri(dcatNS+"Dataset"))
	g.add(dataset, dct+"title", text(info.Title, "sv"))
	g.add(dataset, dct+"description", text(info.Description, "sv"))
	g.add(dataset, dct+"publisher", iri(publisher))
	g.add(dataset, dcatNS+"contactPoint", iri(contact))
	g.add(dataset, dct+"accessRights", iri(public))
	g.add(dataset, dct+"accrualPeriodicity", iri(eu+"frequency/IRREG"))
	g.add(dataset, dct+"language", iri(eu+"language/SWE"))
	g.add(dataset, dct+"modified", modified)
	g.add(dataset, dcatNS+"version", plain(strconv.FormatInt(info.Version, 10)))
	g.add(dataset, dcatNS+"landingPage", iri(base+"/"))
	for _, t := range themes {
		g.add(dataset, dcatNS+"theme", iri(eu+"data-theme/"+t))
	}
	for _, lang := range []string{"sv", "en"} {
		for _, k := range keywords[lang] {
			g.add(dataset, dcatNS+"keyword", text(k, lang))
		}
	}
	var places []string // the codes of the places GeoNames has
	for _, code := range cov.Places {
		if p := placeIRI(code); p != "" {
			places = append(places, code)
			g.add(catalog, dct+"spatial", iri(p))
			g.add(dataset, dct+"spatial", iri(p))
		}
	}
	if cov.First != nil && cov.Last != nil {
		g.add(dataset, dct+"temporal", iri(period))
	}
	for _, f := range export.Files() {
		if f.Format == export.NDJSON {
			continue
		}
		id := doc + "#download-" + f.Table + "-" + string(f.Format)
		if f.Dialect != "" {
			id += "-" + string(f.Dialect)
		}
		g.add(dataset, dcatNS+"distribution", iri(id))
		g.add(id, rdfType, iri(dcatNS+"Distribution"))
		g.add(id, dct+"title", text(f.Title("sv"), "sv"))
		g.add(id, dct+"title", text(f.Title("en"), "en"))
		g.add(id, dct+"description", text(describe(f), "sv"))
		g.add(id, dcatNS+"accessURL", iri(f.URL(base)))
		g.add(id, dcatNS+"downloadURL", iri(f.URL(base)))
		g.add(id, dcatNS+"mediaType", iri(iana+f.MediaType()))
		g.add(id, dct+"format", iri(fileType(f)))
		g.add(id, dct+"license", iri(licence))
		g.add(id, dct+"modified", modified)
		g.add(id, dcatap+"availability", iri(eu+"planned-availability/STABLE"))
	}
	api := doc + "#download-graphql"
	g.add(dataset, dcatNS+"distribution", iri(api))
	g.add(api, rdfType, iri(dcatNS+"Distribution"))
	g.add(api, dct+"title", text("GraphQL-API", "sv"))
	g.add(api, dct+"title", text("GraphQL API", "en"))
	g.add(api, dct+"description", text("Hela datamängden som en graf: frågor med GraphQL över HTTP (POST eller GET), med utforskaren GraphiQL på startsidan.", "sv"))
	g.add(api, dcatNS+"accessURL", iri(base+"/graphql"))
	g.add(api, dcatNS+"accessService", iri(service))
	g.add(api, dcatNS+"mediaType", iri(iana+"application/graphql-response+json"))
	g.add(api, dct+"format", iri(eu+"file-type/JSON"))
	g.add(api, dct+"license", iri(licence))
	g.add(api, dcatap+"availability", iri(eu+"planned-availability/STABLE"))

	g.add(service, rdfType, iri(dcatNS+"DataService"))
	g.add(service, dct+"title", text("Jämförelse av utförare – GraphQL-API", "sv"))
	g.add(service, dct+"title", text("Comparison of providers – GraphQL API", "en"))
	g.add(service, dct+"description", text("Öppet GraphQL-API över datamängden: utförare, auktorisationer och priser, resultat per utförare och samordningsförbund. Ingen nyckel behövs för att läsa.", "sv"))
	g.add(service, dcatNS+"endpointURL", iri(base+"/graphql"))
	g.add(service, dcatNS+"endpointDescription", iri(base+"/"))
	g.add(service, dcatNS+"servesDataset", iri(dataset))
	g.add(service, dct+"conformsTo", iri(graphQL))
	g.add(service, dct+"publisher", iri(publisher))
	g.add(service, dcatNS+"contactPoint", iri(contact))
	g.add(service, dct+"license", iri(licence))
	g.add(service, dct+"accessRights", iri(public))
	for _, t := range themes {
		g.add(service, dcatNS+"theme", iri(eu+"data-theme/"+t))
	}
	g.add(service, dcatNS+"keyword", text("GraphQL", "sv"))
	g.add(service, dcatNS+"keyword", text("GraphQL", "en"))

	g.add(publisher, rdfType, iri(foaf+"Agent"))
	g.add(publisher, foaf+"name", text(info.Publisher, "sv"))
	g.add(publisher, dct+"type", iri(adms+"publishertype/LocalAuthority"))
	g.add(contact, rdfType, iri(vcard+"Organization"))
	g.add(contact, rdfType, iri(vcard+"Kind"))
	g.add(contact, vcard+"fn", plain(info.Publisher))
	g.add(contact, vcard+"hasURL", iri(base+"/"))

	if cov.First != nil && cov.Last != nil {
		g.add(period, rdfType, iri(dct+"PeriodOfTime"))
		g.add(period, dcatNS+"startDate", typed(string(*cov.First), xsdDate))
		g.add(period, dcatNS+"endDate", typed(string(*cov.Last), xsdDate))
	}
	describeTerms(g, base, licence, places, c)
	return g
}

// describeTerms says what the catalogue's terms from other vocabularies are, as those vocabularies do:
// their classes and concept schemes, and the names of the places. The DCAT-AP shapes check the class
// of every value (ranges.ttl) and the scheme of every controlled term (mdr-vocabularies.shape.ttl).
func describeTerms(g *Graph, base, licence string, places []string, c *store.Catalog) {
	for _, page := range []string{base + "/", base + "/graphql"} {
		g.add(page, rdfType, iri(rdfs+"Resource"))
	}
	g.add(base+"/", rdfType, iri(foaf+"Document"))
	g.add(licence, rdfType, iri(dct+"LicenseDocument"))
	g.add(licence, dct+"type", iri(adms+"licencetype/Attribution"))
	g.add(licence, rdfs+"label", text("Creative Commons Erkännande 4.0 Internationell (CC BY 4.0)", "sv"))
	g.add(graphQL, rdfType, iri(dct+"Standard"))
	g.add(graphQL, rdfs+"label", text("GraphQL", "en"))
	// The terms as their vocabularies name them, in English.
	concept := func(term, label, scheme string, classes ...string) {
		for _, class := range classes {
			g.add(term, rdfType, iri(class))
		}
		g.add(term, rdfType, iri(skos+"Concept"))
		g.add(term, skos+"prefLabel", text(label, "en"))
		g.add(term, skos+"inScheme", iri(scheme))
	}
	concept(eu+"language/SWE", "Swedish", eu+"language", dct+"LinguisticSystem")
	concept(eu+"access-right/PUBLIC", "public", eu+"access-right", dct+"RightsStatement")
	concept(eu+"frequency/IRREG", "irregular", eu+"frequency", dct+"Frequency")
	concept(eu+"planned-availability/STABLE", "stable", eu+"planned-availability")
	concept(eu+"data-theme/EDUC", "Education, culture and sport", eu+"data-theme")
	concept(eu+"data-theme/GOVE", "Government and public sector", eu+"data-theme")
	concept(eu+"file-type/CSV", "CSV", eu+"file-type", dct+"MediaTypeOrExtent")
	concept(eu+"file-type/XLSX", "XLSX", eu+"file-type", dct+"MediaTypeOrExtent")
	concept(eu+"file-type/JSON", "JSON", eu+"file-type", dct+"MediaTypeOrExtent")
	concept(adms+"publishertype/LocalAuthority", "Local Authority", adms+"publishertype/1.0")
	concept(adms+"licencetype/Attribution", "Attribution", adms+"licencetype/1.0")
	for _, scheme := range []struct{ iri, title string }{
		{eu + "language", "Language"}, {eu + "access-right", "Access right"}, {eu + "frequency", "Frequency"},
		{eu + "planned-availability", "Planned availability"}, {eu + "data-theme", "Data theme"}, {eu + "file-type", "File type"},
		{adms + "publishertype/1.0", "Publisher type"}, {adms + "licencetype/1.0", "Licence type"},
	} {
		g.add(scheme.iri, rdfType, iri(skos+"ConceptScheme"))
		g.add(scheme.iri, dct+"title", text(scheme.title, "en"))
	}
	for _, media := range []string{"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/graphql-response+json"} {
		g.add(iana+media, rdfType, iri(dct+"MediaType"))
	}
	for _, code := range places {
		p := placeIRI(code)
		g.add(p, rdfType, iri(dct+"Location"))
		if m := c.Municipality(code); m != nil {
			g.add(p, skos+"prefLabel", text(m.Name, "sv"))
		}
	}
}

// dcatap is DCAT-AP's own namespace (availability).
const dcatap = "http://data.europa.eu/r5r/"

// fileType is a download's format in the EU's file-type vocabulary.
func fileType(f export.File) string {
	if f.Format == export.XLSX {
		return eu + "file-type/XLSX"
	}
	return eu + "file-type/CSV"
}

// describe says in Swedish what a download is.
func describe(f export.File) string {
	filters := "Filtrera med parametrarna " + strings.Join(export.FiltersOf(f.Table), ", ") + "."
	if len(export.FiltersOf(f.Table)) == 0 {
		filters = ""
	}
	var what string
	switch {
	case f.Format == export.XLSX:
		what = "Excel-arbetsbok med typade celler: koder som text, tal som tal, datum som datum; rubrikraden fryst och filtrerbar."
	case f.Dialect == export.ExcelSV:
		what = "CSV för Excel och LibreOffice på svenska: UTF-8 med BOM, semikolon och decimalkomma."
	default:
		what = "CSV enligt RFC 4180 för skript: UTF-8, kommatecken och decimalpunkt, med rubrikrad."
	}
	return strings.TrimSpace(what + " " + filters)
}

// canonicalLicence is a Creative Commons licence's IRI as DCAT-AP-SE requires it, with http and a
// trailing slash (harvesting.md, "Undvik duplicerade identifierare"); other licences as given.
func canonicalLicence(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host != "creativecommons.org" {
		return s
	}
	return licences + strings.Trim(strings.TrimPrefix(u.Path, "/licenses/"), "/") + "/"
}
