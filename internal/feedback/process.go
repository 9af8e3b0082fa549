package feedback

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"
)

// MaxAttempts bounds the transient failures of one side effect. After that many the effect is
// marked failed, so that the officer is told and nothing stays pending for ever.
const MaxAttempts = 10

// ackWindow is the period over which AckLimit counts acknowledgements to one address.
const ackWindow = 24 * time.Hour

// errNothingToClaim ends a claim's update without writing: every effect asked for is settled
// or held by another worker, or the reminder no longer applies.
var errNothingToClaim = errors.New("nothing to claim")

// claimable reports whether a new claim may be made on e at now.
func (s *Service) claimable(e Effect, now time.Time) bool {
	switch {
	case e.Settled():
		return false
	case e.ClaimedBy == "":
		return true
	case s.Workers.SoleProcess && !s.ownedHere(e.ClaimedBy):
		return true // its process died: nobody else uses the store
	}
	return !now.Before(e.ClaimedUntil)
}

// claim marks the named effects (those of pick's choice that are free) as being done by owner,
// in one conditional write. It returns the effects claimed and the case as written, or none if
// nothing was free. known, if not nil, is the case as the caller last saw it, which saves the
// store a read when it is still current (see Store.UpdateFrom).
func (s *Service) claim(ctx context.Context, ref string, known *Case, owner string, pick func(*Case) []string) ([]string, *Case, error) {
	now := s.Clock.Now()
	var names []string
	fn := func(c *Case) error {
		if c.Effects == nil {
			c.Effects = Effects{}
		}
		if names = s.claimIn(c.Effects, pick(c), owner, now); len(names) == 0 {
			return errNothingToClaim
		}
		return nil
	}
	var c *Case
	var err error
	if known != nil {
		c, err = s.Store.UpdateFrom(ctx, known, fn)
	} else {
		c, err = s.Store.Update(ctx, ref, fn)
	}
	if errors.Is(err, errNothingToClaim) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return names, c, nil
}

// settle records what became of each claimed effect, in one write, and drops owner's claims.
// An outcome still EffectToDo was a transient failure: its attempt is counted and the effect is
// left for another try, or failed for good after MaxAttempts. An effect another worker settled
// meanwhile keeps that worker's outcome. claimed is the case as the claim wrote it: unless
// someone wrote since, the stamp needs no read.
func (s *Service) settle(ctx context.Context, claimed *Case, owner string, outcomes map[string]Effect) (*Case, error) {
	now := s.Clock.Now()
	return s.Store.UpdateFrom(ctx, claimed, func(c *Case) error {
		if c.Effects == nil {
			c.Effects = Effects{}
		}
		settleIn(c.Effects, owner, outcomes, now)
		noticeLateAckFailure(c, outcomes)
		c.UpdatedAt = now
		return nil
	})
}

// noticeLateAckFailure queues the notice that asks the officer to reach the resident another
// way when the acknowledgement has failed for good and an assignment email may have gone before
// that was known, saying it was still being sent: the assignment was done in an earlier run than
// the acknowledgement's failure, or an earlier try of it failed in a way that may have sent it
// (an answer or a stamp lost; a mailer that deduplicates then keeps that first letter).
// Otherwise nobody might ever learn that the resident was not acknowledged.
func noticeLateAckFailure(c *Case, outcomes map[string]Effect) {
	_, ackNow := outcomes[EffectAcknowledgement]
	_, assignNow := outcomes[EffectAssignment]
	assign := c.Effects[EffectAssignment]
	mayHaveGoneBefore := assign.Attempts > 0 || !assignNow
	if (ackNow || assignNow) && mayHaveGoneBefore && c.Effects[EffectAcknowledgement].State == EffectFailed &&
		assign.State == EffectDone && !c.Effects.has(bounceEffect) {
		c.Effects[bounceEffect] = Effect{}
	}
}

