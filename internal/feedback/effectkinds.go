package feedback

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// The vocabulary of side effects: one table of the kinds of effect, each with its typed
// arguments (the fields of effectKey it uses), how it is performed, and how it ranks. The
// ledger stores an effect under its name, effectKey.String (for example
// "schedules:stage1-20270114"); parseEffect reads a name back. Both are here and nowhere else,
// and the stored form is unchanged from before the table, so existing ledgers read as before.

// The effects of taking a case in, by their stored names.
const (
	EffectAcknowledgement = "acknowledgement"
	EffectAssignment      = "assignment"
	EffectSchedules       = "schedules"
	// bounceEffect tells the officer that mail to the resident bounced.
	bounceEffect = "notice:undeliverable"
)

// effectKind is a kind of side effect.
type effectKind int

const (
	effectUnknown effectKind = iota
	effectAcknowledge
	effectAssign
	effectSchedule        // the intake's reminder schedules
	effectBounceNotice    // tells the officer that mail to the resident bounced
	effectFollowUpNotice  // tells the officer of a follow-up message: n is its number
	effectLetter          // sends a letter written when the officer acted: name is the letter's
	effectStageSchedules  // creates the reminders of stage due on due
	effectStageUnschedule // cancels the reminders of stage due on due
	effectReminder        // records a fired reminder: name is the reminder's
	effectReviewSchedules // creates a restriction's review reminders for its review date due
	// effectReviewUnschedule cancels a restriction's review reminders for a review date due
	// that no longer holds (the restriction was lifted, or a review set the next date).
	effectReviewUnschedule
	effectAckUnschedule // cancels the acknowledgement check of a case closed before it fired
)

// effectKey is one side effect: its kind and its arguments.
type effectKey struct {
	kind  effectKind
	name  string    // effectLetter, effectReminder
	n     int       // effectFollowUpNotice
	stage Stage     // effectStageSchedules, effectStageUnschedule
	due   time.Time // effectStageSchedules, effectStageUnschedule, effectReview(Un)schedule(s): a day
	// unreadable marks a name of a known kind whose arguments could not be read.
	unreadable bool
}

// caseEffect does one effect of a case; done holds the outcomes of those done before it in
// this run. restrictionEffect does one effect of a restriction.
type (
	caseEffect        func(s *Service, ctx context.Context, c *Case, k effectKey, done map[string]Effect) Effect
	restrictionEffect func(s *Service, ctx context.Context, r *Restriction, k effectKey) Effect
)

// effectKindInfo is a row of the table.
type effectKindInfo struct {
	// name is the stored name of an effect without arguments, or the start of one with them
	// (up to the colon).
	name string
	args bool
	// rank orders the pending effects: the acknowledgement before the assignment (which says
	// whether the resident was acknowledged), then the rest, the reminders last.
	rank int
	// scheduling effects make or cancel reminders, rather than send a letter.
	scheduling bool
	// onCase and onRestriction perform the effect; nil where the kind does not apply.
	onCase        caseEffect
	onRestriction restrictionEffect
}

// effectKinds is the table. It is filled in init, as its rows' functions name effects.
var effectKinds map[effectKind]effectKindInfo

