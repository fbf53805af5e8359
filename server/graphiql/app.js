// Mounts GraphiQL on the page. It is a separate file, not an inline script, so the page's
// Content-Security-Policy can forbid inline scripts.

// The query a journalist sees first: easy to edit.
const DEFAULT_QUERY = `# Welcome! This is the public API that compares the providers
# of adult education in Sundbyberg, municipal and private alike.
#
# Press the play button to run this query. Open the docs (the
# book, top left) to read what every type and field means.
# Figures marked "illustrative: true" are invented examples,
# not real results.
query ServiceAreas {
  dataset { title license containsIllustrativeData }
  serviceAreas { id name providerCount latestPeriod }
}
`;

const fetcher = GraphiQL.createFetcher({ url: '/graphql' });
const root = ReactDOM.createRoot(document.getElementById('graphiql'));
root.render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: DEFAULT_QUERY,
    defaultEditorToolsVisibility: true,
  }),
);
