package store

import (
	"slices"
	"time"
)

// An authorisation's state on a day is worked out from its events, so its history is never lost: a grant
// renewed, revoked and granted again is four events, and a comparison of a past year sees the providers
// that were authorised then, not those authorised today.

// Today is the date statuses and current price lists are judged on.
func Today() Date { return dateOf(time.Now()) }

// state is what an authorisation is on a day, from the events up to it.
type state struct {
	status     AuthorisationStatus
	grantedOn  *Date // the first day of the grant in effect
	validUntil *Date // its last valid day, nil until further notice
	last       *AuthorisationEvent
}

// stateOn works out the authorisation's state on day: the grant in effect, extended by its renewals,
// interrupted by suspensions, ended by its expiry (EXPIRED from the day after validUntil) or by a
// revocation (REVOKED from the day after the last valid day). Before any grant it is PENDING.
func (a *Authorisation) stateOn(day Date) state {
	s := state{status: AuthorisationPending}
	var granted, revoked, suspended bool
	for i := range a.Events {
		e := &a.Events[i]
		if e.Date > day {
			break // events are in the order of their dates
		}
		switch e.Kind {
		case Granted:
			granted, revoked, suspended = true, false, false
			s.grantedOn, s.validUntil = &e.Date, e.ValidUntil
		case Renewed:
			s.validUntil = e.ValidUntil
		case Suspended:
			suspended = e.ValidUntil == nil || day <= *e.ValidUntil
		case Reinstated:
			suspended = false
		case Revoked: // its date is the last valid day
			revoked, s.validUntil = e.Date < day, &e.Date
		}
		s.last = e
	}
	switch {
	case !granted:
	case revoked:
		s.status = AuthorisationRevoked
	case s.validUntil != nil && day > *s.validUntil:
		s.status = AuthorisationExpired
	case suspended:
		s.status = AuthorisationSuspended
	default:
		s.status = AuthorisationActive
	}
	return s
}

// StatusOn is the authorisation's status on day.
func (a *Authorisation) StatusOn(day Date) AuthorisationStatus { return a.stateOn(day).status }

// GrantedOn is the first day of the grant in effect on day, nil before the first grant.
func (a *Authorisation) GrantedOn(day Date) *Date { return a.stateOn(day).grantedOn }

// ValidUntil is the last valid day of the grant in effect on day (its revocation day, once revoked), nil
// while it runs until further notice.
func (a *Authorisation) ValidUntil(day Date) *Date { return a.stateOn(day).validUntil }

// Reason is the reason given for the latest decision in effect on day.
func (a *Authorisation) Reason(day Date) *string {
	if e := a.stateOn(day).last; e != nil {
		return e.Reason
	}
	return nil
}

// ActiveDuring reports whether the authorisation was in force (ACTIVE) on any day from start to end. Its
// status changes only on the days its events name, so those and the first day are the days to look at.
func (a *Authorisation) ActiveDuring(start, end Date) bool {
	days := []Date{start}
	for _, e := range a.Events {
		days = append(days, e.Date, nextDay(e.Date))
		if e.ValidUntil != nil {
			days = append(days, nextDay(*e.ValidUntil))
		}
	}
	return slices.ContainsFunc(days, func(d Date) bool {
		return d >= start && d <= end && a.StatusOn(d) == AuthorisationActive
	})
}

// lastEventDate is the date of the latest event, or "" when there is none.
func (a *Authorisation) lastEventDate() Date {
	if len(a.Events) == 0 {
		return ""
	}
	return a.Events[len(a.Events)-1].Date
}