// claimIn claims for owner, in es, those of names that are free at now, and returns them. Cases
// and restrictions keep their ledgers alike and claim through this.
func (s *Service) claimIn(es Effects, names []string, owner string, now time.Time) []string {
	var claimed []string
	for _, n := range names {
		e := es[n]
		if !s.claimable(e, now) {
			continue
		}
		if e.ClaimedBy != "" {
			// Taking over a claim never stamped: that try failed (its worker died or its
			// stamp was lost), and it may have done the effect; it counts as an attempt.
			e.Attempts++
		}
		e.ClaimedBy, e.ClaimedUntil = owner, now.Add(s.lease())
		es[n] = e
		claimed = append(claimed, n)
	}
	return claimed
}

// settleIn stamps the outcomes of owner's claimed effects into es at now. A settled outcome is
// recorded even if the claim has lapsed meanwhile (the thing was done); a failure counts an
// attempt and, at MaxAttempts, gives up. owner's claims are released.
func settleIn(es Effects, owner string, outcomes map[string]Effect, now time.Time) {
	for name, out := range outcomes {
		cur := es[name]
		if cur.Settled() {
			continue
		}
		if cur.ClaimedBy == owner {
			cur.ClaimedBy, cur.ClaimedUntil = "", time.Time{}
		}
		if out.Settled() {
			cur.State, cur.At, cur.Reason, cur.MessageID = out.State, now, out.Reason, out.MessageID
			cur.ClaimedBy, cur.ClaimedUntil = "", time.Time{}
		} else {
			cur.Attempts++
			cur.Reason = out.Reason
			if cur.Attempts >= MaxAttempts {
				cur.State, cur.At = EffectFailed, now
				cur.Reason = fmt.Sprintf("gave up after %d attempts; the last failure: %s", cur.Attempts, out.Reason)
				cur.ClaimedBy, cur.ClaimedUntil = "", time.Time{}
			}
		}
		es[name] = cur
	}
}

// intakeEffects picks the case's unsettled effects other than reminders, which Remind and
// SweepReminders own.
func intakeEffects(c *Case) []string {
	var out []string
	for _, n := range c.Effects.Pending() {
		if !isReminder(n) {
			out = append(out, n)
		}
	}
	return out
}

// Process carries out the case's side effects that are not yet settled: the acknowledgement
// to the sender, the assignment email to the owning officer and the deadline reminders. Each
// is claimed, done and stamped (see Effects), so that a redelivered trigger, or a sweep running
// beside the stream, does nothing twice. One effect failing never stops the others: a permanent
// failure is recorded with its reason (and the officer's email says so), a transient one is
// left to be retried and reported as Process's error.
func (s *Service) Process(ctx context.Context, ref string) error {
	return s.process(ctx, ref, nil)
}

// ProcessCase is Process for a case the caller holds already, as read from the store or the
// table's stream: if it is still the stored version, claiming its effects needs no read.
func (s *Service) ProcessCase(ctx context.Context, c *Case) error {
	return s.process(ctx, c.Ref, c)
}

func (s *Service) process(ctx context.Context, ref string, known *Case) error {
	owner, names, c, held, err := s.claimIntake(ctx, ref, known)
	if err != nil {
		return fmt.Errorf("process %s: claim side effects: %w", ref, err)
	}
	if len(names) == 0 {
		return s.resumeAfter(ctx, ref, held)
	}
	outcomes := s.performAll(ctx, c, names)
	var failed []string
	for _, name := range names {
		out := outcomes[name]
		s.countEffect(ctx, name, out)
		switch out.State {
		case EffectToDo:
			failed = append(failed, name+": "+out.Reason)
			s.log().WarnContext(ctx, "side effect failed; it will be retried", "ref", ref, "effect", name, "reason", out.Reason)
		case EffectFailed:
			s.log().WarnContext(ctx, "side effect failed for good", "ref", ref, "effect", name, "reason", out.Reason)
		}
	}
	if _, err := s.settle(ctx, c, owner, outcomes); err != nil {
		return fmt.Errorf("process %s: record side effects: %w", ref, err)
	}
	if len(failed) > 0 {
		return Errorf(EUNAVAILABLE, "process %s: %s", ref, strings.Join(failed, "; "))
	}
	return nil
}

