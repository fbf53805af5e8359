package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// The committee's decisions: providers, their authorisations and the price lists. Each write checks
// its whole input first and refuses it with every problem listed, before anything is written.

var (
	orgNumberPattern = regexp.MustCompile(`^\d{6}-\d{4}$`)
	slugPattern      = regexp.MustCompile(`^[a-z][a-z0-9-]{0,79}$`)
)

// ProviderInput is a provider's fields as a write gives them; for an update, nil fields stay as they are.
type ProviderInput struct {
	Slug               *string // the key of a new provider's ID, "Provider:<slug>"
	Name               *string
	OrganisationNumber *string
	OperatingForm      *OperatingForm
	MunicipalityCode   *string
	Website            *string
	Description        *string
	SourceID           *string
}

func (c *Catalog) checkProvider(in ProviderInput, creating bool) error {
	var ps problems
	required := func(field string, v *string) {
		if creating && v == nil {
			ps.add(0, field, "required")
		}
	}
	required("slug", in.Slug)
	required("name", in.Name)
	required("municipality", in.MunicipalityCode)
	required("source", in.SourceID)
	if creating && in.OperatingForm == nil {
		ps.add(0, "operatingForm", "required")
	}
	if in.Slug != nil && !slugPattern.MatchString(*in.Slug) {
		ps.add(0, "slug", "%q: use lowercase letters, digits and dashes, starting with a letter", truncate(*in.Slug))
	} else if in.Slug != nil && c.Provider("Provider:"+*in.Slug) != nil {
		ps.add(0, "slug", "a provider with the ID Provider:%s exists already", *in.Slug)
	}
	if in.Name != nil && strings.TrimSpace(*in.Name) == "" {
		ps.add(0, "name", "must not be empty")
	}
	textField(&ps, 0, "name", in.Name, MaxNameLength, false)
	textField(&ps, 0, "description", in.Description, MaxDescriptionLength, true)
	if in.OrganisationNumber != nil && !orgNumberPattern.MatchString(*in.OrganisationNumber) {
		ps.add(0, "organisationNumber", "%q: use the form NNNNNN-NNNN", truncate(*in.OrganisationNumber))
	}
	if in.Website != nil && !strings.HasPrefix(*in.Website, "https://") && !strings.HasPrefix(*in.Website, "http://") {
		ps.add(0, "website", "%q: give a full http(s) address", truncate(*in.Website))
	}
	if in.MunicipalityCode != nil && c.Municipality(*in.MunicipalityCode) == nil {
		ps.add(0, "municipality", "no municipality has the code %q", truncate(*in.MunicipalityCode))
	}
	if in.SourceID != nil && c.Source(*in.SourceID) == nil {
		ps.add(0, "source", "no source has the ID %q", truncate(*in.SourceID))
	}
	return ps.err()
}

