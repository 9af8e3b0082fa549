package feedback

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The lifecycle of a case once it is in: officers assign, reclassify, note, extend, respond,
// escalate, record the Ombudsman's involvement and close. Every operation takes the member of
// staff acting, is done through Store.Update (so two officers acting at once never lose an
// action), writes a history entry, and leaves letters, staff emails and reminder schedules as
// side effects in the case's ledger for Process to carry out exactly once.

// Outcome is how a stage's response found the complaint.
type Outcome string

// The outcomes of a stage.
const (
	OutcomeUpheld       Outcome = "upheld"
	OutcomePartlyUpheld Outcome = "partly_upheld"
	OutcomeNotUpheld    Outcome = "not_upheld"
	OutcomeInvalid      Outcome = "invalid"
)

// Label is the outcome as a letter reads it.
func (o Outcome) Label() string { return strings.ReplaceAll(string(o), "_", " ") }

// SentBy is how a response reached the resident.
type SentBy string

// The ways a response is sent: by email from Intake, or by post (the officer confirms it went).
const (
	SentByEmail SentBy = "email"
	SentByPost  SentBy = "post"
)

// Response is a stage's full response to a complaint.
type Response struct {
	Outcome Outcome `json:"outcome"`
	Summary string  `json:"summary"`
	Lessons string  `json:"lessons,omitempty"`
	Remedy  string  `json:"remedy,omitempty"`
	// CompensationPence is any compensation paid, in pence.
	CompensationPence int64  `json:"compensation_pence,omitempty"`
	SentBy            SentBy `json:"sent_by"`
	// At and By are when the response was recorded and by whom (set by Respond).
	At time.Time `json:"at,omitzero"`
	By string    `json:"by,omitempty"`
}

// StageRecord is one stage of a complaint: when it opened, who handled it, when it was due,
// whether it was extended, and its response.
type StageRecord struct {
	Stage    Stage     `json:"stage"`
	OpenedAt time.Time `json:"opened_at"`
	// Handler is the officer the stage was with when it was responded to (at Stage 2, the
	// reviewer); a Stage 2 reviewer may never be the Stage 1 handler.
	Handler   string    `json:"handler,omitempty"`
	RespondBy time.Time `json:"respond_by,omitzero"`
	// ExtendedBy is the extension in working days (0: not extended), and ExtensionReason why.
	ExtendedBy      int    `json:"extended_by,omitempty"`
	ExtensionReason string `json:"extension_reason,omitempty"`
	// Response is the stage's response; its At is zero while the stage is open.
	Response Response `json:"response,omitzero"`
}

// Responded reports whether the stage has had its response.
func (st StageRecord) Responded() bool { return !st.Response.At.IsZero() }

// Ombudsman names an Ombudsman.
type Ombudsman string

// The Ombudsmen a complaint may go to after Stage 2.
const (
	OmbudsmanLGSCO   Ombudsman = "lgsco"
	OmbudsmanHousing Ombudsman = "housing"
)

// Details are the Ombudsman's name and how to reach them, as a letter gives them.
func (o Ombudsman) Details() string {
	if o == OmbudsmanHousing {
		return "the Housing Ombudsman Service (www.housing-ombudsman.org.uk, telephone 0300 111 3000)"
	}
	return "the Local Government and Social Care Ombudsman (www.lgo.org.uk, telephone 0300 061 0614)"
}

// Decision is what an Ombudsman decided.
type Decision string

// The Ombudsman's decisions.
const (
	DecisionUpheld          Decision = "upheld"
	DecisionNotUpheld       Decision = "not_upheld"
	DecisionNotInvestigated Decision = "not_investigated"
	DecisionSettled         Decision = "settled"
)