// performAll does the named effects of c and returns their outcomes. Letters go one after
// another, in order (the assignment says whether the acknowledgement went); the reminders are
// made or cancelled beside them, since neither waits for the other, so that a case's side
// effects take as long as its letters rather than its letters and its reminders in turn.
func (s *Service) performAll(ctx context.Context, c *Case, names []string) map[string]Effect {
	var letters, scheduling []string
	for _, name := range names {
		if isScheduling(name) {
			scheduling = append(scheduling, name)
		} else {
			letters = append(letters, name)
		}
	}
	scheduled := make(map[string]Effect, len(scheduling))
	var wg sync.WaitGroup
	if len(scheduling) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, name := range scheduling {
				scheduled[name] = s.perform(ctx, c, name, nil)
			}
		}()
	}
	outcomes := make(map[string]Effect, len(names))
	for _, name := range letters {
		outcomes[name] = s.perform(ctx, c, name, outcomes)
	}
	wg.Wait()
	maps.Copy(outcomes, scheduled)
	return outcomes
}

// claimIntake claims the case's unsettled intake effects for a fresh owner, or takes over, with
// no write, those Submit claimed as it stored the case (see Handoff) while they hold. When it
// claims nothing, held is when the last live claim of another worker on them ends (zero if none).
func (s *Service) claimIntake(ctx context.Context, ref string, known *Case) (owner string, names []string, c *Case, held time.Time, err error) {
	if owner, ok := s.Workers.Handoff.take(ref); ok {
		if names, c := s.handedOver(ctx, ref, known, owner); len(names) > 0 {
			return owner, names, c, time.Time{}, nil
		}
	}
	owner = s.owner()
	names, c, err = s.claim(ctx, ref, known, owner, func(c *Case) []string {
		held = s.heldElsewhere(c)
		return intakeEffects(c)
	})
	return owner, names, c, held, err
}

// handedOver returns the intake effects of the case (known, or else read) that owner claimed as
// Submit stored it and still holds at now, with the case; none if the case cannot be read.
func (s *Service) handedOver(ctx context.Context, ref string, known *Case, owner string) ([]string, *Case) {
	c := known
	if c == nil {
		var err error
		if c, err = s.Store.Get(ctx, ref); err != nil {
			return nil, nil
		}
	}
	now := s.Clock.Now()
	var names []string
	for _, n := range intakeEffects(c) {
		if e := c.Effects[n]; e.ClaimedBy == owner && now.Before(e.ClaimedUntil) {
			names = append(names, n)
		}
	}
	return names, c
}

// countEffect records the metrics of an effect's outcome: acknowledgements sent or not, and
// failures by kind of effect (the part of its name before any colon).
func (s *Service) countEffect(ctx context.Context, name string, out Effect) {
	if name == EffectAcknowledgement {
		switch out.State {
		case EffectDone:
			s.count(ctx, MetricAcknowledgementsSent, nil)
		case EffectSkipped, EffectFailed:
			s.count(ctx, MetricAcknowledgementsNotSent, map[string]string{"Outcome": string(out.State)})
		}
	}
	if out.State == EffectToDo || out.State == EffectFailed {
		s.count(ctx, MetricSideEffectFailures, map[string]string{"Effect": effectMetric(name)})
	}
}

// assign sends the assignment email, saying what became of the acknowledgement (done in this
// run, or before).
func (s *Service) assign(ctx context.Context, c *Case, k effectKey, done map[string]Effect) Effect {
	ack, ok := done[EffectAcknowledgement]
	if !ok {
		ack = c.Effects[EffectAcknowledgement]
	}
	return s.send(ctx, s.assignmentEmail(c, ack), c.Ref, k.String())
}

