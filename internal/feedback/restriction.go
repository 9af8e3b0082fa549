package feedback

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Restrictions on contact with unreasonably persistent complainants (Appendix 4 of the
// councils' policy): what is restricted for whom, why, decided by whom and when, reviewed at
// least every six months, with the person told in writing each time. A restriction never stops
// a message from being taken in: intake stores and screens it like any other, and only routes,
// flags and (if the restriction says so) does not acknowledge it.

// RestrictionType is one of the restriction options of Appendix 4.
type RestrictionType string

// The restriction options.
const (
	RestrictNamedOfficer   RestrictionType = "named_officer_only"
	RestrictWrittenOnly    RestrictionType = "written_only"
	RestrictPhoneTimes     RestrictionType = "phone_times"
	RestrictNoAck          RestrictionType = "no_acknowledgement"
	RestrictWitness        RestrictionType = "witness"
	RestrictCouncilOffices RestrictionType = "council_offices_only"
)

// restrictionWording says what each option means, as the letter to the person puts it.
var restrictionWording = map[RestrictionType]string{
	RestrictNamedOfficer:   "you should contact us through one named officer only",
	RestrictWrittenOnly:    "you should contact us in writing only (by letter or email)",
	RestrictPhoneTimes:     "you may telephone us only at set times",
	RestrictNoAck:          "we will not acknowledge further contact",
	RestrictWitness:        "a witness will be present at any meeting with you",
	RestrictCouncilOffices: "meetings with you will take place only at the council's offices",
}

// RestrictionTypes are the restriction options, in the policy's order.
var RestrictionTypes = []RestrictionType{RestrictWrittenOnly, RestrictNamedOfficer, RestrictPhoneTimes, RestrictWitness,
	RestrictNoAck, RestrictCouncilOffices}

// Label says what the option restricts, for the staff who choose it.
func (t RestrictionType) Label() string {
	switch t {
	case RestrictNamedOfficer:
		return "Contact through one named officer only"
	case RestrictWrittenOnly:
		return "Contact in writing only (letter or email)"
	case RestrictPhoneTimes:
		return "Telephone calls at set times only"
	case RestrictNoAck:
		return "Further contact not acknowledged (on a topic, or at all)"
	case RestrictWitness:
		return "A witness at any meeting"
	case RestrictCouncilOffices:
		return "Meetings at the council's offices only"
	}
	return string(t)
}

// RestrictionStatus is whether a restriction is in force.
type RestrictionStatus string

// The restriction statuses.
const (
	RestrictionActive RestrictionStatus = "active"
	RestrictionLifted RestrictionStatus = "lifted"
)

// Review decisions.
const (
	ReviewContinue = "continue"
	ReviewVary     = "vary"
	ReviewLift     = "lift"
)

// maxReviewMonths is the longest a restriction may go without review (Appendix 4: "at least
// every six months").
const maxReviewMonths = 6

// reviewWarningWorkingDays is how long before review_by the deciding officer and the
// complaints team are warned.
const reviewWarningWorkingDays = 10

// Restriction is one entry of the restrictions register.
type Restriction struct {
	ID string `json:"id"`
	// Contacts are the person's identities, normalised: email addresses, telephone numbers
	// (digits, with a leading + if given) and platform:handle. An admin links several.
	Contacts []string          `json:"contacts"`
	Types    []RestrictionType `json:"types"`
	// Topic, when set, limits no_acknowledgement to messages about it.
	Topic string `json:"topic,omitempty"`
	// PhoneTimes says when the person may telephone (for phone_times).
	PhoneTimes   string `json:"phone_times,omitempty"`
	Reason       string `json:"reason"`
	DecidedBy    string `json:"decided_by"`
	NamedOfficer string `json:"named_officer,omitempty"`
	// Scope lists the references the restriction covers; empty means all contact.
	Scope     []string          `json:"scope,omitempty"`
	DecidedOn time.Time         `json:"decided_on"`
	ReviewBy  time.Time         `json:"review_by"`
	Status    RestrictionStatus `json:"status"`
	LiftedOn  time.Time         `json:"lifted_on,omitzero"`
	// History keeps every decision: made, continued, varied, lifted.
	History []Event  `json:"history,omitempty"`
	Letters []Letter `json:"letters,omitempty"`
	Effects Effects  `json:"effects,omitempty"`
	// ExpiresAt is when the record is destroyed: RetainRestrictionYears after it is lifted.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version"`
}

// RestrictionStore keeps the register. Implementations: internal/boltstore and internal/dynamo,
// both held to internal/feedback/storetest (RunRestrictions).
type RestrictionStore interface {
	// CreateRestriction writes a new restriction, or ECONFLICT if its id is taken.
	CreateRestriction(ctx context.Context, r *Restriction) error
	// GetRestriction returns the restriction, or ENOTFOUND (also once it has expired).
	GetRestriction(ctx context.Context, id string) (*Restriction, error)
	// UpdateRestriction applies fn and writes the result unless someone else wrote between;
	// it retries fn on a lost race. The id never changes.
	UpdateRestriction(ctx context.Context, id string, fn func(*Restriction) error) (*Restriction, error)
	// ListRestrictions returns every restriction not yet expired, oldest decision first.
	ListRestrictions(ctx context.Context) ([]*Restriction, error)
}

// Expired reports whether the record has passed its retention end at now.
func (r *Restriction) Expired(now time.Time) bool { return expired(r.ExpiresAt, now) }

// ReviewDate returns the date a restriction decided on decidedOn must be reviewed by: months
// later, on the same day of the month or, where that month is shorter, its last day, so that it
// is never later than months after the decision.
func ReviewDate(decidedOn time.Time, months int) time.Time {
	y, m, d := decidedOn.Date()
	first := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, decidedOn.Location())
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(d, last), 0, 0, 0, 0, decidedOn.Location())
}

