package graph

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSeedFactsReadExactly reads, through the API, each fact the source documents state, exactly as
// written, with the source it comes from.
func TestSeedFactsReadExactly(t *testing.T) {
	api := newTestAPI(t, seedData(t))
	const finsam = "Så ska finansiell samverkan minska utanförskapet för uppemot 300 sundbybergare"
	const vux = "Klart med auktorisation av hela vuxenutbildningen"
	const fut = "Fusk ska aldrig löna sig – nu stoppas felaktiga bidragsutbetalningar"
	// The FUT figures cover autumn 2016 to the post in September 2017, not a calendar year.
	const futPeriod = `"period":"2016-07-01--2017-09-30","periodStart":"2016-07-01","periodEnd":"2017-09-30"`
	const law = "Lag (2003:1210) om finansiell samordning av rehabiliteringsinsatser"
	tests := []struct {
		name  string
		query string
		want  string // the answer's data, as JSON
	}{
		{
			"the association's budget, start and reach",
			`{ node(id: "CoordinationAssociation:sundbyberg") { ... on CoordinationAssociation {
				status startsOn annualBudget { ore sek currency } estimatedReachMin estimatedReachMax source: sources { title } } } }`,
			`{"node":{"status":"PLANNED","startsOn":"2018-07-01","annualBudget":{"ore":200000000,"sek":2000000,"currency":"SEK"},
				"estimatedReachMin":200,"estimatedReachMax":300,"source":[{"title":"` + finsam + `"},{"title":"Lag (2003:1210) om finansiell samordning av rehabiliteringsinsatser"}]}}`,
		},
		{
			"the members and what each pays: Sundbyberg 500 000 kr, the rest as the FINSAM law sets",
			`{ node(id: "CoordinationAssociation:sundbyberg") { ... on CoordinationAssociation {
				members { agency { name kind } contribution { sek } share source { title } } } } }`,
			`{"node":{"members":[
				{"agency":{"name":"Försäkringskassan","kind":"STATE_AGENCY"},"contribution":{"sek":1000000},"share":0.5,"source":{"title":"Lag (2003:1210) om finansiell samordning av rehabiliteringsinsatser"}},
				{"agency":{"name":"Arbetsförmedlingen","kind":"STATE_AGENCY"},"contribution":{"sek":0},"share":0,"source":{"title":"Lag (2003:1210) om finansiell samordning av rehabiliteringsinsatser"}},
				{"agency":{"name":"Stockholms läns landsting","kind":"REGION"},"contribution":{"sek":500000},"share":0.25,"source":{"title":"Lag (2003:1210) om finansiell samordning av rehabiliteringsinsatser"}},
				{"agency":{"name":"Sundbyberg","kind":"MUNICIPALITY"},"contribution":{"sek":500000},"share":0.25,"source":{"title":"` + finsam + `"}}]}}`,
		},
		{
			"every target group with its estimated range as written",
			`{ node(id: "CoordinationAssociation:sundbyberg") { ... on CoordinationAssociation { targetGroups { estimateMin estimateMax source { title } } } } }`,
			`{"node":{"targetGroups":[
				{"estimateMin":50,"estimateMax":100,"source":{"title":"` + finsam + `"}},
				{"estimateMin":50,"estimateMax":100,"source":{"title":"` + finsam + `"}},
				{"estimateMin":5,"estimateMax":10,"source":{"title":"` + finsam + `"}},
				{"estimateMin":5,"estimateMax":10,"source":{"title":"` + finsam + `"}},
				{"estimateMin":60,"estimateMax":60,"source":{"title":"` + finsam + `"}},
				{"estimateMin":20,"estimateMax":50,"source":{"title":"` + finsam + `"}},
				{"estimateMin":null,"estimateMax":100,"source":{"title":"` + finsam + `"}}]}}`,
		},
		{
			"the timeline",
			`{ node(id: "CoordinationAssociation:sundbyberg") { ... on CoordinationAssociation { milestones { date period body status source { title } } } } }`,
			`{"node":{"milestones":[
				{"date":"2017-08-29","period":null,"body":"Social- och arbetsmarknadsnämnden","status":"DONE","source":{"title":"` + finsam + `"}},
				{"date":null,"period":"2017-09","body":"Kommunstyrelsen och kommunfullmäktige","status":"EXPECTED","source":{"title":"` + finsam + `"}},
				{"date":null,"period":null,"body":"Stockholms läns landsting","status":"EXPECTED","source":{"title":"` + finsam + `"}},
				{"date":"2018-07-01","period":null,"body":"Samordningsförbundet","status":"PLANNED","source":{"title":"` + finsam + `"}}]}}`,
		},
		{
			"the other associations in the county, with their municipalities",
			`{ coordinationAssociations { name startsOn municipalities { name } sources { title } } }`,
			`{"coordinationAssociations":[
				{"name":"Finansiellt samordningsförbund i Sundbyberg","startsOn":"2018-07-01","municipalities":[{"name":"Sundbyberg"}],"sources":[{"title":"` + finsam + `"},{"title":"Lag (2003:1210) om finansiell samordning av rehabiliteringsinsatser"}]},
				{"name":"Sollentuna, Upplands-Väsby och Sigtuna","startsOn":"2017-06-01","municipalities":[{"name":"Sollentuna"},{"name":"Upplands Väsby"},{"name":"Sigtuna"}],"sources":[{"title":"` + finsam + `"},{"title":"` + law + `"}]},
				{"name":"Samordningsförbundet Södra Roslagen","startsOn":null,"municipalities":[{"name":"Täby"},{"name":"Österåker"}],"sources":[{"title":"` + finsam + `"},{"title":"` + law + `"}]},
				{"name":"Samordningsförbundet Välfärd i Nacka","startsOn":null,"municipalities":[{"name":"Nacka"}],"sources":[{"title":"` + finsam + `"},{"title":"` + law + `"}]},
				{"name":"Samordningsförbundet Huddinge, Botkyrka, Salem","startsOn":null,"municipalities":[{"name":"Huddinge"},{"name":"Botkyrka"},{"name":"Salem"}],"sources":[{"title":"` + finsam + `"},{"title":"` + law + `"}]},
				{"name":"Samordningsförbundet Östra Södertörn","startsOn":null,"municipalities":[],"sources":[{"title":"` + finsam + `"},{"title":"` + law + `"}]},
				{"name":"Samordningsförbundet i Södertälje","startsOn":null,"municipalities":[{"name":"Södertälje"}],"sources":[{"title":"` + finsam + `"},{"title":"` + law + `"}]}]}`,
		},
		{
			// The law makes Försäkringskassan, Arbetsförmedlingen and the region members of every
			// association; the post names the municipalities. Neither says what anyone pays.
			"the other associations' members, as the law and the post give them, without contributions",
			`{ node(id: "CoordinationAssociation:sodra-roslagen") { ... on CoordinationAssociation {
				members { agency { name kind } contribution { sek } share source { title } } } } }`,
			`{"node":{"members":[
				{"agency":{"name":"Försäkringskassan","kind":"STATE_AGENCY"},"contribution":null,"share":null,"source":{"title":"` + law + `"}},
				{"agency":{"name":"Arbetsförmedlingen","kind":"STATE_AGENCY"},"contribution":null,"share":null,"source":{"title":"` + law + `"}},
				{"agency":{"name":"Stockholms läns landsting","kind":"REGION"},"contribution":null,"share":null,"source":{"title":"` + law + `"}},
				{"agency":{"name":"Täby","kind":"MUNICIPALITY"},"contribution":null,"share":null,"source":{"title":"` + finsam + `"}},
				{"agency":{"name":"Österåker","kind":"MUNICIPALITY"},"contribution":null,"share":null,"source":{"title":"` + finsam + `"}}]}}`,
		},
		{
			"the quality office, found by search, with its source and the day its status was stated",
			`{ search(text: "kvalitetskansli", first: 1) { node { ... on Office { id name status statusAsOf municipality { code } source { title } } } } }`,
			`{"search":[{"node":{"id":"Office:sundbyberg-kvalitetskansli","name":"Kvalitetskansliet","status":"PLANNED","statusAsOf":"2017-09-19",
				"municipality":{"code":"0183"},"source":{"title":"` + vux + `"}}}]}`,
		},
		{
			"statuses and milestones say when they were stated",
			`{ node(id: "CoordinationAssociation:sundbyberg") { ... on CoordinationAssociation { status statusAsOf milestones { status asOf } } } }`,
			`{"node":{"status":"PLANNED","statusAsOf":"2017-08-28","milestones":[{"status":"DONE","asOf":"2017-08-28"},
				{"status":"EXPECTED","asOf":"2017-08-28"},{"status":"EXPECTED","asOf":"2017-08-28"},{"status":"PLANNED","asOf":"2017-08-28"}]}}`,
		},
		{
			"places and service areas name their sources",
			`{ municipality(code: "0183") { source { publisher } } serviceAreas { source { title } } agencies { source { title } } }`,
			`{"municipality":{"source":{"publisher":"Statistiska centralbyrån (SCB)"}},"serviceAreas":[{"source":{"title":"` + vux + `"}},{"source":{"title":"` + vux + `"}},
				{"source":{"title":"` + vux + `"}},{"source":{"title":"` + vux + `"}},{"source":{"title":"` + fut + `"}}],
				"agencies":[` + strings.TrimSuffix(strings.Repeat(`{"source":{"title":"`+finsam+`"}},`, 14), ",") + `]}`,
		},
		{
			"the authorisation schemes and their dates",
			`{ authorisationSchemes { id status decidedOn inForceFrom inForcePeriod source { title publishedOn } } }`,
			`{"authorisationSchemes":[
				{"id":"AuthorisationScheme:0183-sfi","status":"IN_FORCE","decidedOn":null,"inForceFrom":null,"inForcePeriod":"2017-VT","source":{"title":"` + vux + `","publishedOn":"2017-09-19"}},
				{"id":"AuthorisationScheme:0183-grundlaggande-vuxenutbildning","status":"IN_FORCE","decidedOn":null,"inForceFrom":null,"inForcePeriod":"2017-VT","source":{"title":"` + vux + `","publishedOn":"2017-09-19"}},
				{"id":"AuthorisationScheme:0183-gymnasial-vuxenutbildning","status":"PROPOSED","decidedOn":"2017-09-26","inForceFrom":null,"inForcePeriod":null,"source":{"title":"` + vux + `","publishedOn":"2017-09-19"}},
				{"id":"AuthorisationScheme:0183-arbetsmarknadsinsatser","status":"PLANNED","decidedOn":null,"inForceFrom":"2018-01-01","inForcePeriod":null,"source":{"title":"` + vux + `","publishedOn":"2017-09-19"}}]}`,
		},
		{
			"the follow-up of erroneous payments",
			`{ observations(filter: {serviceArea: "ServiceArea:ekonomiskt-bistand"}) { nodes { metric { id unit } period periodStart periodEnd value suppressed illustrative source { title } } } }`,
			`{"observations":{"nodes":[
				{"metric":{"id":"Metric:fut-households-refused","unit":"COUNT"},` + futPeriod + `,"value":7,"suppressed":false,"illustrative":false,"source":{"title":"` + fut + `"}},
				{"metric":{"id":"Metric:fut-police-reports","unit":"COUNT"},` + futPeriod + `,"value":3,"suppressed":false,"illustrative":false,"source":{"title":"` + fut + `"}},
				{"metric":{"id":"Metric:fut-amount-reclaimed","unit":"SEK"},` + futPeriod + `,"value":110000,"suppressed":false,"illustrative":false,"source":{"title":"` + fut + `"}},
				{"metric":{"id":"Metric:fut-amount-stopped","unit":"SEK"},` + futPeriod + `,"value":283000,"suppressed":false,"illustrative":false,"source":{"title":"` + fut + `"}}]}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := api.mustQuery(t, tt.query, nil)
			var want map[string]any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatalf("bad want: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}