func init() {
	effectKinds = map[effectKind]effectKindInfo{
		effectAcknowledge: {name: EffectAcknowledgement, rank: 0, onCase: func(s *Service, ctx context.Context, c *Case, _ effectKey, _ map[string]Effect) Effect {
			return s.acknowledge(ctx, c)
		}},
		effectAssign: {name: EffectAssignment, rank: 1, onCase: (*Service).assign},
		effectSchedule: {name: EffectSchedules, rank: 2, scheduling: true, onCase: func(s *Service, ctx context.Context, c *Case, _ effectKey, _ map[string]Effect) Effect {
			return s.schedule(ctx, c)
		}},
		effectBounceNotice: {name: bounceEffect, rank: 2, onCase: func(s *Service, ctx context.Context, c *Case, k effectKey, _ map[string]Effect) Effect {
			return s.send(ctx, s.noticeEmail(c, noticeUndeliverable, 0), c.Ref, k.String())
		}},
		effectFollowUpNotice: {name: "follow-up", args: true, rank: 2, onCase: func(s *Service, ctx context.Context, c *Case, k effectKey, _ map[string]Effect) Effect {
			return s.send(ctx, s.noticeEmail(c, noticeFollowUp, k.n), c.Ref, k.String())
		}},
		effectLetter: {name: "letter", args: true, rank: 2, onCase: func(s *Service, ctx context.Context, c *Case, k effectKey, _ map[string]Effect) Effect {
			return s.sendLetter(ctx, c, k)
		}, onRestriction: (*Service).sendRestrictionLetter},
		effectStageSchedules: {name: "schedules", args: true, rank: 2, scheduling: true, onCase: func(s *Service, ctx context.Context, c *Case, k effectKey, _ map[string]Effect) Effect {
			return s.scheduleStage(ctx, c, k)
		}},
		effectStageUnschedule: {name: "unschedule", args: true, rank: 2, scheduling: true, onCase: func(s *Service, ctx context.Context, c *Case, k effectKey, _ map[string]Effect) Effect {
			return s.unscheduleStage(ctx, c, k)
		}},
		effectAckUnschedule: {name: "unschedule-ack-check", rank: 2, scheduling: true, onCase: func(s *Service, ctx context.Context, c *Case, _ effectKey, _ map[string]Effect) Effect {
			return s.unscheduleAckCheck(ctx, c)
		}},
		// A reminder is sent by Remind, never performed from the ledger.
		effectReminder:         {name: "reminder", args: true, rank: 3},
		effectReviewSchedules:  {name: "review-schedules", args: true, rank: 2, onRestriction: (*Service).scheduleReview},
		effectReviewUnschedule: {name: "review-unschedule", args: true, rank: 2, onRestriction: (*Service).unscheduleReview},
	}
}

// The constructors of effect names, one per kind with arguments.

// LetterEffect names the side effect that sends the named letter.
func LetterEffect(name string) string { return effectKey{kind: effectLetter, name: name}.String() }

// ReminderEffect names the effect that records the sending of the named reminder.
func ReminderEffect(reminderName string) string {
	return effectKey{kind: effectReminder, name: reminderName}.String()
}

// followUpEffect names the effect that tells the officer of follow-up message n.
func followUpEffect(n int) string { return effectKey{kind: effectFollowUpNotice, n: n}.String() }

// schedulesEffect names the side effect that creates the reminders of stage due on due.
func schedulesEffect(stage Stage, due time.Time) string {
	return effectKey{kind: effectStageSchedules, stage: stage, due: due}.String()
}

// unscheduleEffect names the side effect that cancels the reminders of stage due on due.
func unscheduleEffect(stage Stage, due time.Time) string {
	return effectKey{kind: effectStageUnschedule, stage: stage, due: due}.String()
}

// reviewSchedulesEffect names the side effect that creates a restriction's review reminders.
func reviewSchedulesEffect(reviewBy time.Time) string {
	return effectKey{kind: effectReviewSchedules, due: reviewBy}.String()
}

// reviewUnscheduleEffect names the side effect that cancels a restriction's review reminders
// for the review date reviewBy.
func reviewUnscheduleEffect(reviewBy time.Time) string {
	return effectKey{kind: effectReviewUnschedule, due: reviewBy}.String()
}

// String is the name the ledger stores the effect under.
func (k effectKey) String() string {
	info := effectKinds[k.kind]
	if !info.args {
		return info.name
	}
	var arg string
	switch k.kind {
	case effectFollowUpNotice:
		arg = strconv.Itoa(k.n)
	case effectLetter, effectReminder:
		arg = k.name
	case effectStageSchedules, effectStageUnschedule:
		arg = string(k.stage) + "-" + k.due.Format("20060102")
	case effectReviewSchedules, effectReviewUnschedule:
		arg = k.due.Format("20060102")
	}
	return info.name + ":" + arg
}

// parseEffect reads a stored effect name back, its dates in loc; kind is effectUnknown for a
// name Intake does not know.
func parseEffect(name string, loc *time.Location) effectKey {
	head, arg, hasArg := strings.Cut(name, ":")
	for kind, info := range effectKinds {
		if info.args && (!hasArg || info.name != head) || !info.args && info.name != name {
			continue
		}
		k := effectKey{kind: kind}
		var err error
		switch kind {
		case effectFollowUpNotice:
			k.n, err = strconv.Atoi(arg)
		case effectLetter, effectReminder:
			k.name = arg
		case effectStageSchedules, effectStageUnschedule:
			stage, day, ok := strings.Cut(arg, "-")
			k.stage = Stage(stage)
			if k.due, err = time.ParseInLocation("20060102", day, loc); !ok {
				k.unreadable = true
			}
		case effectReviewSchedules, effectReviewUnschedule:
			k.due, err = time.ParseInLocation("20060102", arg, loc)
		}
		k.unreadable = k.unreadable || err != nil
		return k
	}
	return effectKey{}
}