// CreateProvider adds a provider.
func (db *DB) CreateProvider(ctx context.Context, ch Change, in ProviderInput) (string, error) {
	c, err := db.Catalog(ctx)
	if err != nil {
		return "", err
	}
	if err := c.checkProvider(in, true); err != nil {
		return "", err
	}
	id := "Provider:" + *in.Slug
	return id, db.write(ctx, ch, func(tx *sql.Tx, stamp string) (any, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO providers (id, name, organisation_number, operating_form, municipality_code, website, description, source_id, updated_at)
			VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`,
			id, *in.Name, in.OrganisationNumber, *in.OperatingForm, *in.MunicipalityCode, in.Website, in.Description, *in.SourceID, stamp)
		return map[string]any{"provider": id, "name": *in.Name}, err
	})
}

// UpdateProvider changes the fields of a provider that in sets.
func (db *DB) UpdateProvider(ctx context.Context, ch Change, id string, in ProviderInput) error {
	c, err := db.Catalog(ctx)
	if err != nil {
		return err
	}
	old := c.Provider(id)
	if old == nil {
		return fmt.Errorf("provider %q: %w", id, ErrNotFound)
	}
	if in.Slug != nil {
		return &ProblemsError{Problems: []Problem{{Field: "slug", Message: "a provider's ID never changes"}}}
	}
	if err := c.checkProvider(in, false); err != nil {
		return err
	}
	return db.write(ctx, ch, func(tx *sql.Tx, stamp string) (any, error) {
		_, err := tx.ExecContext(ctx, `UPDATE providers SET name = coalesce(?2, name),
				organisation_number = coalesce(?3, organisation_number), operating_form = coalesce(?4, operating_form),
				municipality_code = coalesce(?5, municipality_code), website = coalesce(?6, website),
				description = coalesce(?7, description), source_id = coalesce(?8, source_id), updated_at = ?9
			WHERE id = ?1`, id, in.Name, in.OrganisationNumber, in.OperatingForm, in.MunicipalityCode, in.Website, in.Description, in.SourceID, stamp)
		return map[string]any{"provider": id, "before": old}, err
	})
}

// GrantAuthorisation authorises a provider under a scheme from grantedOn, until validUntil if given. A
// provider whose earlier authorisation under the scheme expired or was revoked is authorised anew, and the
// earlier grant stays in the history.
func (db *DB) GrantAuthorisation(ctx context.Context, ch Change, providerID, schemeID string, grantedOn Date, validUntil *Date, sourceID string) (string, error) {
	c, err := db.Catalog(ctx)
	if err != nil {
		return "", err
	}
	var ps problems
	if c.Provider(providerID) == nil {
		ps.add(0, "provider", "no provider has the ID %q", truncate(providerID))
	}
	if c.Scheme(schemeID) == nil {
		ps.add(0, "scheme", "no authorisation scheme has the ID %q", truncate(schemeID))
	}
	id := "Authorisation:" + slug(providerID) + "/" + slug(schemeID)
	a := c.Authorisation(id)
	if a == nil {
		a = &Authorisation{ID: id, ProviderID: providerID, SchemeID: schemeID, SourceID: sourceID}
	}
	e := AuthorisationEvent{Kind: Granted, Date: grantedOn, ValidUntil: validUntil, SourceID: sourceID}
	err = db.recordDecision(ctx, ch, c, a, e, &ps, func(ps *problems) {
		checkDates(ps, "grantedOn", grantedOn, validUntil)
		if st := a.StatusOn(grantedOn); st == AuthorisationActive || st == AuthorisationSuspended {
			ps.add(0, "provider", "already has an authorisation under this scheme that is %s on %s; renew, suspend or revoke it instead", strings.ToLower(string(st)), grantedOn)
		}
	})
	return id, err
}

// RenewAuthorisation extends an authorisation that is active, suspended or expired on renewedOn (today
// when nil) to validUntil (nil: until further notice).
func (db *DB) RenewAuthorisation(ctx context.Context, ch Change, id string, renewedOn, validUntil *Date, sourceID *string) error {
	return db.changeAuthorisation(ctx, ch, id, Renewed, renewedOn, validUntil, sourceID, func(ps *problems, a *Authorisation, on Date) {
		if st := a.StatusOn(on); st == AuthorisationRevoked || st == AuthorisationPending {
			ps.add(0, "id", "the authorisation is %s on %s and cannot be renewed; grant it anew", strings.ToLower(string(st)), on)
		}
		checkDates(ps, "renewedOn", on, validUntil)
	})
}

// RevokeAuthorisation withdraws an authorisation from the day after revokedOn, its last valid day.
func (db *DB) RevokeAuthorisation(ctx context.Context, ch Change, id string, revokedOn Date, sourceID *string) error {
	return db.changeAuthorisation(ctx, ch, id, Revoked, &revokedOn, nil, sourceID, func(ps *problems, a *Authorisation, on Date) {
		switch st := a.StatusOn(on); st {
		case AuthorisationRevoked:
			ps.add(0, "id", "the authorisation is revoked already")
		case AuthorisationPending:
			ps.add(0, "revokedOn", "the authorisation is not granted on %s", on)
		}
	})
}

// SuspendAuthorisation suspends an active authorisation from from until until (nil: until reinstated).
func (db *DB) SuspendAuthorisation(ctx context.Context, ch Change, id string, from Date, until *Date, sourceID *string) error {
	return db.changeAuthorisation(ctx, ch, id, Suspended, &from, until, sourceID, func(ps *problems, a *Authorisation, on Date) {
		if st := a.StatusOn(on); st != AuthorisationActive {
			ps.add(0, "id", "only an active authorisation can be suspended; it is %s on %s", strings.ToLower(string(st)), on)
		}
		checkDates(ps, "suspendedFrom", on, until)
	})
}

// ReinstateAuthorisation ends a suspension: the authorisation is in force again from on.
func (db *DB) ReinstateAuthorisation(ctx context.Context, ch Change, id string, on Date, sourceID *string) error {
	return db.changeAuthorisation(ctx, ch, id, Reinstated, &on, nil, sourceID, func(ps *problems, a *Authorisation, on Date) {
		if st := a.StatusOn(on); st != AuthorisationSuspended {
			ps.add(0, "id", "only a suspended authorisation can be reinstated; it is %s on %s", strings.ToLower(string(st)), on)
		}
	})
}

// changeAuthorisation records a decision about an existing authorisation, on day (today when nil), with
// the authorisation's own source unless another is given.
func (db *DB) changeAuthorisation(ctx context.Context, ch Change, id string, kind AuthorisationEventKind, day, until *Date, sourceID *string, check func(*problems, *Authorisation, Date)) error {
	c, err := db.Catalog(ctx)
	if err != nil {
		return err
	}
	a := c.Authorisation(id)
	if a == nil {
		return fmt.Errorf("authorisation %q: %w", id, ErrNotFound)
	}
	e := AuthorisationEvent{Kind: kind, Date: cmp.Or(deref(day), Today()), ValidUntil: until, SourceID: cmp.Or(deref(sourceID), a.SourceID)}
	var ps problems
	return db.recordDecision(ctx, ch, c, a, e, &ps, func(ps *problems) {
		if _, err := ParseDate(string(e.Date)); err != nil {
			ps.add(0, "date", "%v", err)
			return
		}
		check(ps, a, e.Date)
	})
}

// recordDecision checks a decision about an authorisation in full, and records it as the next event of its
// history: the reason and source are required, and a decision may not come before the latest one.
func (db *DB) recordDecision(ctx context.Context, ch Change, c *Catalog, a *Authorisation, e AuthorisationEvent, ps *problems, check func(*problems)) error {
	requireReason(ps, ch)
	if c.Source(e.SourceID) == nil {
		ps.add(0, "source", "no source has the ID %q", truncate(e.SourceID))
	}
	if last := a.lastEventDate(); e.Date < last {
		ps.add(0, "date", "%s is before the authorisation's latest decision (%s); record decisions in order", e.Date, last)
	}
	check(ps)
	if err := ps.err(); err != nil {
		return err
	}
	e.Reason = ch.Reason
	return db.write(ctx, ch, func(tx *sql.Tx, stamp string) (any, error) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO authorisations (id, provider_id, scheme_id, source_id, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
			ON CONFLICT (id) DO UPDATE SET updated_at = ?5`, a.ID, a.ProviderID, a.SchemeID, a.SourceID, stamp); err != nil {
			return nil, err
		}
		_, err := tx.ExecContext(ctx, insertAuthorisationEvent, a.ID, len(a.Events)+1, e.Kind, e.Date, e.ValidUntil, e.Reason, e.SourceID, stamp)
		return map[string]any{"authorisation": a.ID, "event": e.Kind, "date": e.Date, "validUntil": e.ValidUntil}, err
	})
}