func (s *Service) acknowledge(ctx context.Context, c *Case) Effect {
	if c.Contact.Email == "" {
		return Effect{State: EffectSkipped, Reason: "there is no email address to reply to"}
	}
	// A try after one that failed may follow one that sent the acknowledgement and took its
	// quota a window ago (its stamp lost): it is not a new acknowledgement, so the limit, a guard
	// against floods, is not asked again, lest the case record as skipped a letter that went.
	if s.AckLimit > 0 && c.Effects[EffectAcknowledgement].Attempts == 0 {
		ok, err := s.Store.TakeQuota(ctx, "ack:"+digest(c.Contact.Email), c.Ref, s.AckLimit, ackWindow)
		if err != nil {
			return Effect{Reason: "could not check the acknowledgement limit: " + ErrorMessage(err)}
		}
		if !ok {
			return Effect{State: EffectSkipped, Reason: fmt.Sprintf(
				"%d acknowledgements have already been sent to this address in the last 24 hours", s.AckLimit)}
		}
	}
	return s.send(ctx, s.acknowledgementEmail(c), c.Ref, EffectAcknowledgement)
}

// send sends m as the named effect of case ref, and classifies a failure: a refusal that will
// never change (EINVALID, EFORBIDDEN) fails the effect for good; anything else is transient.
func (s *Service) send(ctx context.Context, m Message, ref, effect string) Effect {
	m.Key = ref + "/" + effect
	m.MessageID = s.LetterMessageID(ref, effect)
	id, err := s.Mailer.Send(ctx, m)
	if err != nil {
		return failure(err, "the email could not be sent")
	}
	return Effect{State: EffectDone, MessageID: id}
}

func (s *Service) schedule(ctx context.Context, c *Case) Effect {
	if s.Scheduler == nil {
		return Effect{Reason: "no scheduler is configured"}
	}
	return s.scheduleAll(ctx, s.Reminders(c))
}

// scheduleAll makes the reminders side by side (a scheduler that groups its writes, as the
// local one does, then commits them together) and reports the first failure, in their order.
func (s *Service) scheduleAll(ctx context.Context, rs []Reminder) Effect {
	rs = worthScheduling(rs, s.Clock.Now())
	errs := make([]error, len(rs))
	var wg sync.WaitGroup
	for i, r := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Scheduler.Schedule(ctx, r)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return failure(err, "the reminder "+string(rs[i].Purpose)+" could not be scheduled")
		}
	}
	return Effect{State: EffectDone}
}

// sendLetter sends a letter written when the officer acted. A letter to a resident with no
// email address is skipped, with the reason, for the officer to post.
func (s *Service) sendLetter(ctx context.Context, c *Case, k effectKey) Effect {
	l, ok := c.letter(k.name)
	switch {
	case !ok:
		return Effect{State: EffectFailed, Reason: "the letter is not on the case"}
	case l.ByPost:
		return Effect{State: EffectSkipped, Reason: "the officer sent it by post"}
	case l.To == "":
		return Effect{State: EffectSkipped, Reason: "there is no email address: send it by post"}
	}
	auto, replyTo := autoGenerated, s.replyAddress(c.Ref)
	if l.Staff {
		replyTo = ""
	}
	m := Message{
		From: s.Council.From, To: []string{l.To}, ReplyTo: replyTo, Subject: l.Subject,
		Headers: map[string]string{"Auto-Submitted": auto, "X-Auto-Response-Suppress": "All"},
		Text:    l.Text, HTML: l.HTML,
	}
	if l.InReplyTo != "" {
		m.Headers["In-Reply-To"] = "<" + l.InReplyTo + ">"
		m.Headers["References"] = "<" + l.InReplyTo + ">"
	}
	return s.send(ctx, m, c.Ref, k.String())
}