// rankOf is the rank of the named effect in the order Pending lists them.
func rankOf(name string) int {
	if k := parseEffect(name, time.UTC); k.kind != effectUnknown {
		return effectKinds[k.kind].rank
	}
	return 2
}

// isScheduling reports whether the named effect makes or cancels reminders rather than sending
// a letter.
func isScheduling(name string) bool {
	return effectKinds[parseEffect(name, time.UTC).kind].scheduling
}

// isReminder reports whether the named effect records a fired reminder.
func isReminder(name string) bool { return parseEffect(name, time.UTC).kind == effectReminder }

// effectMetric is the kind of the named effect as the failure metric names it: its name up to
// any colon.
func effectMetric(name string) string {
	kind, _, _ := strings.Cut(name, ":")
	return kind
}

// perform does one side effect of c and says what became of it. done holds the outcomes of the
// effects done before it in this run.
func (s *Service) perform(ctx context.Context, c *Case, name string, done map[string]Effect) Effect {
	k := parseEffect(name, s.Calendar.Location())
	if do := effectKinds[k.kind].onCase; do != nil {
		return do(s, ctx, c, k, done)
	}
	return Effect{State: EffectFailed, Reason: "Intake does not know how to carry out " + name}
}

// performRestriction does one side effect of restriction r.
func (s *Service) performRestriction(ctx context.Context, r *Restriction, name string) Effect {
	k := parseEffect(name, s.Calendar.Location())
	if do := effectKinds[k.kind].onRestriction; do != nil {
		return do(s, ctx, r, k)
	}
	return Effect{State: EffectFailed, Reason: "Intake does not know how to carry out " + name}
}

// EffectLine is a side effect of a case as a person reads it: what was sent, to whom and about
// what, never the ledger's name for it.
type EffectLine struct {
	// What is the kind of thing sent: "Letter", "Email", "Reminder".
	What string
	// To is the staff address it went to; empty for the resident.
	To string
	// About says what it was about: a letter's subject, a reminder's purpose ("due soon").
	About string
}

// reminderPurposes are a reminder's purposes as its line reads them.
var reminderPurposes = map[Purpose]string{
	PurposeWarning:  "due soon",
	PurposeDue:      "due today",
	PurposeOverdue:  "overdue",
	PurposeAckCheck: "no acknowledgement could be sent",
	PurposeReview:   "review due",
}

// DescribeEffect says in words what the named effect of c is. ok is false for the ledger's own
// bookkeeping (making and cancelling reminders), which a person need not see.
func (c *Case) DescribeEffect(name string) (line EffectLine, ok bool) {
	k := parseEffect(name, time.UTC)
	switch k.kind {
	case effectAcknowledge:
		return EffectLine{What: "Acknowledgement", About: "we have received your feedback"}, true
	case effectAssign:
		return EffectLine{What: "Email", To: c.AssignedTo, About: "a case assigned to you"}, true
	case effectBounceNotice:
		return EffectLine{What: "Email", To: c.AssignedTo, About: "mail to the resident could not be delivered"}, true
	case effectFollowUpNotice:
		return EffectLine{What: "Email", To: c.AssignedTo, About: "the resident wrote again"}, true
	case effectLetter:
		for _, l := range c.Letters {
			if l.Name == k.name && l.Staff {
				return EffectLine{What: "Email", To: l.To, About: l.Subject}, true
			} else if l.Name == k.name {
				return EffectLine{What: "Letter", About: l.Subject}, true
			}
		}
		return EffectLine{What: "Letter"}, true
	case effectReminder:
		line := EffectLine{What: "Reminder", To: c.AssignedTo, About: "a reminder"}
		for p, words := range reminderPurposes {
			if strings.Contains("-"+k.name+"-", "-"+string(p)+"-") {
				line.About = words
			}
		}
		for _, st := range c.Stages {
			if st.Handler != "" && strings.Contains(k.name, "-"+string(st.Stage)+"-") {
				line.To = st.Handler // the stage has been answered since: it was its handler's
			}
		}
		return line, true
	}
	return EffectLine{}, false
}
