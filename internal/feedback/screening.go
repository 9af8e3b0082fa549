package feedback

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Screening: a sender's new message or follow-up held to the restrictions register before it is
// stored (routed to the named officer, flagged, not acknowledged where a restriction says so).

// screen finds the active restrictions on the sender of a new message that cover all their
// contact, and applies them to the case before it is stored: routed to the named officer,
// flagged with which restriction applies, and not acknowledged where the restriction says so
// (on its topic, if it has one). Nothing is refused.
func (s *Service) screen(ctx context.Context, c *Case, now time.Time) error {
	ids := contactIDs(c.Contact.Email, c.Contact.Phone, c.Contact.Handle)
	all, err := s.restrictionsOn(ctx, ids)
	if err != nil {
		return err
	}
	for _, r := range all {
		// A new case is never among a restriction's listed references: only restrictions on
		// all contact apply to it. Follow-ups on listed cases are screened by screenFollowUp.
		if !r.covers(ids, "") {
			continue
		}
		var did []string
		if slices.Contains(r.Types, RestrictNamedOfficer) && r.NamedOfficer != "" {
			c.AssignedTo = r.NamedOfficer
			did = append(did, "routed to the named officer "+r.NamedOfficer)
		}
		topical := r.Topic == "" || strings.Contains(strings.ToLower(c.Subject+" "+c.Message), strings.ToLower(r.Topic))
		if slices.Contains(r.Types, RestrictNoAck) && topical && c.Effects[EffectAcknowledgement].State == EffectToDo {
			if _, ok := c.Effects[EffectAcknowledgement]; ok {
				c.Effects[EffectAcknowledgement] = Effect{State: EffectSkipped, At: now, Reason: "restriction " + r.ID + " says further contact is not acknowledged"}
				did = append(did, "not acknowledged")
			}
		}
		note := r.appliesNote()
		if len(did) > 0 {
			note += ": " + strings.Join(did, ", ")
		}
		c.Raise(now, FlagRestricted, note+". The message was taken in as usual.")
	}
	return nil
}

// restrictionsOn reads the register when there is one and someone to screen (ids, the sender's
// identities, normalised): what the caller then screens against.
func (s *Service) restrictionsOn(ctx context.Context, ids map[string]bool) ([]*Restriction, error) {
	if s.Restrictions == nil || len(ids) == 0 {
		return nil, nil
	}
	all, err := s.Restrictions.ListRestrictions(ctx)
	if err != nil {
		return nil, fmt.Errorf("screen against restrictions: %w", err)
	}
	return all, nil
}

// covers reports whether the restriction is in force for a message from a person with these
// identities about case ref: it is active, names one of them, and restricts all contact or
// lists ref among the cases it covers ("" for a new case, which no list holds).
func (r *Restriction) covers(ids map[string]bool, ref string) bool {
	if r.Status != RestrictionActive || !namesAny(r.Contacts, ids) {
		return false
	}
	return len(r.Scope) == 0 || ref != "" && slices.Contains(r.Scope, ref)
}

// appliesNote begins the note of the flag a screened message raises.
func (r *Restriction) appliesNote() string {
	return "Restriction " + r.ID + " applies to the sender (" + r.describe() + "; review by " + r.ReviewBy.Format(time.DateOnly) + ")"
}

// screenFollowUp screens a follow-up on c from a person with identities ids against the
// register rs, read before c was: each restriction that covers c (all contact, or c among the
// cases it lists) is flagged on c, and a named officer other than the case's own is returned,
// to be sent the notice of the follow-up as well as the case's officer. A follow-up is never
// acknowledged, so no_acknowledgement changes nothing more.
func screenFollowUp(c *Case, ids map[string]bool, rs []*Restriction, now time.Time) (copyTo string) {
	for _, r := range rs {
		if !r.covers(ids, c.Ref) {
			continue
		}
		note := r.appliesNote()
		if slices.Contains(r.Types, RestrictNamedOfficer) && r.NamedOfficer != "" && !strings.EqualFold(r.NamedOfficer, c.AssignedTo) {
			copyTo = r.NamedOfficer
			note += ": the named officer " + r.NamedOfficer + " is sent the notice of its follow-ups too"
		}
		c.Raise(now, FlagRestricted, note+". A follow-up from them was taken in as usual.")
	}
	return copyTo
}