// NewRestriction is what an admin decides.
type NewRestriction struct {
	Contacts     []string
	Types        []RestrictionType
	Topic        string
	PhoneTimes   string
	Reason       string
	DecidedBy    string
	DecidedOn    time.Time // zero: today
	NamedOfficer string
	Scope        []string // empty: all contact
}

func (s *Service) restrictionStore() (RestrictionStore, error) {
	if s.Restrictions == nil {
		return nil, noRegister("restrictions")
	}
	return s.Restrictions, nil
}

func checkTypes(types []RestrictionType) error {
	if len(types) == 0 {
		return Invalid("types", "Choose at least one restriction")
	}
	for _, t := range types {
		if restrictionWording[t] == "" {
			return Invalid("types", "%q is not a restriction: choose from named_officer_only, written_only, phone_times, no_acknowledgement, witness and council_offices_only", string(t))
		}
	}
	return nil
}

// Restrict enters a restriction in the register (the complaints team only). Its review date is
// ReviewMonths after the decision; the person is written to, and the review reminders are
// scheduled, as its side effects (ProcessRestriction).
func (s *Service) Restrict(ctx context.Context, who StaffMember, n NewRestriction) (*Restriction, error) {
	if err := registerAdmin(s.Restrictions != nil, "restrictions", who, "Only the complaints team decides restrictions."); err != nil {
		return nil, err
	}
	store := s.Restrictions
	contacts, err := normalizeContacts(n.Contacts)
	if err != nil {
		return nil, err
	}
	if err := checkTypes(n.Types); err != nil {
		return nil, err
	}
	if err := cleanText("reason", &n.Reason, true); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	today := s.Calendar.Date(now)
	decider, decided, err := s.decision(who, n.DecidedBy, n.DecidedOn, today)
	if err != nil {
		return nil, err
	}
	named := ""
	if slices.Contains(n.Types, RestrictNamedOfficer) {
		m, ok := s.Staff.Lookup(n.NamedOfficer)
		if !ok {
			return nil, Invalid("named_officer", "Name the officer, a member of staff Intake knows, through whom contact goes")
		}
		named = m.Email
	}
	for i, ref := range n.Scope {
		if !s.Policy.MatchesReference(strings.TrimSpace(ref)) {
			return nil, Invalid("scope", "Scope must be \"all\" or a list of references such as %s", s.Policy.Reference(today.Year(), 1))
		}
		n.Scope[i] = strings.TrimSpace(ref)
	}
	r := &Restriction{
		Contacts: contacts, Types: n.Types,
		Topic: strings.TrimSpace(n.Topic), PhoneTimes: strings.TrimSpace(n.PhoneTimes), Reason: strings.TrimSpace(n.Reason),
		DecidedBy: decider, NamedOfficer: named, Scope: n.Scope, DecidedOn: decided,
		ReviewBy: ReviewDate(decided, s.ReviewMonths()), Status: RestrictionActive,
		CreatedAt: now, UpdatedAt: now, Effects: Effects{},
	}
	if prior, found, err := sameDecision(ctx, store, r); err != nil || found {
		return prior, err
	}
	if r.ID, err = s.registerID(ctx, "restriction", "RS", now); err != nil {
		return nil, fmt.Errorf("restrict: allocate an id: %w", err)
	}
	r.History = append(r.History, Event{At: now, By: who.Email, Action: "restriction made", Detail: r.describe(), Reason: r.Reason})
	s.restrictionLetter(r, now, "made")
	r.Effects[reviewSchedulesEffect(r.ReviewBy)] = Effect{}
	if err := store.CreateRestriction(ctx, r); err != nil {
		return nil, fmt.Errorf("restrict: %w", err)
	}
	s.log().Info("restriction made", "id", r.ID, "review_by", r.ReviewBy.Format(time.DateOnly))
	return r, nil
}

