package graph

import (
	"github.com/jamforelse/api/graph/model"
	"github.com/jamforelse/api/store"
)

// MaxImportRows bounds one importObservations call; larger batches go through the command line.
const MaxImportRows = 100_000

// The mutations' inputs as the store takes them.

func observationsFrom(in []*model.ObservationInput) ([]*store.Observation, error) {
	if len(in) > MaxImportRows {
		return nil, &store.ProblemsError{Problems: []store.Problem{{Field: "observations", Message: "at most 100,000 figures per call"}}}
	}
	out := make([]*store.Observation, len(in))
	for i, o := range in {
		out[i] = &store.Observation{
			MetricID: o.Metric, ProviderID: o.Provider, MunicipalityCode: o.Municipality, Period: o.Period,
			Value: o.Value, ValueWomen: o.ValueWomen, ValueMen: o.ValueMen,
			SampleSize: o.SampleSize, SampleSizeWomen: o.SampleSizeWomen, SampleSizeMen: o.SampleSizeMen,
			Status: deref(o.Status), Note: o.Note, SourceID: o.Source,
		}
		if out[i].Status == "" {
			out[i].Status = store.StatusFinal
		}
	}
	return out, nil
}

func providerFromCreate(in model.CreateProviderInput) store.ProviderInput {
	return store.ProviderInput{
		Slug: &in.Slug, Name: &in.Name, OrganisationNumber: in.OrganisationNumber, OperatingForm: &in.OperatingForm,
		MunicipalityCode: &in.Municipality, Website: in.Website, Description: in.Description, SourceID: &in.Source,
	}
}

func providerFromUpdate(in model.UpdateProviderInput) store.ProviderInput {
	return store.ProviderInput{
		Name: in.Name, OrganisationNumber: in.OrganisationNumber, OperatingForm: in.OperatingForm,
		MunicipalityCode: in.Municipality, Website: in.Website, Description: in.Description, SourceID: in.Source,
	}
}

func priceListFrom(in model.PublishPriceListInput) *store.PriceList {
	l := &store.PriceList{SchemeID: in.Scheme, ValidFrom: in.ValidFrom, ValidTo: in.ValidTo, DecidedOn: in.DecidedOn, SourceID: in.Source}
	for _, it := range in.Items {
		l.Items = append(l.Items, store.PriceItem{Label: it.Label, Unit: it.Unit, Amount: store.Money{Ore: it.AmountOre},
			ResultBasedShare: it.ResultBasedShare, PaidWhen: it.PaidWhen})
	}
	return l
}
