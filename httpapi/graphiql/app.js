// Mounts GraphiQL on the page. It is a separate file, not an inline script, so the page's
// Content-Security-Policy can forbid inline scripts.
//
// The tabs are the tour (tour/*.graphql, sent as /graphiql/tour.json): the welcome, then example
// questions for journalists, each opening with a comment that says what it answers. GraphiQL keeps a
// visitor's own tabs in the browser afterwards; the tour is what a first visit sees.

// operationToRun names the operation of query that the server is to run. GraphiQL 3.9 learns a tab's
// operation name only when its editor's change handler runs, 100 ms after the text changes (it is
// debounced), so a run pressed at once after switching tabs sends the previous tab's name with this
// tab's query, and the server answers "operation … not found". The name is therefore checked against
// the query sent: a name the query does not define is replaced by the query's one operation. A query
// with several operations keeps the name asked for, right or wrong, since only the visitor knows which
// was meant; one that does not parse goes as it is, for the server to explain.
function operationToRun(query, name) {
  let names;
  try {
    names = GraphiQL.GraphQL.parse(query).definitions
      .filter((definition) => definition.kind === 'OperationDefinition')
      .map((operation) => (operation.name ? operation.name.value : null));
  } catch {
    return name;
  }
  if (names.includes(name) || names.length !== 1) {
    return name;
  }
  return names[0];
}

const send = GraphiQL.createFetcher({ url: '/graphql' });
const fetcher = (params, options) =>
  send({ ...params, operationName: operationToRun(params.query, params.operationName) }, options);

// The explorer lists the schema's fields with boxes to tick, so a query can be clicked together
// instead of typed; it opens from the third icon of the sidebar.
const explorer = GraphiQLPluginExplorer.explorerPlugin();

fetch('/graphiql/tour.json')
  .then((response) => response.json())
  .then((tour) => {
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        fetcher,
        plugins: [explorer],
        defaultQuery: tour[0],
        defaultTabs: tour.map((query) => ({ query })),
        // Closed, so that the welcome fits the editor at 1280×720; the visitor opens them with a click.
        defaultEditorToolsVisibility: false,
      }),
    );
  })
  .catch((error) => {
    document.getElementById('graphiql').textContent = `GraphiQL kunde inte läsa exemplen (${error}).`;
  });