// sameDecision returns the active restriction that records the decision r records (the same
// person, restrictions, reason, scope, decider and day), if there is one. A decision sent again because
// its answer was lost is then answered with the restriction it made, rather than making a
// second one and writing to the person twice. (Two sends at the same instant can still both
// make one: the register has no key to make the check and the write one.)
func sameDecision(ctx context.Context, store RestrictionStore, r *Restriction) (*Restriction, bool, error) {
	all, err := store.ListRestrictions(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("restrict: read the register: %w", err)
	}
	for _, p := range all {
		if p.Status == RestrictionActive && slices.Equal(p.Contacts, r.Contacts) && slices.Equal(p.Types, r.Types) &&
			p.Topic == r.Topic && p.PhoneTimes == r.PhoneTimes && p.Reason == r.Reason && p.DecidedBy == r.DecidedBy &&
			p.NamedOfficer == r.NamedOfficer && slices.Equal(p.Scope, r.Scope) && p.DecidedOn.Equal(r.DecidedOn) {
			return p, true, nil
		}
	}
	return nil, false, nil
}

// ReviewMonths is the months between reviews of a restriction: the policy's, at most maxReviewMonths.
func (s *Service) ReviewMonths() int {
	if m := s.Policy.RestrictionReviewMonths; m > 0 && m <= maxReviewMonths {
		return m
	}
	return maxReviewMonths
}

