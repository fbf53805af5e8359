package store

import "time"

// The domain types below are what the graph serves. Their JSON form is the seed data's file format, and
// their IDs are the public global IDs ("Provider:slug").

// Date is a calendar date in ISO 8601 form, "2018-07-01".
type Date string

// DatasetInfo describes the data set as a whole.
type DatasetInfo struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Publisher   string `json:"publisher"`
	License     string `json:"license"`
	LicenseURL  string `json:"licenseUrl"`
	// Version and UpdatedAt move with every write; they are not part of the seed files.
	Version   int64     `json:"-"`
	UpdatedAt time.Time `json:"-"`
	// SuppressBelow is the threshold the writer decided every figure's suppression with.
	SuppressBelow int `json:"-"`
}

// DatePrecision says how precisely a date is known.
type DatePrecision string

const (
	PrecisionDay   DatePrecision = "DAY"
	PrecisionWeek  DatePrecision = "WEEK"
	PrecisionMonth DatePrecision = "MONTH"
	PrecisionYear  DatePrecision = "YEAR"
)

// Source is where a fact comes from.
type Source struct {
	ID                   string         `json:"id"`
	Title                string         `json:"title"`
	Publisher            string         `json:"publisher"`
	Author               *string        `json:"author,omitempty"`
	URL                  *string        `json:"url,omitempty"`
	PublishedOn          *Date          `json:"publishedOn,omitempty"`
	PublishedOnPrecision *DatePrecision `json:"publishedOnPrecision,omitempty"`
	Illustrative         bool           `json:"illustrative"`
	Description          *string        `json:"description,omitempty"`
}

// Municipality is a place figures are about, by the four-digit code Kolada files it under: a Swedish
// municipality (its SCB code, "0183"), a region ("0001", 00 and its county's code) or, "0000", the whole
// country.
type Municipality struct {
	Code       string           `json:"code"`
	Name       string           `json:"name"`
	Kind       MunicipalityKind `json:"kind,omitempty"`
	CountyCode *string          `json:"countyCode,omitempty"` // the county's SCB code (länskod), "01"
	County     *string          `json:"county,omitempty"`     // the county's name, "Stockholms län"
	SourceID   string           `json:"source"`
}

// MunicipalityKind says what a municipality code stands for.
type MunicipalityKind string

const (
	KindMunicipality MunicipalityKind = "MUNICIPALITY"
	KindRegion       MunicipalityKind = "REGION"
	KindCountry      MunicipalityKind = "COUNTRY"
)

// CountryCode is the code Kolada and Statistics Sweden use for the whole country.
const CountryCode = "0000"

// ID is the municipality's global ID.
func (m *Municipality) ID() string { return "Municipality:" + m.Code }

// kind is the municipality's kind, where a data set leaves it out: the country for 0000, otherwise a
// municipality.
func (m *Municipality) kind() MunicipalityKind {
	switch {
	case m.Kind != "":
		return m.Kind
	case m.Code == CountryCode:
		return KindCountry
	}
	return KindMunicipality
}

// KoladaID is the id Kolada gives the place: its code here.
func (m *Municipality) KoladaID() string { return m.Code }

// SCBCode is Statistics Sweden's code for the place: the kommunkod of a municipality, the länskod of a
// region, and "00" for the whole country, as in SCB's tables.
func (m *Municipality) SCBCode() string {
	switch {
	case m.Kind == KindRegion && m.CountyCode != nil:
		return *m.CountyCode
	case m.Kind == KindCountry:
		return "00"
	}
	return m.Code
}

// ServiceArea is a kind of public service.
type ServiceArea struct {
	ID          string `json:"id"`
	Code        string `json:"code"`
	Name        string `json:"name"`
	Description string `json:"description"`
	SourceID    string `json:"source"`
}

// OperatingForm says who runs a provider.
type OperatingForm string

const (
	Municipal   OperatingForm = "MUNICIPAL"
	Private     OperatingForm = "PRIVATE"
	NonProfit   OperatingForm = "NON_PROFIT"
	OtherPublic OperatingForm = "OTHER_PUBLIC"
)

// OperatingForms lists every operating form in display order.
var OperatingForms = []OperatingForm{Municipal, Private, NonProfit, OtherPublic}

