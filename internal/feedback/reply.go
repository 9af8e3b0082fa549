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
	var rs []*Restriction
	if s.Restrictions != nil {
		var err error
		if rs, err = s.Restrictions.ListRestrictions(ctx); err != nil {
			return nil, fmt.Errorf("reply to %s: read restrictions: %w", ref, err)
		}
	}
	return s.act(ctx, who, ref, func(c *Case, now time.Time) error {
		if strings.TrimSpace(c.Contact.Email) == "" {
			return Errorf(EINVALID, "Case %s has no email address for the resident, so Intake cannot email them. Telephone them or write by post, and add a note of what was said.", c.Ref)
		}
		if err := replyAllowed(c, who, rs); err != nil {
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

// replyAllowed refuses a reply that a restriction on the resident rules out for who: only the
// named officer contacts a person under named_officer_only.
func replyAllowed(c *Case, who StaffMember, rs []*Restriction) error {
	ids := contactIDs(c.Contact.Email, c.Contact.Phone, c.Contact.Handle)
	for _, r := range rs {
		if r.covers(ids, c.Ref) && slices.Contains(r.Types, RestrictNamedOfficer) && r.NamedOfficer != "" &&
			!strings.EqualFold(r.NamedOfficer, who.Email) {
			return Errorf(EFORBIDDEN, "Restriction %s says only the named officer, %s, contacts this resident, so only they can reply.", r.ID, r.NamedOfficer)
		}
	}
	return nil
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
