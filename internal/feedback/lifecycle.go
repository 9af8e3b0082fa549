package feedback

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The lifecycle of a case once it is in: officers assign, reclassify, note, extend, respond,
// escalate, record the Ombudsman's involvement and close. Every operation takes the member of
// staff acting, is done through Store.Update (so two officers acting at once never lose an
// action), writes a history entry, and leaves letters, staff emails and reminder schedules as
// side effects in the case's ledger for Process to carry out exactly once.

// notFound is what someone gets for a case they may not see: the same as for no case at all.
func notFound(ref string) error {
	return Errorf(ENOTFOUND, "There is no case %s that you can see.", ref)
}

// canWork reports whether who may work cases at all.
func canWork(who StaffMember) bool {
	return who.Email != "" && (who.Role == RoleOfficer || who.Role == RoleManager || who.Role == RoleAdmin)
}

// act changes a case as who, through Store.Update: fn runs on a fresh copy each time the store
// retries, and refuses by returning an error, which writes nothing.
func (s *Service) act(ctx context.Context, who StaffMember, ref string, fn func(c *Case, now time.Time) error) (*Case, error) {
	now := s.Clock.Now()
	c, err := s.Store.Update(ctx, ref, func(c *Case) error {
		if !canWork(who) || !who.CanSee(c) {
			return notFound(ref)
		}
		if err := fn(c, now); err != nil {
			return err
		}
		c.UpdatedAt = now
		return nil
	})
	if ErrorCode(err) == ENOTFOUND {
		return nil, notFound(ref)
	}
	return c, err
}

// Intake records an item received by phone, by letter or in person, entered by an officer,
// dated when it was received. It is a Submit with the channel and date the officer gives.
func (s *Service) Intake(ctx context.Context, who StaffMember, sub Submission) (*Case, bool, error) {
	if !canWork(who) {
		return nil, false, Errorf(EFORBIDDEN, "Only officers, managers and the complaints team can enter items by hand.")
	}
	if !sub.Channel.enteredByHand() {
		return nil, false, Invalid("channel", "The channel must be phone, letter or in_person")
	}
	now := s.Clock.Now()
	switch {
	case sub.ReceivedAt.IsZero():
		sub.ReceivedAt = now
	case sub.ReceivedAt.After(now):
		return nil, false, Invalid("received_at", "The date received cannot be in the future")
	case sub.ReceivedAt.Before(now.AddDate(-1, 0, 0)):
		return nil, false, Invalid("received_at", "The date received must be within the last year")
	}
	c, created, err := s.Submit(ctx, sub)
	if err != nil || !created {
		return c, created, err
	}
	c, err = s.Store.Update(ctx, c.Ref, func(c *Case) error {
		c.Record(now, who.Email, "created", "entered by hand, received by "+string(c.Channel), "")
		return nil
	})
	return c, true, err
}

// Assign gives the case to another officer or team mailbox, who is emailed about it.
func (s *Service) Assign(ctx context.Context, who StaffMember, ref, to string) (*Case, error) {
	to = strings.ToLower(strings.TrimSpace(to))
	m, inStaff := s.Staff.Lookup(to)
	isMailbox := slices.Contains(mapValues(s.Routing.Areas), to) || to == s.Routing.Triage
	if to == "" || !(inStaff && m.Role != RoleMonitor) && !isMailbox {
		return nil, Invalid("to", "Assign the case to a member of staff or a team mailbox Intake knows")
	}
	return s.act(ctx, who, ref, func(c *Case, now time.Time) error {
		if err := c.refuseAssign(); err != nil {
			return err
		}
		if strings.EqualFold(c.AssignedTo, to) {
			return Errorf(ECONFLICT, "Case %s is already assigned to %s.", ref, to)
		}
		from := c.AssignedTo
		c.AssignedTo = to
		c.Record(now, who.Email, "assigned", "from "+from+" to "+to, "", from, to)
		s.staffEmail(c, now, fmt.Sprintf("assignment-%d", c.Version+1), to, "assigned to you")
		return nil
	})
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, strings.ToLower(v))
	}
	return out
}

// Reclassify changes the kind of an open case. A service request that becomes a complaint
// keeps its received date: Stage 1's clock is recomputed from it, and reminders made; a
// complaint that is not one after all loses its stage and its reminders.
func (s *Service) Reclassify(ctx context.Context, who StaffMember, ref string, kind Kind) (*Case, error) {
	if !kind.Valid() {
		return nil, Invalid("kind", "Choose a kind of feedback from the list")
	}
	return s.act(ctx, who, ref, func(c *Case, now time.Time) error {
		if err := c.refuseReclassify(); err != nil {
			return err
		}
		if c.Kind == kind {
			return Errorf(ECONFLICT, "Case %s is already a %s.", ref, kind.Label())
		}
		from := c.Kind
		c.Kind = kind
		if kind == KindComplaint {
			c.Stage = Stage1
			c.Stages = []StageRecord{{Stage: Stage1, OpenedAt: now}}
			c.moveDue(s.Calendar.AddWorkingDays(c.ReceivedAt, s.Policy.Stage1WorkingDays))
		} else if from == KindComplaint {
			c.moveDue(time.Time{})
			c.Stage, c.Stages = StageNone, nil
		}
		c.Record(now, who.Email, "reclassified", "from "+from.Label()+" to "+kind.Label(), "")
		return nil
	})
}

// AddNote adds an officer's note to the case's history.
func (s *Service) AddNote(ctx context.Context, who StaffMember, ref, text string) (*Case, error) {
	if err := cleanText("text", &text, true); err != nil {
		return nil, err
	}
	return s.act(ctx, who, ref, func(c *Case, now time.Time) error {
		c.Record(now, who.Email, "note", strings.TrimSpace(text), "")
		return nil
	})
}

// close closes c at now and sets its retention end. Nobody asks for Stage 2 of a closed case
// any more: that would be an escalation, which reopens it.
func (s *Service) close(c *Case, now time.Time) {
	if slices.ContainsFunc(s.Reminders(c), func(r Reminder) bool { return r.Purpose == PurposeAckCheck }) {
		c.addEffect(effectKey{kind: effectAckUnschedule}.String()) // its check is no longer wanted
	}
	c.Status, c.ClosedAt, c.EscalateBy = StatusClosed, now, time.Time{}
	s.retain(c)
}

// retain sets a closed case's retention end by the policy; an open case, or one under legal
// hold, has none.
func (s *Service) retain(c *Case) {
	if c.Status != StatusClosed || c.Hold != nil {
		c.ExpiresAt = time.Time{}
		return
	}
	c.ExpiresAt = s.Policy.RetentionEnd(c, c.ClosedAt, c.Ombudsman.Which != "")
}