// Provider is an organisation that provides a public service.
type Provider struct {
	ID                 string        `json:"id"`
	Name               string        `json:"name"`
	OrganisationNumber *string       `json:"organisationNumber,omitempty"`
	OperatingForm      OperatingForm `json:"operatingForm"`
	MunicipalityCode   string        `json:"municipality"`
	Website            *string       `json:"website,omitempty"`
	Description        *string       `json:"description,omitempty"`
	SourceID           string        `json:"source"`
	UpdatedAt          time.Time     `json:"-"`
}

// SchemeStatus is where an authorisation scheme stands.
type SchemeStatus string

const (
	SchemePlanned  SchemeStatus = "PLANNED"
	SchemeProposed SchemeStatus = "PROPOSED"
	SchemeInForce  SchemeStatus = "IN_FORCE"
	SchemeEnded    SchemeStatus = "ENDED"
)

// Scheme is an authorisation scheme: the terms under which providers may offer one service in one
// municipality.
type Scheme struct {
	ID               string       `json:"id"`
	Name             string       `json:"name"`
	ServiceAreaID    string       `json:"serviceArea"`
	MunicipalityCode string       `json:"municipality"`
	Status           SchemeStatus `json:"status"`
	StatusAsOf       *Date        `json:"statusAsOf,omitempty"` // the day the source stated the status
	DecidedBy        *string      `json:"decidedBy,omitempty"`
	DecidedOn        *Date        `json:"decidedOn,omitempty"`
	InForceFrom      *Date        `json:"inForceFrom,omitempty"`
	InForcePeriod    *string      `json:"inForcePeriod,omitempty"`
	Note             *string      `json:"note,omitempty"`
	SourceID         string       `json:"source"`
	UpdatedAt        time.Time    `json:"-"`
}

// PriceUnit is what a price is paid per.
type PriceUnit string

const (
	PerParticipant PriceUnit = "PER_PARTICIPANT"
	PerCourse      PriceUnit = "PER_COURSE"
	PerCredit      PriceUnit = "PER_CREDIT"
	PerWeek        PriceUnit = "PER_WEEK"
	PerMonth       PriceUnit = "PER_MONTH"
	PerHour        PriceUnit = "PER_HOUR"
)

// PaymentTrigger is when a price is paid.
type PaymentTrigger string

const (
	OnStart      PaymentTrigger = "ON_START"
	Monthly      PaymentTrigger = "MONTHLY"
	OnCompletion PaymentTrigger = "ON_COMPLETION"
	OnPass       PaymentTrigger = "ON_PASS"
	OnTransition PaymentTrigger = "ON_TRANSITION"
)

// Money is an exact amount in öre.
type Money struct {
	Ore int64 `json:"ore"`
}

// SEK is the amount in kronor.
func (m Money) SEK() float64 { return float64(m.Ore) / 100 }

// Currency is always SEK.
func (m Money) Currency() string { return "SEK" }

// PriceList is the set of prices a scheme pays from one date.
type PriceList struct {
	ID        string      `json:"id"`
	SchemeID  string      `json:"scheme"`
	ValidFrom Date        `json:"validFrom"`
	ValidTo   *Date       `json:"validTo,omitempty"`
	DecidedOn *Date       `json:"decidedOn,omitempty"`
	Items     []PriceItem `json:"items"`
	SourceID  string      `json:"source"`
	UpdatedAt time.Time   `json:"-"`
}

// PriceItem is one price in a price list.
type PriceItem struct {
	Label            string         `json:"label"`
	Unit             PriceUnit      `json:"unit"`
	Amount           Money          `json:"amount"`
	ResultBasedShare float64        `json:"resultBasedShare"`
	PaidWhen         PaymentTrigger `json:"paidWhen"`
}

// AuthorisationStatus is the status of a provider's authorisation on a day.
type AuthorisationStatus string

const (
	AuthorisationActive    AuthorisationStatus = "ACTIVE"
	AuthorisationSuspended AuthorisationStatus = "SUSPENDED"
	AuthorisationExpired   AuthorisationStatus = "EXPIRED"
	AuthorisationRevoked   AuthorisationStatus = "REVOKED"
	AuthorisationPending   AuthorisationStatus = "PENDING"
)