// checkDates checks a decision's date, named field, and the end it gives, which may not come before it.
func checkDates(ps *problems, field string, from Date, until *Date) {
	if _, err := ParseDate(string(from)); err != nil {
		ps.add(0, field, "%v", err)
	}
	if until != nil {
		if _, err := ParseDate(string(*until)); err != nil {
			ps.add(0, "validUntil", "%v", err)
		} else if *until < from {
			ps.add(0, "validUntil", "%s is before %s", *until, from)
		}
	}
}

// PublishPriceList adds a price list to a scheme. A list still open-ended when the new one starts is
// closed the day before; lists may not otherwise overlap.
func (db *DB) PublishPriceList(ctx context.Context, ch Change, l *PriceList) (string, error) {
	c, err := db.Catalog(ctx)
	if err != nil {
		return "", err
	}
	var ps problems
	scheme := c.Scheme(l.SchemeID)
	if scheme == nil {
		ps.add(0, "scheme", "no authorisation scheme has the ID %q", truncate(l.SchemeID))
	}
	if c.Source(l.SourceID) == nil {
		ps.add(0, "source", "no source has the ID %q", truncate(l.SourceID))
	}
	if _, err := ParseDate(string(l.ValidFrom)); err != nil {
		ps.add(0, "validFrom", "%v", err)
	} else if l.ValidTo != nil && *l.ValidTo < l.ValidFrom {
		ps.add(0, "validTo", "%s is before validFrom %s", *l.ValidTo, l.ValidFrom)
	}
	if len(l.Items) == 0 {
		ps.add(0, "items", "a price list needs at least one price")
	}
	for i, it := range l.Items {
		if strings.TrimSpace(it.Label) == "" {
			ps.add(i+1, "label", "required")
		}
		textField(&ps, i+1, "label", &it.Label, MaxNameLength, false)
		if it.Amount.Ore < 0 {
			ps.add(i+1, "amount", "%d öre is negative", it.Amount.Ore)
		}
		if it.ResultBasedShare < 0 || it.ResultBasedShare > 1 {
			ps.add(i+1, "resultBasedShare", "%v is outside 0–1", it.ResultBasedShare)
		}
	}
	var closing *PriceList
	if scheme != nil {
		l.ID = "PriceList:" + slug(l.SchemeID) + "-" + string(l.ValidFrom)
		for _, other := range c.PriceLists(l.SchemeID) {
			switch {
			case other.ValidFrom == l.ValidFrom:
				ps.add(0, "validFrom", "the scheme has a price list from %s already (%s)", l.ValidFrom, other.ID)
			case other.ValidFrom < l.ValidFrom && other.ValidTo == nil:
				closing = other
			case other.ValidFrom < l.ValidFrom && *other.ValidTo >= l.ValidFrom,
				other.ValidFrom > l.ValidFrom && (l.ValidTo == nil || *l.ValidTo >= other.ValidFrom):
				until := "until further notice"
				if other.ValidTo != nil {
					until = "to " + string(*other.ValidTo)
				}
				ps.add(0, "validFrom", "overlaps %s (from %s %s)", other.ID, other.ValidFrom, until)
			}
		}
	}
	if err := ps.err(); err != nil {
		return "", err
	}
	return l.ID, db.write(ctx, ch, func(tx *sql.Tx, stamp string) (any, error) {
		if closing != nil {
			from, _ := time.Parse(time.DateOnly, string(l.ValidFrom))
			if _, err := tx.ExecContext(ctx, `UPDATE price_lists SET valid_to = ?2, updated_at = ?3 WHERE id = ?1`,
				closing.ID, from.AddDate(0, 0, -1).Format(time.DateOnly), stamp); err != nil {
				return nil, err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO price_lists (id, scheme_id, valid_from, valid_to, decided_on, source_id, updated_at)
			VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)`, l.ID, l.SchemeID, l.ValidFrom, l.ValidTo, l.DecidedOn, l.SourceID, stamp); err != nil {
			return nil, err
		}
		for i, it := range l.Items {
			if _, err := tx.ExecContext(ctx, `INSERT INTO price_items (price_list_id, position, label, unit, amount_ore, result_based_share, paid_when)
				VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)`, l.ID, i, it.Label, it.Unit, it.Amount.Ore, it.ResultBasedShare, it.PaidWhen); err != nil {
				return nil, err
			}
		}
		return map[string]any{"priceList": l.ID, "items": len(l.Items)}, nil
	})
}
