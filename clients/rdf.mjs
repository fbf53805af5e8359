// Reads an RDF file with well-kept parsers that have nothing to do with the server's own writers, as
// data portals read it, and prints its statements as JSON lines: subject, predicate, and the object's
// kind, value, language and datatype. The Go tests compare them with the statements the server meant
// to write (dcat's Graph).
//
//   node rdf.mjs rdfxml|turtle|jsonld FILE BASE
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { RdfXmlParser } from 'rdfxml-streaming-parser';
import N3 from 'n3';
import jsonld from 'jsonld';

export async function parse(syntax, text, base) {
  switch (syntax) {
    case 'rdfxml':
      return new Promise((resolve, reject) => {
        const quads = [];
        new RdfXmlParser({ baseIRI: base })
          .import(Readable.from([text]))
          .on('data', (q) => quads.push(q))
          .on('error', reject)
          .on('end', () => resolve(quads));
      });
    case 'turtle':
      return new N3.Parser({ baseIRI: base, format: 'text/turtle' }).parse(text);
    case 'jsonld': {
      const nquads = await jsonld.toRDF(JSON.parse(text), { format: 'application/n-quads', base });
      return new N3.Parser({ format: 'application/n-quads' }).parse(nquads);
    }
  }
  throw new Error(`unknown syntax ${syntax}: rdfxml, turtle or jsonld`);
}

if (process.argv[1].endsWith('rdf.mjs')) {
  const [syntax, file, base] = process.argv.slice(2);
  const quads = await parse(syntax, await readFile(file, 'utf8'), base);
  for (const q of quads) {
    if (q.subject.termType === 'BlankNode') {
      throw new Error(`a blank node: ${q.subject.value}`);
    }
    const o = q.object;
    console.log(JSON.stringify({
      s: q.subject.value,
      p: q.predicate.value,
      kind: o.termType,
      value: o.value,
      lang: o.termType === 'Literal' ? o.language : '',
      datatype: o.termType === 'Literal' ? o.datatype.value : '',
    }));
  }
}