// Authorisation is a provider's right to offer a service under a scheme. What it was on any day follows
// from its events, the decisions taken about it, oldest first; nothing about it is overwritten.
type Authorisation struct {
	ID         string               `json:"id"`
	ProviderID string               `json:"provider"`
	SchemeID   string               `json:"scheme"`
	SourceID   string               `json:"source"`
	Events     []AuthorisationEvent `json:"events"`
	UpdatedAt  time.Time            `json:"-"`
}

// AuthorisationEventKind is what a decision about an authorisation did.
type AuthorisationEventKind string

const (
	Granted    AuthorisationEventKind = "GRANTED"
	Renewed    AuthorisationEventKind = "RENEWED"
	Suspended  AuthorisationEventKind = "SUSPENDED"
	Reinstated AuthorisationEventKind = "REINSTATED"
	Revoked    AuthorisationEventKind = "REVOKED"
)

// AuthorisationEvent is one decision about an authorisation. Date is the day it takes effect: the first
// valid day of a grant, the day a renewal was decided, the first day of a suspension and the first day
// again after one, the last valid day of a revocation. ValidUntil is the last valid day a grant or
// renewal gives (nil: until further notice), or a suspension's last day (nil: until reinstated).
type AuthorisationEvent struct {
	Kind       AuthorisationEventKind `json:"kind"`
	Date       Date                   `json:"date"`
	ValidUntil *Date                  `json:"validUntil,omitempty"`
	Reason     *string                `json:"reason,omitempty"`
	SourceID   string                 `json:"source"`
	RecordedAt time.Time              `json:"-"`
}

// MetricUnit is what a metric is measured in.
type MetricUnit string

const (
	UnitPercent          MetricUnit = "PERCENT"
	UnitSEK              MetricUnit = "SEK"
	UnitCount            MetricUnit = "COUNT"
	UnitHours            MetricUnit = "HOURS"
	UnitIndex            MetricUnit = "INDEX"
	UnitPercentagePoints MetricUnit = "PERCENTAGE_POINTS"
)

// MetricDirection says which way is better.
type MetricDirection string

const (
	HigherIsBetter MetricDirection = "HIGHER_IS_BETTER"
	LowerIsBetter  MetricDirection = "LOWER_IS_BETTER"
	Neutral        MetricDirection = "NEUTRAL"
)

// Metric is a measure results are published for.
type Metric struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	NameEN        *string         `json:"nameEn,omitempty"` // the name in English, for readers and search
	Description   string          `json:"description"`
	DescriptionEN *string         `json:"descriptionEn,omitempty"`
	Definition    string          `json:"definition"`
	Unit          MetricUnit      `json:"unit"`
	Direction     MetricDirection `json:"direction"`
	ServiceAreaID string          `json:"serviceArea"`
	KoladaID      *string         `json:"koladaId,omitempty"`
	Headline      bool            `json:"headline"`
	SourceID      string          `json:"source"`
	// RelatedIDs are the metrics to read alongside this one, such as a pass rate's dropout rate.
	RelatedIDs []string `json:"related,omitempty"`
	// Whole names the whole this metric counts a part of: metrics naming the same whole count disjoint
	// parts of it (passed and dropped out, of all who finished or dropped out), so for one subject and
	// period their values add up to at most 100 %.
	Whole *string `json:"whole,omitempty"`
	// Formula makes the metric derived: computed from two others when asked for, never stored.
	Formula *Formula `json:"formula,omitempty"`
	// PaidFor makes the metric money paid under the scheme's price lists: what each kind of price is paid
	// for, and which metric counts it. The payment reveals those counts, so it is withheld with them.
	PaidFor []PaidQuantity `json:"paidFor,omitempty"`
}

// PaidQuantity says which metric counts what the prices of one unit and trigger are paid for, such as
// passed courses for a price per course paid on a pass.
type PaidQuantity struct {
	Unit     PriceUnit      `json:"unit"`
	PaidWhen PaymentTrigger `json:"paidWhen"`
	MetricID string         `json:"metric"`
}

// Formula defines a derived metric as Numerator / Denominator × Factor, for the same subject and period.
type Formula struct {
	NumeratorID   string  `json:"numerator"`
	DenominatorID string  `json:"denominator"`
	Factor        float64 `json:"factor"`
}