// OmbudsmanRecord is a complaint's referral to an Ombudsman and its decision.
type OmbudsmanRecord struct {
	Which      Ombudsman `json:"which"`
	ReferredOn time.Time `json:"referred_on"`
	Decision   Decision  `json:"decision,omitempty"`
	DecidedOn  time.Time `json:"decided_on,omitzero"`
	Remedy     string    `json:"remedy,omitempty"`
	// CompensationPence is any compensation the Ombudsman's decision led the council to pay.
	CompensationPence int64 `json:"compensation_pence,omitempty"`
}

// Letter is a letter or email Intake sends about a case: to the resident (an extension, a
// response, an escalation's acknowledgement) or to staff (an assignment). It is written when
// the action is taken, so that it says what was true then, and sent by the side effect
// "letter:"+Name.
type Letter struct {
	Name    string    `json:"name"`
	At      time.Time `json:"at"`
	To      string    `json:"to,omitempty"` // empty: no email address, so it goes by post
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
	HTML    string    `json:"html,omitempty"`
	// Staff marks an email to staff rather than a letter to the resident.
	Staff bool `json:"staff,omitempty"`
	// ByPost marks a letter the officer sent by post; Intake does not send it.
	ByPost bool `json:"by_post,omitempty"`
}

// current returns the record of the case's current stage, or nil.
func (c *Case) current() *StageRecord {
	for i := len(c.Stages) - 1; i >= 0; i-- {
		if c.Stages[i].Stage == c.Stage {
			return &c.Stages[i]
		}
	}
	return nil
}

// StageRecordOf returns the record of the given stage, if the case has reached it.
func (c *Case) StageRecordOf(st Stage) (StageRecord, bool) {
	for _, r := range c.Stages {
		if r.Stage == st {
			return r, true
		}
	}
	return StageRecord{}, false
}

// Extended reports whether the current stage has been extended.
func (c *Case) Extended() bool {
	st := c.current()
	return st != nil && st.ExtendedBy > 0
}

// Outcome is the outcome of the latest stage responded to, or "".
func (c *Case) Outcome() Outcome {
	for i := len(c.Stages) - 1; i >= 0; i-- {
		if c.Stages[i].Responded() {
			return c.Stages[i].Response.Outcome
		}
	}
	return ""
}

// AcknowledgedAt is when the sender was acknowledged by email, or zero.
func (c *Case) AcknowledgedAt() time.Time {
	if e := c.Effects[EffectAcknowledgement]; e.State == EffectDone {
		return e.At
	}
	return time.Time{}
}

func (c *Case) addEffect(name string) {
	if c.Effects == nil {
		c.Effects = Effects{}
	}
	if _, ok := c.Effects[name]; !ok {
		c.Effects[name] = Effect{}
	}
}

// moveDue cancels the reminders of the current due date and schedules those of the new one.
func (c *Case) moveDue(due time.Time) {
	if !c.RespondBy.IsZero() {
		c.addEffect(unscheduleEffect(c.Stage, c.RespondBy))
	}
	c.RespondBy = due
	// A responded stage keeps the date it was due by: the annual report tells from it whether
	// the response was in time.
	if st := c.current(); st != nil && !due.IsZero() {
		st.RespondBy = due
	}
	if !due.IsZero() {
		c.addEffect(schedulesEffect(c.Stage, due))
	}
}

// MaxNoteChars bounds a note, a reason or a response's text.
const MaxNoteChars = 10000

// MaxExtension is the longest extension of a stage, in working days (Complaint Handling Code).
func MaxExtension(st Stage) int {
	if st == Stage2 {
		return 20
	}
	return 10
}

// OmbudsmanFor returns the Ombudsman a case's complaints go to: the Housing Ombudsman for the
// policy's housing areas, otherwise the Local Government and Social Care Ombudsman.
func (p Policy) OmbudsmanFor(c *Case) Ombudsman {
	if c.ServiceArea != "" && slices.Contains(p.HousingAreas, c.ServiceArea) {
		return OmbudsmanHousing
	}
	return OmbudsmanLGSCO
}

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

// Invalid is an EINVALID error about one field, its message fit for the person who filled it in.
func Invalid(field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: EINVALID, Message: msg, Fields: []FieldError{{Field: field, Message: msg}}}
}

