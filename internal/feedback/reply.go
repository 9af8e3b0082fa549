package feedback

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Replying to the resident: an officer's own words, emailed from the case's reply address as a
// letter (the side-effect ledger sends it, as every letter), threaded onto the resident's last
// email so that it sits in their conversation, and answered back onto the case by the email
// channel as any reply is.

// ReplyTemplate is a saved reply an officer may start from. Its text may hold {reference},
// {name} (the resident's name, or "" when it does not read as one) and {due} (the response
// date, as a letter writes it, or "").
type ReplyTemplate struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

// Fill returns the template's text for case c.
func (t ReplyTemplate) Fill(c *Case) string {
	due := ""
	if !c.RespondBy.IsZero() {
		due = LongDate(c.RespondBy)
	}
	return strings.NewReplacer("{reference}", c.Ref, "{name}", greetable(c.Contact.Name), "{due}", due).Replace(t.Text)
}

// ReplyTemplatesFor returns the saved replies filled in for the case, if who may see it.
func (s *Service) ReplyTemplatesFor(ctx context.Context, who StaffMember, ref string) ([]ReplyTemplate, error) {
	c, err := s.Case(ctx, who, ref)
	if err != nil {
		return nil, err
	}
	out := []ReplyTemplate{}
	for _, t := range s.ReplyTemplates {
		out = append(out, ReplyTemplate{Name: t.Name, Text: t.Fill(c)})
	}
	return out, nil
}

// Reply emails text to the resident of case ref, from the case's reply address, as who. It is
// refused when the case has no email address, and when a restriction on the resident says only
// a named officer other than who contacts them (written contact only allows email).
func (s *Service) Reply(ctx context.Context, who StaffMember, ref, text string) (*Case, error) {
	if err := cleanText("text", &text, true); err != nil {
		return nil, err
	}
	rs, err := s.replyRestrictions(ctx, ref)
	if err != nil {
		return nil, err
	}
	return s.act(ctx, who, ref, func(c *Case, now time.Time) error {
		if _, err := replyAllowed(c, who, rs); err != nil {
			return err
		}
		n := 1
		for _, l := range c.Letters {
			if l.Reply {
				n++
			}
		}
		inReplyTo, subject := replyThread(c)
		l := s.residentLetter(c, now, fmt.Sprintf("reply-%d", n), subject, strings.TrimSpace(text))
		l.Reply, l.By, l.InReplyTo = true, who.Email, inReplyTo
		c.Record(now, who.Email, "replied", "emailed the resident", "")
		return nil
	})
}

// ReplyCheck says, before an officer writes, what Reply would say of who replying to c now:
// the refusal (no email address, a restriction naming another officer), or nil; and notes, in
// words, of every restriction on the resident that says how they may be contacted, for the
// page to show beside the form.
func (s *Service) ReplyCheck(ctx context.Context, who StaffMember, c *Case) (notes []string, refusal error) {
	rs, err := s.replyRestrictions(ctx, c.Ref)
	if err != nil {
		return nil, err
	}
	return replyAllowed(c, who, rs)
}

// replyRestrictions reads the restrictions register, if there is one.
func (s *Service) replyRestrictions(ctx context.Context, ref string) ([]*Restriction, error) {
	if s.Restrictions == nil {
		return nil, nil
	}
	rs, err := s.Restrictions.ListRestrictions(ctx)
	if err != nil {
		return nil, fmt.Errorf("reply to %s: read restrictions: %w", ref, err)
	}
	return rs, nil
}

// replyAllowed refuses a reply to a case with no email address for the resident, or that a
// restriction on the resident rules out for who: only the named officer contacts a person
// under named_officer_only. notes describe each restriction in force on the resident.
func replyAllowed(c *Case, who StaffMember, rs []*Restriction) (notes []string, refusal error) {
	ids := contactIDs(c.Contact.Email, c.Contact.Phone, c.Contact.Handle)
	for _, r := range rs {
		if !r.covers(ids, c.Ref) {
			continue
		}
		var says []string
		for _, t := range r.Types {
			says = append(says, t.Label())
		}
		note := "Restriction " + r.ID + " applies to the resident: " + strings.Join(says, "; ")
		if r.NamedOfficer != "" {
			note += " (the named officer is " + r.NamedOfficer + ")"
		}
		notes = append(notes, note+".")
		if refusal == nil && slices.Contains(r.Types, RestrictNamedOfficer) && r.NamedOfficer != "" &&
			!strings.EqualFold(r.NamedOfficer, who.Email) {
			refusal = Errorf(EFORBIDDEN, "Restriction %s says only the named officer, %s, contacts this resident, so only they can reply.", r.ID, r.NamedOfficer)
		}
	}
	if err := c.refuseReply(); err != nil {
		refusal = err
	}
	return notes, refusal
}

// replyThread returns the Message-ID of the resident's last email on the case (as it arrived,
// without its angle brackets; "" if they never emailed) and the subject of a reply to it.
func replyThread(c *Case) (inReplyTo, subject string) {
	id, subj := "", ""
	if c.Channel == ChannelEmail {
		id, subj = c.MessageID, c.Subject
	}
	for _, m := range c.Messages {
		if m.Channel == ChannelEmail && m.MessageID != "" {
			id, subj = m.MessageID, m.Subject
		}
	}
	if strings.HasPrefix(id, "raw-") { // no Message-ID: Intake named the message itself
		id = ""
	}
	subj = strings.TrimSpace(subj)
	if subj == "" {
		return id, "About your " + c.Kind.Label()
	}
	for strings.HasPrefix(strings.ToLower(subj), "re:") {
		subj = strings.TrimSpace(subj[3:])
	}
	return id, "Re: " + subj
}