// ReviewRestriction records a review (the complaints team only): continue sets the next
// review date, vary changes the restrictions and sets it, lift ends the restriction and starts
// its retention period. The person is written to in every case.
func (s *Service) ReviewRestriction(ctx context.Context, who StaffMember, id, decision, notes string, types []RestrictionType) (*Restriction, error) {
	if err := registerAdmin(s.Restrictions != nil, "restrictions", who, "Only the complaints team reviews restrictions."); err != nil {
		return nil, err
	}
	store := s.Restrictions
	if err := cleanText("notes", &notes, true); err != nil {
		return nil, err
	}
	switch decision {
	case ReviewContinue, ReviewLift:
	case ReviewVary:
		if err := checkTypes(types); err != nil {
			return nil, err
		}
	default:
		return nil, Invalid("decision", "The decision must be continue, vary or lift")
	}
	now := s.Clock.Now()
	today := s.Calendar.Date(now)
	r, err := store.UpdateRestriction(ctx, id, func(r *Restriction) error {
		if r.Status != RestrictionActive {
			return Errorf(ECONFLICT, "Restriction %s was lifted already.", id)
		}
		if r.Effects == nil {
			r.Effects = Effects{}
		}
		// The reminders for the review date now passing are cancelled: lifted, or a new date.
		if old := r.ReviewBy; decision == ReviewLift || !s.Calendar.Date(ReviewDate(today, s.ReviewMonths())).Equal(s.Calendar.Date(old)) {
			r.Effects[reviewUnscheduleEffect(old)] = Effect{}
		}
		switch decision {
		case ReviewLift:
			r.Status, r.LiftedOn = RestrictionLifted, today
			r.ExpiresAt = today.AddDate(s.Policy.RetainRestrictionYears, 0, 0)
			r.History = append(r.History, Event{At: now, By: who.Email, Action: "restriction lifted", Reason: strings.TrimSpace(notes)})
			s.restrictionLetter(r, now, "lifted")
			return nil
		}
		if repeatedReview(r, decision, today, types) {
			return errRepeatedReview
		}
		switch decision {
		case ReviewVary:
			if slices.Contains(types, RestrictNamedOfficer) && r.NamedOfficer == "" {
				return Invalid("types", "A named-officer restriction needs its officer: make a new restriction instead")
			}
			r.Types = types
		}
		r.ReviewBy = ReviewDate(today, s.ReviewMonths())
		r.Effects[reviewSchedulesEffect(r.ReviewBy)] = Effect{}
		action := "restriction continued"
		if decision == ReviewVary {
			action = "restriction varied"
		}
		r.History = append(r.History, Event{At: now, By: who.Email, Action: action,
			Detail: r.describe() + "; next review by " + r.ReviewBy.Format(time.DateOnly), Reason: strings.TrimSpace(notes)})
		s.restrictionLetter(r, now, decision+"-"+today.Format("20060102"))
		return nil
	})
	if errors.Is(err, errRepeatedReview) {
		return store.GetRestriction(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// errRepeatedReview ends a review's update without writing: the same review was recorded today.
var errRepeatedReview = errors.New("the review is recorded already")

// repeatedReview reports whether r records the review already (the same decision today, to the
// same restrictions), as when a review is sent again because its answer was lost: recording it
// again would write to the person again.
func repeatedReview(r *Restriction, decision string, today time.Time, types []RestrictionType) bool {
	name := "restriction-" + decision + "-" + today.Format("20060102")
	for _, l := range r.Letters {
		if l.Name == name {
			return decision != ReviewVary || slices.Equal(r.Types, types)
		}
	}
	return false
}

// ListRestrictions returns the register (the complaints team only).
func (s *Service) ListRestrictions(ctx context.Context, who StaffMember) ([]*Restriction, error) {
	if err := registerAdmin(s.Restrictions != nil, "restrictions", who, "Only the complaints team reads the restrictions register."); err != nil {
		return nil, err
	}
	store := s.Restrictions
	return store.ListRestrictions(ctx)
}

// describe lists the restriction's options in plain English.
func (r *Restriction) describe() string {
	var parts []string
	for _, t := range r.Types {
		parts = append(parts, string(t))
	}
	d := strings.Join(parts, ", ")
	if r.NamedOfficer != "" {
		d += " (officer " + r.NamedOfficer + ")"
	}
	if r.Topic != "" {
		d += " (topic: " + r.Topic + ")"
	}
	return d
}

// email returns the first email address among the person's identities, or "".
func (r *Restriction) email() string {
	for _, c := range r.Contacts {
		if strings.Contains(c, "@") && !strings.Contains(c, ":") {
			return c
		}
	}
	return ""
}

// restrictionLetter writes the letter telling the person about a decision, kept on the record
// and sent as its side effect: what is restricted, why, for how long, when it will be reviewed,
// and how to complain to the Ombudsman about it.
func (s *Service) restrictionLetter(r *Restriction, now time.Time, name string) {
	var paras []string
	subject := "Restrictions on your contact with us"
	if r.Status == RestrictionLifted {
		subject = "The restrictions on your contact with us have ended"
		paras = append(paras, fmt.Sprintf("We have reviewed the restrictions we placed on your contact with us on %s. They have ended today: you may contact us in any way again.", LongDate(r.DecidedOn)))
	} else {
		var what []string
		for _, t := range r.Types {
			w := restrictionWording[t]
			switch {
			case t == RestrictNamedOfficer && r.NamedOfficer != "":
				w += " (" + r.NamedOfficer + ")"
			case t == RestrictPhoneTimes && r.PhoneTimes != "":
				w += " (" + r.PhoneTimes + ")"
			case t == RestrictNoAck && r.Topic != "":
				w += " about " + r.Topic
			}
			what = append(what, "- "+w)
		}
		scope := "This applies to all your contact with us."
		if len(r.Scope) > 0 {
			scope = "This applies to your contact with us about " + strings.Join(r.Scope, ", ") + "."
		}
		paras = append(paras,
			"We have decided to restrict how you contact us, under our policy on unreasonably persistent complaints. From now on:\n"+strings.Join(what, "\n"),
			"Why: "+r.Reason,
			scope+" We will still read everything you send us, and a new complaint about a new matter will be dealt with in the usual way.",
			fmt.Sprintf("How long: until we review this decision, which we will do by %s, and at least every six months after that. We will write to you with the outcome of every review.", LongDate(r.ReviewBy)),
			"If you think we have treated you unfairly, you can complain to the Local Government and Social Care Ombudsman: www.lgo.org.uk, telephone 0300 061 0614.")
	}
	l := lifecycleLetter{Ref: r.ID, Council: s.Council, Paras: paras}
	r.Letters = append(r.Letters, Letter{Name: "restriction-" + name, At: now, To: r.email(), Subject: subject + " (" + r.ID + ")",
		Text: render(residentLetterText, l, false), HTML: render(residentLetterHTML, l, true)})
	r.Effects[LetterEffect("restriction-"+name)] = Effect{}
}

// restrictionEffects picks the restriction's unsettled effects other than its review
// reminders, which remindReview owns (as intakeEffects leaves a case's reminders to Remind): a
// reminder whose stamp was lost is not a letter this ledger knows how to send.
func restrictionEffects(r *Restriction) []string {
	var out []string
	for _, n := range r.Effects.Pending() {
		if !isReminder(n) {
			out = append(out, n)
		}
	}
	return out
}

// ProcessRestriction carries out a restriction's outstanding side effects (its letters to the
// person and its review schedules) with the same claim, do, stamp ledger as a case's.
func (s *Service) ProcessRestriction(ctx context.Context, id string) error {
	store, err := s.restrictionStore()
	if err != nil {
		return err
	}
	owner := s.owner()
	now := s.Clock.Now()
	var names []string
	r, err := store.UpdateRestriction(ctx, id, func(r *Restriction) error {
		if names = s.claimIn(r.Effects, restrictionEffects(r), owner, now); len(names) == 0 {
			return errNothingToClaim
		}
		return nil
	})
	if errors.Is(err, errNothingToClaim) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("process restriction %s: %w", id, err)
	}
	outcomes := map[string]Effect{}
	for _, n := range names {
		outcomes[n] = s.performRestriction(ctx, r, n)
	}
	return s.settleRestriction(ctx, id, owner, outcomes)
}

func (s *Service) settleRestriction(ctx context.Context, id, owner string, outcomes map[string]Effect) error {
	now := s.Clock.Now()
	_, err := s.Restrictions.UpdateRestriction(ctx, id, func(r *Restriction) error {
		if r.Effects == nil {
			r.Effects = Effects{}
		}
		settleIn(r.Effects, owner, outcomes, now)
		return nil
	})
	if err != nil {
		return fmt.Errorf("process restriction %s: record: %w", id, err)
	}
	return nil
}

// sendRestrictionLetter sends a letter to the person a restriction is on, unless there is no
// email address to send it to.
func (s *Service) sendRestrictionLetter(ctx context.Context, r *Restriction, k effectKey) Effect {
	for _, l := range r.Letters {
		if l.Name != k.name {
			continue
		}
		if l.To == "" {
			return Effect{State: EffectSkipped, Reason: "there is no email address: send it by post"}
		}
		return s.send(ctx, Message{From: s.Council.From, To: []string{l.To}, Subject: l.Subject,
			Headers: map[string]string{"Auto-Submitted": autoGenerated, "X-Auto-Response-Suppress": "All"},
			Text:    l.Text, HTML: l.HTML}, r.ID, k.String())
	}
	return Effect{State: EffectFailed, Reason: "the letter is not on the record"}
}

// scheduleReview creates a restriction's review reminders, unless its review date has moved.
func (s *Service) scheduleReview(ctx context.Context, r *Restriction, k effectKey) Effect {
	if r.Status != RestrictionActive || reviewSchedulesEffect(r.ReviewBy) != k.String() {
		return Effect{State: EffectSkipped, Reason: "the review date has changed since"}
	}
	if s.Scheduler == nil {
		return Effect{Reason: "no scheduler is configured"}
	}
	for _, rm := range worthScheduling(s.reviewReminders(r), s.Clock.Now()) {
		if err := s.Scheduler.Schedule(ctx, rm); err != nil {
			return failure(err, "the review reminder could not be scheduled")
		}
	}
	return Effect{State: EffectDone}
}

// unscheduleReview cancels the review reminders of the restriction's review date k.due.
func (s *Service) unscheduleReview(ctx context.Context, r *Restriction, k effectKey) Effect {
	if s.Scheduler == nil {
		return Effect{Reason: "no scheduler is configured"}
	}
	for _, rm := range s.reviewRemindersFor(r.ID, k.due) {
		if err := s.Scheduler.Cancel(ctx, rm.Name); err != nil {
			return failure(err, "the review reminder could not be cancelled")
		}
	}
	return Effect{State: EffectDone}
}

// ProcessRestrictions carries out every restriction's outstanding side effects: the sweep's
// (the local runner's, and the reminders function's daily one in AWS), behind the stream.
func (s *Service) ProcessRestrictions(ctx context.Context) error {
	if s.Restrictions == nil {
		return nil
	}
	rs, err := s.Restrictions.ListRestrictions(ctx)
	if err != nil {
		return fmt.Errorf("process restrictions: %w", err)
	}
	var errs []error
	for _, r := range rs {
		if len(restrictionEffects(r)) > 0 {
			errs = append(errs, s.ProcessRestriction(ctx, r.ID))
		}
	}
	return errors.Join(errs...)
}