// Derived reports whether the metric is computed from others.
func (m *Metric) Derived() bool { return m != nil && m.Formula != nil }

// ObservationStatus says whether a figure is final.
type ObservationStatus string

const (
	StatusFinal       ObservationStatus = "FINAL"
	StatusPreliminary ObservationStatus = "PRELIMINARY"
	StatusRevised     ObservationStatus = "REVISED"
)

// Observation is one published figure: a metric's value for a provider (or a whole municipality) in a
// period. Read from the store, a figure based on too few individuals has Suppressed set and no values.
type Observation struct {
	MetricID         string            `json:"metric"`
	ProviderID       *string           `json:"provider,omitempty"`
	MunicipalityCode string            `json:"municipality"`
	Period           string            `json:"period"`
	PeriodStart      Date              `json:"-"`
	PeriodEnd        Date              `json:"-"`
	Value            *float64          `json:"value,omitempty"`
	ValueWomen       *float64          `json:"valueWomen,omitempty"`
	ValueMen         *float64          `json:"valueMen,omitempty"`
	SampleSize       *int              `json:"sampleSize,omitempty"`
	SampleSizeWomen  *int              `json:"sampleSizeWomen,omitempty"`
	SampleSizeMen    *int              `json:"sampleSizeMen,omitempty"`
	Status           ObservationStatus `json:"status"`
	Note             *string           `json:"note,omitempty"`
	SourceID         string            `json:"source"`
	Suppressed       bool              `json:"-"`
	// SuppressionReason says why the figure is withheld, and GenderSuppressionReason why its values for
	// women and men are while the figure is shown; nil when shown.
	SuppressionReason       *SuppressionReason `json:"-"`
	GenderSuppressionReason *SuppressionReason `json:"-"`
	UpdatedAt               time.Time          `json:"-"`
	// Derived marks a figure computed from others for a derived metric; it is not stored and has no ID
	// that node() can find.
	Derived bool `json:"-"`

	// catalog is the data version the figure was read with: its metric, provider, municipality and
	// source are looked up there, by plain method calls the GraphQL layer needs no resolver for.
	catalog *Catalog
}

// Metric is what the figure measures.
func (o *Observation) Metric() *Metric { return o.catalog.Metric(o.MetricID) }

// Provider is whom the figure is about, or nil for a whole municipality.
func (o *Observation) Provider() *Provider {
	if o.ProviderID == nil {
		return nil
	}
	return o.catalog.Provider(*o.ProviderID)
}

// Municipality is the municipality the figure is about or was followed up in.
func (o *Observation) Municipality() *Municipality { return o.catalog.Municipality(o.MunicipalityCode) }

// Source is where the figure comes from.
func (o *Observation) Source() *Source { return o.catalog.Source(o.SourceID) }

// Illustrative reports whether the figure is invented.
func (o *Observation) Illustrative() bool { return o.catalog.Illustrative(o.SourceID) }

// ID is the observation's global ID, built from what makes it unique: metric, subject and period.
func (o *Observation) ID() string {
	return ObservationID(o.MetricID, o.ProviderID, o.MunicipalityCode, o.Period)
}

// AgencyKind is what kind of public body an agency is.
type AgencyKind string

const (
	StateAgency        AgencyKind = "STATE_AGENCY"
	Region             AgencyKind = "REGION"
	MunicipalityAgency AgencyKind = "MUNICIPALITY"
)

// Agency is a public body that takes part in coordination associations.
type Agency struct {
	ID                 string     `json:"id"`
	Name               string     `json:"name"`
	CurrentName        *string    `json:"currentName,omitempty"`
	Kind               AgencyKind `json:"kind"`
	OrganisationNumber *string    `json:"organisationNumber,omitempty"`
	MunicipalityCode   *string    `json:"municipality,omitempty"`
	SourceID           string     `json:"source"`
}

// AssociationStatus is where a coordination association stands.
type AssociationStatus string

const (
	AssociationPlanned   AssociationStatus = "PLANNED"
	AssociationActive    AssociationStatus = "ACTIVE"
	AssociationDissolved AssociationStatus = "DISSOLVED"
)

