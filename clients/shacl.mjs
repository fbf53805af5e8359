// Validates an RDF/XML file (the catalogue as Sveriges dataportal harvests it) against SHACL shapes in
// Turtle with rdf-validate-shacl, and prints a summary as JSON: how many results of each severity, and
// every violation. Exits 1 when there is a violation.
//
//   node shacl.mjs DATA.rdf BASE SHAPES.ttl...
import { readFile } from 'node:fs/promises';
import rdf from '@zazuko/env';
import SHACLValidator from 'rdf-validate-shacl';
import N3 from 'n3';
import { parse } from './rdf.mjs';

const [dataFile, base, ...shapeFiles] = process.argv.slice(2);
const shapes = rdf.dataset();
for (const file of shapeFiles) {
  for (const q of new N3.Parser({ format: 'text/turtle' }).parse(await readFile(file, 'utf8'))) {
    shapes.add(q);
  }
}
const data = rdf.dataset(await parse('rdfxml', await readFile(dataFile, 'utf8'), base));
// The shapes import the EU vocabularies and the ontologies they reuse (owl:imports). This runs with no
// network, so those are not loaded: the catalogue itself says of each term it uses which scheme and
// class it has, as those vocabularies do, and that is what the shapes check. The imports skipped are
// listed in the summary.
const skipped = [];
const importGraph = (url) => {
  skipped.push(url.value);
  return rdf.dataset();
};
const report = await new SHACLValidator(shapes, { factory: rdf, importGraph }).validate(data);
const counts = { Violation: 0, Warning: 0, Info: 0 };
const violations = [];
const warnings = [];
for (const r of report.results) {
  const severity = r.severity.value.replace('http://www.w3.org/ns/shacl#', '');
  counts[severity] = (counts[severity] || 0) + 1;
  const detail = {
    focus: r.focusNode && r.focusNode.value,
    path: r.path && r.path.value,
    value: r.value && r.value.value,
    message: r.message.map((m) => m.value).join(' '),
    shape: r.sourceShape && r.sourceShape.value,
  };
  (severity === 'Violation' ? violations : warnings).push(detail);
}
console.log(JSON.stringify({ statements: data.size, shapes: shapes.size, importsSkipped: skipped, conforms: report.conforms, counts, violations, warnings }, null, 2));
process.exit(counts.Violation > 0 ? 1 : 0);
