package seed

import (
	"math"
	"testing"

	"github.com/jamforelse/api/store"
)

// TestPaymentsCountEveryPrice: each SFI payment in the seed is what the price list in force pays for the
// provider's year, every item of it: its weeks, its passed courses, its transitions to work or studies
// and, where the list has one, its start fees. The weeks and new participants are not published, so the
// test asks only that whole numbers of them make up the rest; the passes and transitions are published.
func TestPaymentsCountEveryPrice(t *testing.T) {
	ds, err := Data()
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ metric, provider, period string }
	figures := map[key]*store.Observation{}
	for _, o := range ds.Observations {
		if o.ProviderID != nil {
			figures[key{o.MetricID, *o.ProviderID, o.Period}] = o
		}
	}
	checked := 0
	for k, paid := range figures {
		if k.metric != "Metric:sfi-payments" {
			continue
		}
		p, _ := store.ParsePeriod(k.period)
		var list *store.PriceList
		for _, l := range ds.PriceLists {
			if l.SchemeID == "AuthorisationScheme:0183-sfi" && l.ValidFrom <= p.Start && (l.ValidTo == nil || *l.ValidTo >= p.End) {
				list = l
			}
		}
		if list == nil {
			t.Fatalf("%s: no price list in force over %s", paid.ID(), k.period)
		}
		passes := *figures[key{"Metric:sfi-passed-courses", k.provider, k.period}].Value
		rate := figures[key{"Metric:sfi-transition-rate", k.provider, k.period}]
		transitions := math.Round(*rate.Value * float64(*rate.SampleSize) / 100)
		participants := *figures[key{"Metric:sfi-participants", k.provider, k.period}].Value
		rest := int64(math.Round(*paid.Value * 100)) // öre
		var week, start int64
		for _, it := range list.Items {
			switch {
			case it.Unit == store.PerWeek:
				week = it.Amount.Ore
			case it.PaidWhen == store.OnPass:
				rest -= int64(passes) * it.Amount.Ore
			case it.PaidWhen == store.OnTransition:
				rest -= int64(transitions) * it.Amount.Ore
			case it.PaidWhen == store.OnStart:
				start = it.Amount.Ore
			default:
				t.Fatalf("%s: an item the test does not know: %+v", list.ID, it)
			}
		}
		fits := false
		for starts := int64(0); starts <= int64(participants) && !fits; starts++ {
			left := rest - starts*start
			fits = left >= 0 && left%week == 0
			if start == 0 {
				break
			}
		}
		if !fits {
			t.Errorf("%s: %v kr is not %s's prices for %v passes, %v transitions and whole numbers of weeks and new participants",
				paid.ID(), *paid.Value, list.ID, passes, transitions)
		}
		checked++
	}
	if checked != 18 {
		t.Errorf("checked %d payments, want the seed's 18", checked)
	}
}
