// Mounts GraphiQL on the page. It is a separate file, not an inline script, so the page's
// Content-Security-Policy can forbid inline scripts.
//
// The tabs are example queries for journalists, each opening with a comment that says what it shows.
// GraphiQL keeps a visitor's own tabs in the browser afterwards; these are what a first visit sees.

const WELCOME = `# Welcome! This is the public API that compares the providers
# of adult education in Sundbyberg, municipal and private alike.
#
# Press the play button to run this query. Open the docs (the
# book, top left) to read what every type and field means.
# The other tabs hold example questions to start from.
# Figures marked "illustrative: true" are invented examples,
# not real results.
query ServiceAreas {
  dataset { title license containsIllustrativeData }
  serviceAreas { id name providerCount latestPeriod }
}
`;

const COMPARE_SFI = `# Every SFI provider side by side in 2018: the city's own
# provision under the same measures as the private providers.
# The pass rate brings its counterweights (dropouts, grades)
# along. Figures based on fewer than 10 people are suppressed.
query CompareSFI2018 {
  comparison(serviceArea: "ServiceArea:sfi", period: "2018") {
    metrics { id name direction }
    rows {
      provider { name operatingForm }
      cells { metric { id } value sampleSize suppressed rank rankOf illustrative }
    }
    summaries { operatingForm metric { id } mean meanWeighted median providerCount }
    references { scope municipality { name } metric { id } value source { title } }
  }
}
`;

const PRICES = `# What the city pays: each authorisation scheme with the price
# list in force, and how much of each price is paid only for
# results (a pass, a move into work or studies).
query WhatTheCityPays {
  authorisationSchemes {
    name
    status
    decidedOn
    currentPriceList {
      validFrom
      illustrative
      items { label unit amount { sek } resultBasedShare paidWhen }
    }
  }
}
`;

const FUNDING = `# Who funds Sundbyberg's coordination association
# (samordningsförbund), with how much, and when it starts.
query WhoFundsTheAssociation {
  node(id: "CoordinationAssociation:sundbyberg") {
    ... on CoordinationAssociation {
      name
      status
      startsOn
      annualBudget { sek }
      members { agency { name kind } contribution { sek } share basis }
      milestones { date period body status }
      sources { title publishedOn url }
    }
  }
}
`;

const ILLUSTRATIVE = `# Which figures are real and which are invented examples:
# every figure points at a source, and a source marked
# illustrative holds invented figures.
query WhichFiguresAreIllustrative {
  dataset { containsIllustrativeData }
  sources { id title publisher publishedOn illustrative description }
}
`;

const fetcher = GraphiQL.createFetcher({ url: '/graphql' });
const root = ReactDOM.createRoot(document.getElementById('graphiql'));
root.render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: WELCOME,
    defaultTabs: [WELCOME, COMPARE_SFI, PRICES, FUNDING, ILLUSTRATIVE].map((query) => ({ query })),
    defaultEditorToolsVisibility: true,
  }),
);
