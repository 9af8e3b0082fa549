package soak

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/outbox"
)

// State is what a run left, read once everything has settled.
type State struct {
	Cases        []*feedback.Case
	Restrictions []*feedback.Restriction
	// Pending are the cases with side effects not yet settled.
	Pending []*feedback.Case
	// Reminders are the reminders still scheduled.
	Reminders []feedback.Reminder
	// Letters are the letters sent, by key (the owner's reference, "/", the side effect).
	Letters map[string][]outbox.Sent
	// Resent, when set, explains a letter sent more than once (by its key) by the fault that
	// lost the record of its first sending, or returns "" when nothing does.
	Resent func(key string) string
}

// ReadStore reads a stopped or settled store's cases, restrictions and pending cases into s.
func (s *State) ReadStore(ctx context.Context, st interface {
	feedback.Store
	feedback.RestrictionStore
}) error {
	for _, status := range []feedback.Status{feedback.StatusOpen, feedback.StatusClosed} {
		q := feedback.CaseQuery{Status: status}
		for {
			page, err := st.ListCases(ctx, q)
			if err != nil {
				return fmt.Errorf("soak: audit: list cases: %w", err)
			}
			s.Cases = append(s.Cases, page.Cases...)
			if page.Next == "" {
				break
			}
			q.Cursor = page.Next
		}
	}
	var err error
	if s.Restrictions, err = st.ListRestrictions(ctx); err != nil {
		return fmt.Errorf("soak: audit: list restrictions: %w", err)
	}
	if s.Pending, err = st.ListPending(ctx); err != nil {
		return fmt.Errorf("soak: audit: list pending: %w", err)
	}
	return nil
}

// Audit holds what a run left to what it sent: every item accepted is stored, once; every
// letter recorded as sent was sent once, and every one not sent says why; nothing is pending;
// no reminder points at a closed case or a lifted restriction; no contact has two live
// restrictions.
func Audit(res *Result, s State, items []*Item) {
	res.Stored = len(s.Cases)
	auditItems(res, s.Cases, items)
	byRef := map[string]*feedback.Case{}
	for _, c := range s.Cases {
		byRef[c.Ref] = c
		s.auditLedger(res, c.Ref, moot(c))
		if ack := c.Effects[feedback.EffectAcknowledgement]; ack.State == feedback.EffectFailed && !officerTold(c.Ref, s.Letters) {
			res.Lost = append(res.Lost, c.Ref+": the acknowledgement failed for good and the officer was not told")
		}
		repeatedLetters(res, c.Ref, c.Letters)
	}
	live := map[string]*feedback.Restriction{}
	perContact := map[string][]string{}
	for _, r := range s.Restrictions {
		s.auditLedger(res, r.ID, mootReviews(r))
		repeatedLetters(res, r.ID, r.Letters)
		if r.Status != feedback.RestrictionLifted {
			live[r.ID] = r
			perContact[r.Contacts[0]] = append(perContact[r.Contacts[0]], r.ID)
		}
	}
	for who, ids := range perContact {
		if len(ids) > 1 {
			res.Duplicated = append(res.Duplicated, fmt.Sprintf("%d live restrictions on one contact (%s): %v", len(ids), strings.SplitN(who, "@", 2)[0], ids))
		}
	}
	for _, c := range s.Pending {
		res.Stuck = append(res.Stuck, c.Ref+": side effects pending: "+strings.Join(c.Effects.Pending(), ", "))
	}
	for _, r := range s.Reminders {
		if why := orphaned(r, byRef, live); why != "" {
			res.Orphaned = append(res.Orphaned, r.Name+": "+why)
		}
	}
	res.Stuck = Dedupe(res.Stuck)
}