func checkText(field, v string, required bool) error {
	switch n := utf8.RuneCountInString(strings.TrimSpace(v)); {
	case n == 0 && required:
		return Invalid(field, "Enter the %s", strings.ReplaceAll(field, "_", " "))
	case n > MaxNoteChars:
		return Invalid(field, "The %s must be %d characters or fewer", strings.ReplaceAll(field, "_", " "), MaxNoteChars)
	}
	return nil
}

// Case returns the case if who may see it, and ENOTFOUND otherwise.
func (s *Service) Case(ctx context.Context, who StaffMember, ref string) (*Case, error) {
	c, err := s.Store.Get(ctx, ref)
	if ErrorCode(err) == ENOTFOUND || err == nil && (!canWork(who) || !who.CanSee(c)) {
		return nil, notFound(ref)
	}
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", ref, err)
	}
	return c, nil
}

// CaseQuery selects cases for ListCases. Every filter is optional.
type CaseQuery struct {
	Status      Status
	Overdue     bool // open cases whose response date has passed
	AssignedTo  string
	ServiceArea string
	Kind        Kind
	Stage       Stage
	Channel     Channel
	// DueBefore keeps cases with a response date before this civil date; the service sets it
	// from Overdue, stores read it.
	DueBefore time.Time
	Cursor    string
	Limit     int
}

// CasePage is one page of ListCases; Next is the cursor of the following page, "" at the end.
type CasePage struct {
	Cases []*Case
	Next  string
}

// DefaultPageSize and MaxPageSize bound a page of ListCases.
const (
	DefaultPageSize = 25
	MaxPageSize     = 100
)

// ListCases returns the cases who may see that match q, soonest due first, a page at a time.
func (s *Service) ListCases(ctx context.Context, who StaffMember, q CaseQuery) (CasePage, error) {
	if !canWork(who) {
		return CasePage{}, Errorf(EFORBIDDEN, "Only officers, managers and the complaints team can list cases.")
	}
	switch q.Status {
	case "", StatusOpen, StatusClosed:
	default:
		return CasePage{}, Invalid("status", "The status must be open or closed")
	}
	if q.Kind != "" && !q.Kind.Valid() {
		return CasePage{}, Invalid("kind", "Choose a kind of feedback from the list")
	}
	if q.Stage != "" && q.Stage != Stage1 && q.Stage != Stage2 {
		return CasePage{}, Invalid("stage", "The stage must be stage1 or stage2")
	}
	if q.Overdue {
		q.Status = StatusOpen
		q.DueBefore = s.Calendar.Date(s.Clock.Now())
	}
	if q.Limit <= 0 {
		q.Limit = DefaultPageSize
	}
	q.Limit = min(q.Limit, MaxPageSize)
	want := q.Limit
	var page CasePage
	// Visibility is the domain's rule, so the store's pages are filtered here; each store page
	// asks only for what is still missing, so the cursor never skips a visible case.
	for {
		q.Limit = want - len(page.Cases)
		got, err := s.Store.ListCases(ctx, q)
		if err != nil {
			return CasePage{}, fmt.Errorf("list cases: %w", err)
		}
		for _, c := range got.Cases {
			if who.CanSee(c) {
				page.Cases = append(page.Cases, c)
			}
		}
		page.Next = got.Next
		if got.Next == "" || len(page.Cases) >= want {
			return page, nil
		}
		q.Cursor = got.Next
	}
}

