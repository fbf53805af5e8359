package seed

import (
	"context"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"

	"github.com/jamforelse/api/store"
)

// Scale data: a national data set, generated deterministically, to measure the service at the size
// of every municipality in Sweden. It is the seed data (with the country's register) plus 290 invented
// municipalities with about
// 6,000 invented providers and their results for ten years of terms, all attributed to an illustrative
// source. One municipality has 2,000 SFI providers, the largest comparison the service must carry.

// National sizes.
const (
	nationalMunicipalities = 290
	bigAreaProviders       = 2_000 // SFI providers in the largest municipality
	otherProviders         = 4_000
	firstYear, years       = 2010, 10
)

const generatedSource = "Source:generated-national"

// extraMetrics bring the data set to 27 metrics.
var extraMetrics = []*store.Metric{
	{ID: "Metric:basic-satisfaction", Name: "Nöjdhet, grundläggande vuxenutbildning", ServiceAreaID: "ServiceArea:grundlaggande-vuxenutbildning"},
	{ID: "Metric:upper-secondary-satisfaction", Name: "Nöjdhet, gymnasial vuxenutbildning", ServiceAreaID: "ServiceArea:gymnasial-vuxenutbildning"},
	{ID: "Metric:labour-market-satisfaction", Name: "Nöjdhet, arbetsmarknadsinsatser", ServiceAreaID: "ServiceArea:arbetsmarknadsinsatser"},
	{ID: "Metric:labour-market-work-rate", Name: "I arbete efter 180 dagar, arbetsmarknadsinsatser", ServiceAreaID: "ServiceArea:arbetsmarknadsinsatser"},
}