// scheduleStage creates the reminders of a stage due on a date, unless the case has moved on
// since (a later change's effects cancel and replace them).
func (s *Service) scheduleStage(ctx context.Context, c *Case, k effectKey) Effect {
	stage, due := k.stage, k.due
	switch {
	case k.unreadable:
		return Effect{State: EffectFailed, Reason: "the schedules' stage and date cannot be read"}
	case c.Status != StatusOpen || c.Stage != stage || !s.Calendar.Date(c.RespondBy).Equal(due):
		return Effect{State: EffectSkipped, Reason: "superseded: the case's stage or due date has changed since"}
	case s.Scheduler == nil:
		return Effect{Reason: "no scheduler is configured"}
	}
	return s.scheduleAll(ctx, s.stageReminders(c.Ref, stage, c.RespondBy))
}

// unscheduleStage cancels the reminders of a stage due on a date that no longer holds.
func (s *Service) unscheduleStage(ctx context.Context, c *Case, k effectKey) Effect {
	stage, due := k.stage, k.due
	switch {
	case k.unreadable:
		return Effect{State: EffectFailed, Reason: "the schedules' stage and date cannot be read"}
	case s.Scheduler == nil:
		return Effect{Reason: "no scheduler is configured"}
	}
	for _, r := range s.stageReminders(c.Ref, stage, due) {
		if err := s.Scheduler.Cancel(ctx, r.Name); err != nil {
			return failure(err, "the reminder "+string(r.Purpose)+" could not be cancelled")
		}
	}
	return Effect{State: EffectDone}
}

// unscheduleAckCheck cancels the acknowledgement check of a case closed before it fired, so
// that no schedule is left pointing at a closed case (it would fire and find nothing to do).
func (s *Service) unscheduleAckCheck(ctx context.Context, c *Case) Effect {
	if s.Scheduler == nil {
		return Effect{Reason: "no scheduler is configured"}
	}
	if err := s.Scheduler.Cancel(ctx, ReminderName(c.Ref, StageNone, PurposeAckCheck)); err != nil {
		return failure(err, "the acknowledgement check could not be cancelled")
	}
	return Effect{State: EffectDone}
}

// failure turns an adapter's error into an effect's outcome. The reason quotes only the
// domain error's message, which never holds personal data, or the code of anything else.
func failure(err error, what string) Effect {
	switch code := ErrorCode(err); code {
	case EINVALID, EFORBIDDEN:
		return Effect{State: EffectFailed, Reason: what + ": " + ErrorMessage(err)}
	case EUNAVAILABLE:
		return Effect{Reason: what + ": " + ErrorMessage(err)}
	default:
		return Effect{Reason: what + " (" + code + " error)"}
	}
}

// ProcessPending carries out the outstanding side effects of every pending case, so that a
// crash between storing a case and emailing about it loses nothing. It returns the first error
// after trying every case.
func (s *Service) ProcessPending(ctx context.Context) error {
	cases, err := s.Store.ListPending(ctx)
	if err != nil {
		return fmt.Errorf("process pending: %w", err)
	}
	var first error
	today := s.Calendar.Date(s.Clock.Now())
	overdue := 0
	for _, c := range cases {
		if c.Effects.has(EffectAcknowledgement) && !c.Effects[EffectAcknowledgement].Settled() && s.Calendar.Date(c.AcknowledgeBy).Before(today) {
			overdue++ // a resident waiting past the promise, whatever the reason
		}
		if err := s.ProcessCase(ctx, c); err != nil {
			s.log().ErrorContext(ctx, "side effects failed; will retry", "ref", c.Ref, "err", err)
			if first == nil {
				first = err
			}
		}
	}
	if s.Metrics != nil {
		// Every sweep reports the figure, zero included, so that its alarm always has data.
		s.Metrics.Add(ctx, MetricAcknowledgementsOverdue, float64(overdue), nil)
	}
	return first
}
