package store

import (
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

// GrantAuthorisation authorises a provider under a scheme from grantedOn, until validUntil if given.
// A provider whose earlier authorisation under the scheme expired or was revoked is authorised anew.
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
	if c.Source(sourceID) == nil {
		ps.add(0, "source", "no source has the ID %q", truncate(sourceID))
	}
	checkDates(&ps, grantedOn, validUntil)
	requireReason(&ps, ch)
	id := "Authorisation:" + slug(providerID) + "/" + slug(schemeID)
	if a := c.Authorisation(id); a != nil && (a.Status == AuthorisationActive || a.Status == AuthorisationPending) {
		ps.add(0, "provider", "already has a %s authorisation under this scheme; renew or revoke it instead", strings.ToLower(string(a.Status)))
	}
	if err := ps.err(); err != nil {
		return "", err
	}
	return id, db.write(ctx, ch, func(tx *sql.Tx, stamp string) (any, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO authorisations (id, provider_id, scheme_id, status, granted_on, valid_until, reason, source_id, updated_at)
			VALUES (?1, ?2, ?3, 'ACTIVE', ?4, ?5, ?6, ?7, ?8)
			ON CONFLICT (id) DO UPDATE SET status = 'ACTIVE', granted_on = ?4, valid_until = ?5, reason = ?6, source_id = ?7, updated_at = ?8`,
			id, providerID, schemeID, grantedOn, validUntil, ch.Reason, sourceID, stamp)
		return map[string]any{"authorisation": id, "grantedOn": grantedOn, "validUntil": validUntil}, err
	})
}

// RenewAuthorisation extends an active or expired authorisation to validUntil (nil: until further
// notice) and makes it active.
func (db *DB) RenewAuthorisation(ctx context.Context, ch Change, id string, validUntil *Date) error {
	return db.changeAuthorisation(ctx, ch, id, func(ps *problems, a *Authorisation) {
		if a.Status == AuthorisationRevoked || a.Status == AuthorisationPending {
			ps.add(0, "id", "a %s authorisation cannot be renewed; grant it anew", strings.ToLower(string(a.Status)))
		}
		if a.GrantedOn != nil {
			checkDates(ps, *a.GrantedOn, validUntil)
		}
	}, `UPDATE authorisations SET status = 'ACTIVE', valid_until = ?2, reason = ?3, updated_at = ?4 WHERE id = ?1`, validUntil)
}

// RevokeAuthorisation withdraws an authorisation from revokedOn, its last valid day.
func (db *DB) RevokeAuthorisation(ctx context.Context, ch Change, id string, revokedOn Date) error {
	return db.changeAuthorisation(ctx, ch, id, func(ps *problems, a *Authorisation) {
		if a.Status == AuthorisationRevoked {
			ps.add(0, "id", "the authorisation is revoked already")
		}
		if _, err := ParseDate(string(revokedOn)); err != nil {
			ps.add(0, "revokedOn", "%v", err)
		} else if a.GrantedOn != nil && revokedOn < *a.GrantedOn {
			ps.add(0, "revokedOn", "%s is before the authorisation was granted (%s)", revokedOn, *a.GrantedOn)
		}
	}, `UPDATE authorisations SET status = 'REVOKED', valid_until = ?2, reason = ?3, updated_at = ?4 WHERE id = ?1`, &revokedOn)
}

func (db *DB) changeAuthorisation(ctx context.Context, ch Change, id string, check func(*problems, *Authorisation), update string, until *Date) error {
	c, err := db.Catalog(ctx)
	if err != nil {
		return err
	}
	a := c.Authorisation(id)
	if a == nil {
		return fmt.Errorf("authorisation %q: %w", id, ErrNotFound)
	}
	var ps problems
	requireReason(&ps, ch)
	check(&ps, a)
	if err := ps.err(); err != nil {
		return err
	}
	return db.write(ctx, ch, func(tx *sql.Tx, stamp string) (any, error) {
		_, err := tx.ExecContext(ctx, update, id, until, ch.Reason, stamp)
		return map[string]any{"authorisation": id, "before": a, "validUntil": until}, err
	})
}

func checkDates(ps *problems, from Date, until *Date) {
	if _, err := ParseDate(string(from)); err != nil {
		ps.add(0, "grantedOn", "%v", err)
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