// National returns the reference data of the national set (the seed data with generated
// municipalities, schemes, providers, authorisations and metrics) and the stream of its observations,
// in an order that fills the observations' key index from left to right.
func National() (*store.Dataset, iter.Seq2[*store.Observation, error], error) {
	ds, err := Data()
	if err != nil {
		return nil, nil, err
	}
	ds.Sources = append(ds.Sources, &store.Source{ID: generatedSource, Title: "Genererade nationella testdata", Publisher: "Jämförelsetjänsten (exempeldata)",
		Illustrative: true, Description: ptr("Påhittade kommuner, utförare och resultat i nationell skala, för att mäta tjänstens prestanda. Inte verkliga uppgifter.")})
	for i, m := range extraMetrics {
		m.Description, m.Definition, m.Unit, m.Direction, m.SourceID = "Genererat mått för skalprov.", "Index 0–100 (påhittat).", store.UnitIndex, store.HigherIsBetter, generatedSource
		m.Headline = i%2 == 0
		ds.Metrics = append(ds.Metrics, m)
	}
	areas := []string{"ServiceArea:sfi", "ServiceArea:grundlaggande-vuxenutbildning", "ServiceArea:gymnasial-vuxenutbildning", "ServiceArea:arbetsmarknadsinsatser"}
	stored := map[string][]string{} // area → its stored metrics
	units := map[string]store.MetricUnit{}
	for _, m := range ds.Metrics {
		units[m.ID] = m.Unit
		if m.Formula == nil {
			stored[m.ServiceAreaID] = append(stored[m.ServiceAreaID], m.ID)
		}
	}

	// Invented municipalities, with four-digit codes from 2000 up that no real place has.
	real := map[string]bool{}
	for _, m := range ds.Municipalities {
		real[m.Code] = true
	}
	var codes []string
	for n := 2000; len(codes) < nationalMunicipalities; n++ {
		code := fmt.Sprintf("%04d", n)
		if real[code] {
			continue
		}
		codes = append(codes, code)
		ds.Municipalities = append(ds.Municipalities, &store.Municipality{Code: code, Name: "Exempelkommun " + code, County: ptr("Exempellän"), SourceID: generatedSource})
		for _, area := range areas {
			ds.Schemes = append(ds.Schemes, &store.Scheme{ID: "AuthorisationScheme:" + code + "-" + area[len("ServiceArea:"):], Name: "Auktorisation (exempel)",
				ServiceAreaID: area, MunicipalityCode: code, Status: store.SchemeInForce, SourceID: generatedSource})
		}
	}
	r := rand.New(rand.NewPCG(2026, 11))
	type provider struct {
		id    string
		code  string
		areas []string
	}
	var providers []provider
	granted := store.Date(fmt.Sprintf("%d-01-01", firstYear))
	addProvider := func(code string, areas []string) {
		p := provider{id: fmt.Sprintf("Provider:generated-%05d", len(providers)), code: code, areas: areas}
		providers = append(providers, p)
		form := []store.OperatingForm{store.Private, store.Private, store.Private, store.NonProfit, store.Municipal}[len(providers)%5]
		ds.Providers = append(ds.Providers, &store.Provider{ID: p.id, Name: fmt.Sprintf("Exempelutförare %05d", len(providers)),
			OperatingForm: form, MunicipalityCode: code, SourceID: generatedSource})
		for _, area := range areas {
			scheme := code + "-" + area[len("ServiceArea:"):]
			ds.Authorisations = append(ds.Authorisations, &store.Authorisation{ID: "Authorisation:" + p.id[len("Provider:"):] + "/" + scheme,
				ProviderID: p.id, SchemeID: "AuthorisationScheme:" + scheme, SourceID: generatedSource, Events: []store.AuthorisationEvent{{Kind: store.Granted, Date: granted, SourceID: generatedSource}}})
		}
	}
	for range bigAreaProviders {
		addProvider(codes[0], areas[:2])
	}
	for i := range otherProviders {
		first := r.IntN(len(areas))
		addProvider(codes[1+i%(len(codes)-1)], []string{areas[first], areas[(first+1+r.IntN(len(areas)-1))%len(areas)]})
	}

	var periods []string
	for y := firstYear; y < firstYear+years; y++ {
		periods = append(periods, fmt.Sprintf("%d-VT", y), fmt.Sprintf("%d-HT", y))
	}
	observations := func(yield func(*store.Observation, error) bool) {
		values := rand.New(rand.NewPCG(2026, 12))
		type place struct{ code, period string }
		for _, area := range areas {
			for _, metric := range stored[area] {
				// Each municipality's own figure, the reference line beside its providers, is theirs
				// together, as a municipality's figure is: its size their sizes' sum, its value their mean
				// weighted by size, or, for a count or a sum of money, the sum of theirs. That is what lets
				// a reader subtract, and what disclosure control is for.
				// Counts are whole numbers, as the one door requires of every figure.
				count := units[metric] == store.UnitCount
				additive := count || units[metric] == store.UnitSEK
				type sum struct{ n, weighted, total float64 }
				sums := map[place]sum{}
				for _, p := range providers {
					if p.areas[0] != area && (len(p.areas) < 2 || p.areas[1] != area) {
						continue
					}
					for _, period := range periods {
						n := 3 + values.IntN(200)
						v := float64(values.IntN(1000)) / 10
						if count {
							v = math.Trunc(v)
						}
						o := &store.Observation{MetricID: metric, ProviderID: &p.id, MunicipalityCode: p.code, Period: period,
							Value: &v, SampleSize: &n, Status: store.StatusFinal, SourceID: generatedSource}
						if !yield(o, nil) {
							return
						}
						s := sums[place{p.code, period}]
						sums[place{p.code, period}] = sum{s.n + float64(n), s.weighted + v*float64(n), s.total + v}
					}
				}
				for _, code := range codes {
					for _, period := range periods {
						s := sums[place{code, period}]
						if s.n == 0 { // no providers in this area: the municipality's figure stands alone
							s = sum{n: float64(100 + values.IntN(5000)), total: float64(values.IntN(1000)) / 10}
							if count {
								s.total = math.Trunc(s.total)
							}
							s.weighted = s.n * s.total
						}
						n, v := int(s.n), math.Round(s.weighted/s.n*10)/10
						if additive {
							v = math.Round(s.total*10) / 10
						}
						o := &store.Observation{MetricID: metric, MunicipalityCode: code, Period: period,
							Value: &v, SampleSize: &n, Status: store.StatusFinal, SourceID: generatedSource}
						if !yield(o, nil) {
							return
						}
					}
				}
			}
		}
	}
	return ds, observations, nil
}

// LoadNational replaces everything in db with the national data set, reporting progress.
func LoadNational(ctx context.Context, db *store.DB, progress func(string)) (int, error) {
	ds, observations, err := National()
	if err != nil {
		return 0, err
	}
	progress(fmt.Sprintf("reference data: %d municipalities, %d providers, %d authorisations, %d metrics",
		len(ds.Municipalities), len(ds.Providers), len(ds.Authorisations), len(ds.Metrics)))
	if err := db.Replace(ctx, ds); err != nil {
		return 0, err
	}
	return db.AddObservations(ctx, store.Change{Actor: "generate", Operation: "generateNational"}, observations,
		func(n int) { progress(fmt.Sprintf("%d observations written", n)) })
}

func ptr[T any](v T) *T { return &v }