// Association is a financial coordination association (samordningsförbund).
type Association struct {
	ID                string              `json:"id"`
	Name              string              `json:"name"`
	Status            AssociationStatus   `json:"status"`
	StatusAsOf        *Date               `json:"statusAsOf,omitempty"` // the day the source stated the status
	StartsOn          *Date               `json:"startsOn,omitempty"`
	County            string              `json:"county"`
	AnnualBudget      *Money              `json:"annualBudget,omitempty"`
	EstimatedReachMin *int                `json:"estimatedReachMin,omitempty"`
	EstimatedReachMax *int                `json:"estimatedReachMax,omitempty"`
	Description       *string             `json:"description,omitempty"`
	MunicipalityCodes []string            `json:"municipalities"`
	Members           []AssociationMember `json:"members"`
	TargetGroups      []TargetGroup       `json:"targetGroups"`
	Milestones        []Milestone         `json:"milestones"`
	SourceID          string              `json:"source"`
}

// AssociationMember is an agency's membership in an association.
type AssociationMember struct {
	AssociationID string   `json:"-"`
	AgencyID      string   `json:"agency"`
	Contribution  *Money   `json:"contribution,omitempty"`
	Share         *float64 `json:"share,omitempty"`
	Basis         *string  `json:"basis,omitempty"`
	SourceID      string   `json:"source"`
}

// TargetGroup is a group of people an association is meant for.
type TargetGroup struct {
	Description string `json:"description"`
	EstimateMin *int   `json:"estimateMin,omitempty"`
	EstimateMax *int   `json:"estimateMax,omitempty"`
	SourceID    string `json:"source"`
}

// MilestoneStatus is whether a step has happened.
type MilestoneStatus string

const (
	MilestoneDone     MilestoneStatus = "DONE"
	MilestoneExpected MilestoneStatus = "EXPECTED"
	MilestonePlanned  MilestoneStatus = "PLANNED"
)

// Milestone is a step in an association's timeline.
type Milestone struct {
	Date        *Date           `json:"date,omitempty"`
	Period      *string         `json:"period,omitempty"`
	Body        string          `json:"body"`
	Description string          `json:"description"`
	Status      MilestoneStatus `json:"status"`
	AsOf        *Date           `json:"asOf,omitempty"` // the day the source stated the status
	SourceID    string          `json:"source"`
}

// OfficeStatus is where an office stands.
type OfficeStatus string

const (
	OfficePlanned     OfficeStatus = "PLANNED"
	OfficeEstablished OfficeStatus = "ESTABLISHED"
	OfficeClosed      OfficeStatus = "CLOSED"
)

// Office is a unit of a municipality that follows up its services, such as the quality office
// (kvalitetskansli) that follows up every provider whatever its operating form.
type Office struct {
	ID               string       `json:"id"`
	Name             string       `json:"name"`
	MunicipalityCode string       `json:"municipality"`
	Status           OfficeStatus `json:"status"`
	StatusAsOf       *Date        `json:"statusAsOf,omitempty"` // the day the source stated the status
	Purpose          string       `json:"purpose"`
	Note             *string      `json:"note,omitempty"`
	SourceID         string       `json:"source"`
}

// Dataset is the whole data set, as the seed files hold it and Replace writes it.
type Dataset struct {
	Info           *DatasetInfo     `json:"dataset,omitempty"`
	Sources        []*Source        `json:"sources,omitempty"`
	Municipalities []*Municipality  `json:"municipalities,omitempty"`
	ServiceAreas   []*ServiceArea   `json:"serviceAreas,omitempty"`
	Providers      []*Provider      `json:"providers,omitempty"`
	Schemes        []*Scheme        `json:"authorisationSchemes,omitempty"`
	PriceLists     []*PriceList     `json:"priceLists,omitempty"`
	Authorisations []*Authorisation `json:"authorisations,omitempty"`
	Metrics        []*Metric        `json:"metrics,omitempty"`
	Observations   []*Observation   `json:"observations,omitempty"`
	Agencies       []*Agency        `json:"agencies,omitempty"`
	Associations   []*Association   `json:"coordinationAssociations,omitempty"`
	Offices        []*Office        `json:"offices,omitempty"`
}