// Intake records an item received by phone, by letter or in person, entered by an officer,
// dated when it was received. It is a Submit with the channel and date the officer gives.
func (s *Service) Intake(ctx context.Context, who StaffMember, sub Submission) (*Case, bool, error) {
	if !canWork(who) {
		return nil, false, Errorf(EFORBIDDEN, "Only officers, managers and the complaints team can enter items by hand.")
	}
	if !sub.Channel.EnteredByHand() {
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
		if c.Status != StatusOpen {
			return Errorf(ECONFLICT, "Case %s is closed; it cannot be reassigned.", ref)
		}
		if strings.EqualFold(c.AssignedTo, to) {
			return Errorf(ECONFLICT, "Case %s is already assigned to %s.", ref, to)
		}
		from := c.AssignedTo
		c.AssignedTo = to
		c.Record(now, who.Email, "assigned", "from "+from+" to "+to, "")
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
		switch {
		case c.Status != StatusOpen:
			return Errorf(ECONFLICT, "Case %s is closed; it cannot be reclassified.", ref)
		case c.Kind == kind:
			return Errorf(ECONFLICT, "Case %s is already a %s.", ref, kind.Label())
		case c.Kind == KindComplaint && (c.Stage == Stage2 || len(c.Stages) > 0 && c.Stages[0].Responded()):
			return Errorf(ECONFLICT, "Case %s has had a complaint response; it cannot stop being a complaint.", ref)
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
	if err := checkText("text", text, true); err != nil {
		return nil, err
	}
	return s.act(ctx, who, ref, func(c *Case, now time.Time) error {
		c.Record(now, who.Email, "note", strings.TrimSpace(text), "")
		return nil
	})
}

// Extend gives the current stage more time, once per stage: at most 10 working days at Stage 1
// and 20 at Stage 2, with a reason. The resident is written to with the new date and the
// Ombudsman's details; the old reminders are cancelled and new ones made.
func (s *Service) Extend(ctx context.Context, who StaffMember, ref string, workingDays int, reason string) (*Case, error) {
	if err := checkText("reason", reason, true); err != nil {
		return nil, err
	}
	return s.act(ctx, who, ref, func(c *Case, now time.Time) error {
		st := c.current()
		switch {
		case c.Kind != KindComplaint || st == nil:
			return Errorf(ECONFLICT, "Only a complaint's stage can be extended; case %s is a %s.", ref, c.Kind.Label())
		case c.Status != StatusOpen || st.Responded():
			return Errorf(ECONFLICT, "%s of case %s has had its response; it cannot be extended.", c.Stage.Label(), ref)
		case st.ExtendedBy > 0:
			return Errorf(ECONFLICT, "%s of case %s has been extended once already; the Complaint Handling Code allows one extension per stage.", c.Stage.Label(), ref)
		case workingDays < 1 || workingDays > MaxExtension(c.Stage):
			return Invalid("working_days", "An extension at %s is 1 to %d working days", c.Stage.Label(), MaxExtension(c.Stage))
		}
		old := c.RespondBy
		st.ExtendedBy, st.ExtensionReason = workingDays, strings.TrimSpace(reason)
		c.moveDue(s.Calendar.AddWorkingDays(old, workingDays))
		c.Record(now, who.Email, "extended", fmt.Sprintf("%s extended by %d working days, from %s to %s",
			c.Stage.Label(), workingDays, old.Format(time.DateOnly), c.RespondBy.Format(time.DateOnly)), st.ExtensionReason)
		s.residentLetter(c, now, "extension-"+string(c.Stage), "We need more time to respond to your complaint",
			fmt.Sprintf("We are sorry, but we need more time to give you our full response to your complaint at %s. "+
				"We will now respond by %s.", c.Stage.Label(), LongDate(c.RespondBy)),
			"Why we need longer: "+st.ExtensionReason,
			"If you are unhappy with this delay you may contact "+s.Policy.OmbudsmanFor(c).Details()+".")
		return nil
	})
}

// Respond records the current stage's response and closes the stage. At Stage 1 the letter
// says how to ask for Stage 2 and by when, and the case stays open for that long (Close ends it
// sooner); at Stage 2, the last stage, it gives the Ombudsman's details and the case closes.
func (s *Service) Respond(ctx context.Context, who StaffMember, ref string, r Response) (*Case, error) {
	r.Summary, r.Lessons, r.Remedy = strings.TrimSpace(r.Summary), strings.TrimSpace(r.Lessons), strings.TrimSpace(r.Remedy)
	switch r.Outcome {
	case OutcomeUpheld, OutcomePartlyUpheld, OutcomeNotUpheld, OutcomeInvalid:
	default:
		return nil, Invalid("outcome", "The outcome must be upheld, partly_upheld, not_upheld or invalid")
	}
	if r.SentBy != SentByEmail && r.SentBy != SentByPost {
		return nil, Invalid("sent_by", "Say whether the response goes by email or went by post")
	}
	if r.CompensationPence < 0 {
		return nil, Invalid("compensation_pence", "Compensation cannot be negative")
	}
	for field, v := range map[string]string{"lessons": r.Lessons, "remedy": r.Remedy} {
		if err := checkText(field, v, false); err != nil {
			return nil, err
		}
	}
	if err := checkText("summary", r.Summary, true); err != nil {
		return nil, err
	}
	return s.act(ctx, who, ref, func(c *Case, now time.Time) error {
		st := c.current()
		switch {
		case c.Kind != KindComplaint || st == nil:
			return Errorf(ECONFLICT, "Only a complaint has stage responses; close a %s with a note instead.", c.Kind.Label())
		case c.Status != StatusOpen || st.Responded():
			return Errorf(ECONFLICT, "%s of case %s has had its response already.", c.Stage.Label(), ref)
		case r.SentBy == SentByEmail && c.Contact.Email == "":
			return Invalid("sent_by", "There is no email address for this resident: send the response by post and record sent_by post")
		}
		r.At, r.By = now, who.Email
		st.Response, st.Handler = r, c.AssignedTo
		c.moveDue(time.Time{})
		c.Record(now, who.Email, "responded", c.Stage.Label()+": "+r.Outcome.Label(), "")
		paras := []string{
			fmt.Sprintf("This is our full response to your complaint at %s.", c.Stage.Label()),
			"Our finding: your complaint is " + r.Outcome.Label() + ".",
			r.Summary,
		}
		if r.Remedy != "" {
			paras = append(paras, "What we will do to put things right: "+r.Remedy)
		}
		if r.CompensationPence > 0 {
			paras = append(paras, fmt.Sprintf("We will pay you £%d.%02d in compensation.", r.CompensationPence/100, r.CompensationPence%100))
		}
		if c.Stage == Stage1 {
			by := s.Calendar.AddWorkingDays(now, s.Policy.EscalateWorkingDays)
			paras = append(paras, fmt.Sprintf("If you are unhappy with this response, you can ask for a review by a director (Stage 2 of our "+
				"complaints procedure). Reply to this letter, quoting %s, by %s and say why you are unhappy.", c.Ref, LongDate(by)))
		} else {
			paras = append(paras, "This is the end of our complaints procedure. If you are still unhappy, you can ask "+
				s.Policy.OmbudsmanFor(c).Details()+" to look at your complaint.")
			s.close(c, now)
		}
		l := s.residentLetter(c, now, "response-"+string(st.Stage), "Our response to your complaint", paras...)
		if r.SentBy == SentByPost {
			l.ByPost = true
			delete(c.Effects, LetterEffect(l.Name))
		}
		return nil
	})
}

// Escalate opens Stage 2 at the resident's request, with a reviewer who is a manager or the
// complaints team and never the Stage 1 handler. The resident is acknowledged at once, so
// Stage 2 is due Stage2WorkingDays after today. A closed case reopens and its retention end is
// cleared.
func (s *Service) Escalate(ctx context.Context, who StaffMember, ref, reviewer, reason string) (*Case, error) {
	if err := checkText("reason", reason, true); err != nil {
		return nil, err
	}
	rv, ok := s.Staff.Lookup(reviewer)
	if !ok {
		return nil, Invalid("reviewer", "The reviewer must be a member of staff Intake knows")
	}
	return s.act(ctx, who, ref, func(c *Case, now time.Time) error {
		s1, _ := c.StageRecordOf(Stage1)
		switch {
		case c.Kind != KindComplaint:
			return Errorf(ECONFLICT, "Only a complaint can be escalated; case %s is a %s.", ref, c.Kind.Label())
		case c.Stage == Stage2:
			return Errorf(ECONFLICT, "Case %s is at Stage 2 already; there are only two stages. The resident may go to the Ombudsman.", ref)
		case !s1.Responded():
			return Errorf(ECONFLICT, "Stage 1 of case %s has not had its response yet; it must before Stage 2.", ref)
		case rv.Role != RoleManager && rv.Role != RoleAdmin:
			return Errorf(ECONFLICT, "The Stage 2 reviewer must be a manager or in the complaints team; %s is not.", rv.Email)
		case strings.EqualFold(rv.Email, s1.Handler) || strings.EqualFold(rv.Email, s1.Response.By):
			return Errorf(ECONFLICT, "%s handled Stage 1 of case %s, so cannot review it at Stage 2: choose another reviewer.", rv.Email, ref)
		}
		c.Status, c.ClosedAt, c.ExpiresAt = StatusOpen, time.Time{}, time.Time{}
		c.Stage, c.AssignedTo = Stage2, rv.Email
		c.Stages = append(c.Stages, StageRecord{Stage: Stage2, OpenedAt: now})
		c.moveDue(s.Calendar.AddWorkingDays(now, s.Policy.Stage2WorkingDays))
		c.Record(now, who.Email, "escalated", "to Stage 2, reviewer "+rv.Email+", due "+c.RespondBy.Format(time.DateOnly), strings.TrimSpace(reason))
		s.residentLetter(c, now, "escalation", "We have received your request for a review of your complaint",
			"Thank you for asking for a review of your complaint. A director who was not involved at Stage 1 will review it (Stage 2 of our complaints procedure).",
			fmt.Sprintf("You will have our full response by %s. If we need longer, we will tell you why and give you a new date.", LongDate(c.RespondBy)))
		s.staffEmail(c, now, "review-"+string(Stage2), rv.Email, "for Stage 2 review")
		return nil
	})
}

// ReferOmbudsman records that the resident took the complaint to an Ombudsman. A closed case's
// retention end is recomputed: cases the Ombudsman saw are kept longer.
func (s *Service) ReferOmbudsman(ctx context.Context, who StaffMember, ref string, which Ombudsman, referredOn time.Time) (*Case, error) {
	if which != OmbudsmanLGSCO && which != OmbudsmanHousing {
		return nil, Invalid("ombudsman", "The Ombudsman must be lgsco or housing")
	}
	if err := s.pastDate("referred_on", referredOn); err != nil {
		return nil, err
	}
	if who.Role != RoleManager && who.Role != RoleAdmin {
		return nil, Errorf(EFORBIDDEN, "Only a manager or the complaints team records an Ombudsman referral.")
	}
	return s.act(ctx, who, ref, func(c *Case, now time.Time) error {
		switch {
		case c.Kind != KindComplaint:
			return Errorf(ECONFLICT, "Only a complaint goes to the Ombudsman; case %s is a %s.", ref, c.Kind.Label())
		case c.Ombudsman.Which != "":
			return Errorf(ECONFLICT, "Case %s's referral to the Ombudsman is recorded already.", ref)
		}
		c.Ombudsman = OmbudsmanRecord{Which: which, ReferredOn: s.Calendar.Date(referredOn)}
		s.retain(c)
		c.Record(now, who.Email, "ombudsman referral", "referred to "+string(which)+" on "+referredOn.Format(time.DateOnly), "")
		return nil
	})
}

// RecordOmbudsmanDecision records the Ombudsman's decision on a referred complaint.
func (s *Service) RecordOmbudsmanDecision(ctx context.Context, who StaffMember, ref string, d Decision, decidedOn time.Time, remedy string) (*Case, error) {
	switch d {
	case DecisionUpheld, DecisionNotUpheld, DecisionNotInvestigated, DecisionSettled:
	default:
		return nil, Invalid("decision", "The decision must be upheld, not_upheld, not_investigated or settled")
	}
	if err := s.pastDate("decided_on", decidedOn); err != nil {
		return nil, err
	}
	if err := checkText("remedy", remedy, false); err != nil {
		return nil, err
	}
	if who.Role != RoleManager && who.Role != RoleAdmin {
		return nil, Errorf(EFORBIDDEN, "Only a manager or the complaints team records an Ombudsman's decision.")
	}
	return s.act(ctx, who, ref, func(c *Case, now time.Time) error {
		switch {
		case c.Ombudsman.Which == "":
			return Errorf(ECONFLICT, "Record case %s's referral to the Ombudsman before its decision.", ref)
		case c.Ombudsman.Decision != "":
			return Errorf(ECONFLICT, "The Ombudsman's decision on case %s is recorded already.", ref)
		case s.Calendar.Date(decidedOn).Before(c.Ombudsman.ReferredOn):
			return Invalid("decided_on", "The decision cannot be dated before the referral")
		}
		c.Ombudsman.Decision, c.Ombudsman.DecidedOn, c.Ombudsman.Remedy = d, s.Calendar.Date(decidedOn), strings.TrimSpace(remedy)
		c.Record(now, who.Email, "ombudsman decision", strings.ReplaceAll(string(d), "_", " "), c.Ombudsman.Remedy)
		return nil
	})
}

// Close closes a case with a note: a compliment, comment, service request or out-of-scope item
// when it is dealt with; a complaint when the officer ends it (after its last response, or when
// the resident withdraws). Closing cancels its reminders and starts its retention period.
func (s *Service) Close(ctx context.Context, who StaffMember, ref, note string) (*Case, error) {
	if err := checkText("note", note, true); err != nil {
		return nil, err
	}
	return s.act(ctx, who, ref, func(c *Case, now time.Time) error {
		if c.Status != StatusOpen {
			return Errorf(ECONFLICT, "Case %s is closed already.", ref)
		}
		c.moveDue(time.Time{})
		s.close(c, now)
		c.Record(now, who.Email, "closed", "", strings.TrimSpace(note))
		return nil
	})
}

// close closes c at now and sets its retention end.
func (s *Service) close(c *Case, now time.Time) {
	c.Status, c.ClosedAt = StatusClosed, now
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

func (s *Service) pastDate(field string, d time.Time) error {
	if d.IsZero() {
		return Invalid(field, "Enter the date")
	}
	if s.Calendar.Date(d).After(s.Calendar.Date(s.Clock.Now())) {
		return Invalid(field, "The date cannot be in the future")
	}
	return nil
}

// ListKey is where a case sorts in ListCases, and what a cursor holds: its response date (or,
// without one, its acknowledgement date) as YYYY-MM-DD, "#", and its reference.
func ListKey(c *Case) string {
	d := c.RespondBy
	if d.IsZero() {
		d = c.AcknowledgeBy
	}
	return d.Format(time.DateOnly) + "#" + c.Ref
}

// Matches reports whether c meets q's filters (not its cursor or limit): the stores' shared
// definition of a query, which the DynamoDB store also checks after its index's eventually
// consistent read.
func (q CaseQuery) Matches(c *Case) bool {
	status := q.Status
	if status == "" {
		status = StatusOpen
	}
	return c.Status == status &&
		(q.AssignedTo == "" || strings.EqualFold(c.AssignedTo, q.AssignedTo)) &&
		(q.ServiceArea == "" || c.ServiceArea == q.ServiceArea) &&
		(q.Kind == "" || c.Kind == q.Kind) &&
		(q.Stage == "" || c.Stage == q.Stage) &&
		(q.Channel == "" || c.Channel == q.Channel) &&
		(q.DueBefore.IsZero() || !c.RespondBy.IsZero() && c.RespondBy.Format(time.DateOnly) < q.DueBefore.Format(time.DateOnly))
}
