// Drives the API with urql (@urql/core), a GraphQL client library as the dashboard and scripts use it:
// it adds __typename to every selection and sends queries as the library does. It runs every operation
// of the dashboard (graph/testdata/spa/*.graphql, with its variables) and then a full sync of the data
// set as the README's loop does it (graph/testdata/sync/), and prints a summary as JSON: every answer's
// HTTP status and cost, each operation's errors, and what the sync copied.
//
//   node urql.mjs SERVER_URL REPOSITORY_ROOT
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, cacheExchange, fetchExchange } from '@urql/core';

const [server, root] = process.argv.slice(2);
const answers = []; // { operation, status, cost }
let current = '';
const client = new Client({
  url: `${server}/graphql`,
  exchanges: [cacheExchange, fetchExchange],
  requestPolicy: 'network-only',
  preferGetMethod: false,
  fetch: async (url, init) => {
    const response = await fetch(url, init);
    answers.push({ operation: current, status: response.status, cost: Number(response.headers.get('x-query-cost')) });
    return response;
  },
});

async function run(name, query, variables) {
  current = name;
  const result = await client.query(query, variables).toPromise();
  return { data: result.data, error: result.error ? result.error.message : null };
}

const spa = join(root, 'graph/testdata/spa');
const dashboard = [];
for (const file of (await readdir(spa)).filter((f) => f.endsWith('.graphql')).sort()) {
  const name = file.replace(/\.graphql$/, '');
  const query = await readFile(join(spa, file), 'utf8');
  let variables = {};
  try {
    variables = JSON.parse(await readFile(join(spa, 'variables', `${name}.json`), 'utf8'));
  } catch {}
  const { data, error } = await run(name, query, variables);
  dashboard.push({ name, error, fields: data ? Object.keys(data) : [] });
}

// The README's loop: read when, page through the observations and then the deletions since then.
const sync = join(root, 'graph/testdata/sync');
const [start, observations, deletions] = await Promise.all(
  ['Start', 'Observations', 'Deletions'].map((n) => readFile(join(sync, `${n}.graphql`), 'utf8')),
);
const mirror = { errors: [], observations: new Map(), deletions: 0, pages: 0, typenames: 0 };
const since = null; // a first run copies everything
const began = await run('SyncStart', start, {});
if (began.error) mirror.errors.push(began.error);
for (const [name, query, field] of [['SyncEveryField', observations, 'observations'], ['SyncDeletions', deletions, 'deletions']]) {
  let after = null;
  for (;;) {
    const { data, error } = await run(name, query, { after, since });
    mirror.pages++;
    if (error) {
      mirror.errors.push(error);
      break;
    }
    const page = data[field];
    for (const node of page.nodes) {
      if (node.__typename) mirror.typenames++;
      if (field === 'observations') mirror.observations.set(node.id, node);
      else mirror.deletions++;
    }
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
}

console.log(JSON.stringify({
  dashboard,
  sync: {
    updatedAt: began.data && began.data.dataset.updatedAt,
    observations: mirror.observations.size,
    deletions: mirror.deletions,
    pages: mirror.pages,
    typenames: mirror.typenames,
    errors: mirror.errors,
  },
  answers,
}, null, 2));