// auditItems checks that every item accepted is stored, once.
func auditItems(res *Result, cases []*feedback.Case, items []*Item) {
	byToken := map[string][]string{}
	for _, c := range cases {
		for _, tok := range Dedupe(tokenRE.FindAllString(c.Message, -1)) {
			byToken[tok] = append(byToken[tok], c.Ref)
		}
	}
	for _, it := range items {
		it.mu.Lock()
		refs, answered, accepted := byToken[it.Token], keys(it.refs), it.accepted
		it.mu.Unlock()
		switch {
		case len(refs) > 1:
			res.Duplicated = append(res.Duplicated, fmt.Sprintf("%s (%s) is stored as %d cases: %v", it.Token, it.Channel, len(refs), refs))
		case accepted && len(refs) == 0:
			res.Lost = append(res.Lost, fmt.Sprintf("%s (%s) was accepted as %v and is not stored", it.Token, it.Channel, answered))
		case len(answered) > 1:
			res.Duplicated = append(res.Duplicated, fmt.Sprintf("%s (%s) was answered with %d references: %v", it.Token, it.Channel, len(answered), answered))
		case len(answered) == 1 && answered[0] != refs[0]:
			res.Lost = append(res.Lost, fmt.Sprintf("%s (%s) was answered with %v but stored as %s", it.Token, it.Channel, answered, refs[0]))
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// moot returns the case's ledger without the reminders whose sending was claimed and never
// stamped (an answer lost) and that no longer matter: the case closed or moved to another stage
// or date, the acknowledgement was done, or a later reminder of the stage was settled. Nothing
// will deliver those again (their schedules are cancelled or fired) and nobody misses them.
func moot(c *feedback.Case) feedback.Effects {
	ackDone := c.Effects[feedback.EffectAcknowledgement].State == feedback.EffectDone
	return withoutMoot(c.Ref, c.Effects, c.Status != feedback.StatusOpen, string(c.Stage), c.RespondBy, ackDone)
}

// mootReviews is moot for a restriction's ledger: its review reminders no longer matter once it
// is lifted, its review date has moved, or a later reminder for the same date was settled.
func mootReviews(r *feedback.Restriction) feedback.Effects {
	return withoutMoot(r.ID, r.Effects, r.Status == feedback.RestrictionLifted, "", r.ReviewBy, false)
}

// withoutMoot is es without the unsettled reminders of ref that no longer matter: all of them
// when gone, else those for another stage or due date than stage and due, the acknowledgement
// check once ackDone, and any with a later reminder of its series settled.
func withoutMoot(ref string, es feedback.Effects, gone bool, stage string, due time.Time, ackDone bool) feedback.Effects {
	order := map[string]int{"warning": 0, "due": 1, "review": 1, "overdue": 2} // a restriction's series: warning, review
	out := feedback.Effects{}
	for name, e := range es {
		rest, isReminder := strings.CutPrefix(name, "reminder:"+ref+"-")
		if !isReminder || e.Settled() {
			out[name] = e
			continue
		}
		parts := strings.Split(rest, "-") // stage, purpose, due date; or "", "ack_check"
		moot := gone
		switch {
		case len(parts) == 2 && parts[1] == string(feedback.PurposeAckCheck):
			moot = moot || ackDone
		case len(parts) == 3:
			moot = moot || parts[0] != stage || parts[2] != due.Format("20060102")
			for later, n := range order {
				other := es["reminder:"+ref+"-"+parts[0]+"-"+later+"-"+parts[2]]
				moot = moot || n > order[parts[1]] && other.Settled()
			}
		}
		if !moot {
			out[name] = e
		}
	}
	return out
}

// officerTold reports whether the officer was told that a case's acknowledgement failed: in
// the assignment email, or in the notice sent when it failed after that had gone.
func officerTold(ref string, letters map[string][]outbox.Sent) bool {
	assign := letters[ref+"/"+feedback.EffectAssignment]
	return len(assign) >= 1 && strings.Contains(strings.ToLower(assign[0].Text), "action needed") ||
		len(letters[ref+"/notice:undeliverable"]) >= 1
}

// repeatedLetters finds a letter written twice onto a record (the same name), as an action
// recorded again on redelivery does: the outbox would hide the second by its key, SES would not.
func repeatedLetters(res *Result, owner string, ls []feedback.Letter) {
	seen := map[string]bool{}
	for _, l := range ls {
		if seen[l.Name] {
			res.Duplicated = append(res.Duplicated, owner+": the letter "+l.Name+" was written twice")
		}
		seen[l.Name] = true
	}
}

// MailEffect reports whether the named effect sends a letter (rather than making or cancelling
// schedules).
func MailEffect(name string) bool {
	head, _, _ := strings.Cut(name, ":")
	switch head {
	case feedback.EffectSchedules, "unschedule", "unschedule-ack-check", "review-schedules", "review-unschedule":
		return false
	}
	return true
}

// auditLedger checks one ledger (a case's or a restriction's, under owner) against the letters
// sent: each letter recorded as sent was sent once (or again for a reason s.Resent gives); one
// recorded as not sent was not, and says why; nothing is left unsettled.
func (s State) auditLedger(res *Result, owner string, es feedback.Effects) {
	for name, e := range es {
		key := owner + "/" + name
		n := len(s.Letters[key])
		if n > 1 && s.Resent != nil {
			if why := s.Resent(key); why != "" {
				res.Resent = append(res.Resent, fmt.Sprintf("%s was sent %d times: %s", key, n, why))
				n = 1
			}
		}
		switch {
		case !e.Settled():
			res.Stuck = append(res.Stuck, fmt.Sprintf("%s: %s is pending (%d attempts)", owner, name, e.Attempts))
		case !MailEffect(name):
		case e.State == feedback.EffectDone && n == 0:
			res.Lost = append(res.Lost, key+" is recorded as sent and was not sent")
		case n > 1:
			res.Duplicated = append(res.Duplicated, fmt.Sprintf("%s was sent %d times", key, n))
		case e.State == feedback.EffectSkipped && strings.HasPrefix(name, "reminder:"):
			// A reminder sent whose stamp was lost, then skipped for a later one that came due:
			// the officer had it once; the ledger says skipped. Not a second letter.
		case e.State == feedback.EffectFailed && e.Attempts >= feedback.MaxAttempts && n == 1:
			// Given up after MaxAttempts passing failures, one of which sent it (its answer
			// lost): recorded as failed with its reason, as designed; sent once, not twice.
		case e.State != feedback.EffectDone && n > 0:
			res.Duplicated = append(res.Duplicated, fmt.Sprintf("%s is recorded as %s (%s) and was sent", key, e.State, e.Reason))
		case e.State != feedback.EffectDone && e.Reason == "":
			res.Lost = append(res.Lost, fmt.Sprintf("%s is recorded as %s with no reason", key, e.State))
		}
	}
}

// orphaned says why reminder r points at nothing that is still waiting for it, or "".
func orphaned(r feedback.Reminder, cases map[string]*feedback.Case, live map[string]*feedback.Restriction) string {
	if r.Of == feedback.ReminderOfRestriction || strings.HasPrefix(r.Ref, "RS-") {
		switch rs := live[r.Ref]; {
		case rs == nil:
			return "its restriction is lifted or gone"
		case !r.Due.IsZero() && r.Due.Format(time.DateOnly) != rs.ReviewBy.Format(time.DateOnly):
			return fmt.Sprintf("it is for a review date of %s; the restriction's is %s", r.Due.Format(time.DateOnly), rs.ReviewBy.Format(time.DateOnly))
		}
		return ""
	}
	c := cases[r.Ref]
	switch {
	case c == nil:
		return "its case is gone"
	case c.Status != feedback.StatusOpen:
		return "its case is closed"
	case r.Stage != feedback.StageNone && r.Stage != c.Stage:
		return fmt.Sprintf("its case has moved from %s to %s", r.Stage, c.Stage)
	case !r.Due.IsZero() && r.Due.Format(time.DateOnly) != c.RespondBy.Format(time.DateOnly):
		return fmt.Sprintf("it is for a response date of %s; the case's is %s", r.Due.Format(time.DateOnly), c.RespondBy.Format(time.DateOnly))
	}
	return ""
}
