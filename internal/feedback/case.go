package feedback

import (
	"slices"
	"strings"
	"time"
)

// Contact is how to reach the person who wrote to us. Any part may be empty: a social-media
// post may give none, and anonymous compliments are welcome.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
	// Handle is a social-media author's handle with its platform, "x:ada_resident": lower
	// case, without the leading @.
	Handle string `json:"handle,omitempty"`
}

// Case is one piece of feedback and everything the council does with it.
type Case struct {
	Ref         string    `json:"ref"`
	Kind        Kind      `json:"kind"`
	Channel     Channel   `json:"channel"`
	Status      Status    `json:"status"`
	Stage       Stage     `json:"stage,omitempty"`
	ServiceArea string    `json:"service_area,omitempty"`
	Subject     string    `json:"subject,omitempty"`
	Message     string    `json:"message"`
	Contact     Contact   `json:"contact"`
	AssignedTo  string    `json:"assigned_to"`
	ReceivedAt  time.Time `json:"received_at"`

	// AcknowledgeBy is the date by which the sender must be acknowledged; RespondBy the date by
	// which the current stage owes a full response (complaints only). Both are civil dates in
	// Europe/London at midnight.
	AcknowledgeBy time.Time `json:"acknowledge_by"`
	RespondBy     time.Time `json:"respond_by,omitzero"`
	// EscalateBy is, once Stage 1 has had its response, the last day on which the resident may
	// ask for Stage 2: the date the response letter gives. The case closes by itself after it
	// (SweepReminders); escalating or closing clears it.
	EscalateBy time.Time `json:"escalate_by,omitzero"`

	// IdempotencyKey, when the channel gave one, makes a repeated delivery return this case;
	// Fingerprint tells a true repeat from a different submission reusing the key.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	Fingerprint    string `json:"fingerprint,omitempty"`

	// MessageID is the channel's id of the first message (an email's Message-ID), so that
	// replies to it find the case and the acknowledgement can answer it.
	MessageID string `json:"message_id,omitempty"`
	// Raw is the blob key of the first message exactly as it arrived (an email's raw MIME),
	// and Attachments the blob keys of the files it carried.
	Raw         string   `json:"raw,omitempty"`
	Attachments []string `json:"attachments,omitempty"`
	// Social is the post a social-media case came from; nil for other channels.
	Social *SocialOrigin `json:"social,omitempty"`

	// Messages holds everything the resident (or someone on their behalf) sent about the case
	// after the first message, oldest first: replies by email, follow-up posts.
	Messages []Correspondence `json:"messages,omitempty"`
	// Flags draw an officer's attention to something about the case that Intake could not
	// settle itself: an address that cannot receive mail, a reply to a closed case, a message
	// that failed its authentication checks.
	Flags []Flag `json:"flags,omitempty"`
	// History records every change to the case, oldest first: who, when, what and why.
	History []Event `json:"history,omitempty"`

	// Effects records every side effect the case calls for and what became of it, so that a
	// redelivered trigger does none of them twice.
	Effects Effects `json:"effects,omitempty"`

	// Stages are a complaint's stages so far, oldest first; Ombudsman its referral, if any.
	Stages    []StageRecord   `json:"stages,omitempty"`
	Ombudsman OmbudsmanRecord `json:"ombudsman,omitzero"`
	// Letters are the letters and staff emails written about the case since it came in,
	// oldest first; each is sent by its own side effect.
	Letters []Letter `json:"letters,omitempty"`

	ClosedAt time.Time `json:"closed_at,omitzero"`
	// ExpiresAt is when the retention period ends and the record must be destroyed; zero while
	// the case is open.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// Hold is the legal hold on the case, if any: while it stands ExpiresAt is zero.
	Hold *Hold `json:"hold,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Version counts the updates; stores use it for optimistic locking.
	Version int `json:"version"`
}

// Pending reports whether any side effect of taking the case in is still to be done. Fired
// reminders are not counted: SweepReminders looks after them.
func (c *Case) Pending() bool { return len(intakeEffects(c)) > 0 }

// Expired reports whether the case has passed its retention period at now. Stores filter these
// out of every read, because DynamoDB's TTL deletes items days late.
func (c *Case) Expired(now time.Time) bool { return expired(c.ExpiresAt, now) }

// Correspondence is one message received about a case.
type Correspondence struct {
	At      time.Time `json:"at"`
	Channel Channel   `json:"channel"`
	// From is who sent it, as the channel knows them: an email address, a social handle.
	From    string `json:"from,omitempty"`
	Subject string `json:"subject,omitempty"`
	// Text is what they wrote this time; Quoted what their message quoted of earlier ones.
	Text   string `json:"text"`
	Quoted string `json:"quoted,omitempty"`
	// MessageID is the channel's id of the message (an email's Message-ID, a post's id), so
	// that a redelivery is recognised and a later reply can be threaded.
	MessageID string `json:"message_id,omitempty"`
	// Raw is the blob key of the message as it arrived; Attachments the blob keys of its files.
	Raw         string   `json:"raw,omitempty"`
	Attachments []string `json:"attachments,omitempty"`
	// URL is a follow-up post's link; Links the links it carried (kept, never fetched).
	URL   string   `json:"url,omitempty"`
	Links []string `json:"links,omitempty"`
	// CopyTo is an officer, besides the case's own, to be sent the notice of this message: the
	// named officer of a restriction on the sender (see screenFollowUp).
	CopyTo string `json:"copy_to,omitempty"`
}

// FlagCode names something an officer should look at.
type FlagCode string

// Flag is something about a case that needs an officer's attention, with a plain-English note
// (never more personal data than the case already holds).
type Flag struct {
	Code FlagCode  `json:"code"`
	At   time.Time `json:"at"`
	Note string    `json:"note"`
	// Cleared is when an officer dealt with it; zero while it stands.
	Cleared time.Time `json:"cleared,omitzero"`
}

// Event is one entry in a case's history.
type Event struct {
	At time.Time `json:"at"`
	// By is who did it: an officer's address, or "intake" for what Intake did itself.
	By     string `json:"by"`
	Action string `json:"action"`
	// Detail says what changed, and Reason why, in plain English.
	Detail string `json:"detail,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Named are the members of staff the event names besides who did it (an assignment's
	// previous and new holder), so that who was involved is kept as data, not only as words.
	Named []string `json:"named,omitempty"`
}

// Record appends an event to the case's history, naming any members of staff it concerns
// besides who did it.
func (c *Case) Record(at time.Time, by, action, detail, reason string, named ...string) {
	c.History = append(c.History, Event{At: at, By: by, Action: action, Detail: detail, Reason: reason, Named: named})
}

// involved reports whether email acted on the case or was named on it so far (its history),
// holds it, or handled or answered a stage: at escalation, everyone involved at Stage 1, none
// of whom may review it at Stage 2.
func (c *Case) involved(email string) bool {
	is := func(v string) bool { return v != "" && strings.EqualFold(strings.TrimSpace(v), email) }
	if is(c.AssignedTo) {
		return true
	}
	for _, st := range c.Stages {
		if is(st.Handler) || is(st.Response.By) {
			return true
		}
	}
	for _, e := range c.History {
		if is(e.By) || slices.ContainsFunc(e.Named, is) {
			return true
		}
	}
	return false
}

// Raise adds a flag to the case, unless the same one stands already.
func (c *Case) Raise(at time.Time, code FlagCode, note string) {
	for _, f := range c.Flags {
		if f.Code == code && f.Note == note && f.Cleared.IsZero() {
			return
		}
	}
	c.Flags = append(c.Flags, Flag{Code: code, At: at, Note: note})
}

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

// Label is the Ombudsman's name in full.
func (o Ombudsman) Label() string {
	switch o {
	case OmbudsmanHousing:
		return "the Housing Ombudsman Service"
	case OmbudsmanLGSCO:
		return "the Local Government and Social Care Ombudsman"
	}
	return ""
}

// details are the Ombudsman's name and how to reach them, as a letter gives them.
func (o Ombudsman) details() string {
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

// Label is the decision in words ("not investigated").
func (d Decision) Label() string { return strings.ReplaceAll(string(d), "_", " ") }

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
	// Reply marks an officer's own reply to the resident (Service.Reply), written By them;
	// InReplyTo is the Message-ID (without brackets, as received) of the resident's email it
	// answers, so that it threads in their mailbox.
	Reply     bool   `json:"reply,omitempty"`
	By        string `json:"by,omitempty"`
	InReplyTo string `json:"in_reply_to,omitempty"`
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

// MaxExtension is the longest extension of a stage, in working days (Complaint Handling Code).
func MaxExtension(st Stage) int {
	if st == Stage2 {
		return 20
	}
	return 10
}

// The case's vocabulary: kinds, channels, stages and statuses.

// Kind is what a piece of feedback is. The sender need not use the word "complaint": officers
// may reclassify an item, and the kind decides the procedure, timescales and retention.
type Kind string

// The kinds of feedback. A first request for a service is not a complaint; matters with their
// own procedures (fraud or corruption, whistleblowing, hate incidents, information requests,
// member misconduct) are out of scope: logged, acknowledged with where they went, and routed.
const (
	KindComplaint      Kind = "complaint"
	KindCompliment     Kind = "compliment"
	KindComment        Kind = "comment"
	KindServiceRequest Kind = "service_request"
	KindOutOfScope     Kind = "out_of_scope"
)

// Kinds lists every kind in the order a form offers them.
var Kinds = []Kind{KindComplaint, KindCompliment, KindComment, KindServiceRequest, KindOutOfScope}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// Label is the kind in plain English, as it reads in a sentence ("your complaint").
func (k Kind) Label() string {
	switch k {
	case KindComplaint:
		return "complaint"
	case KindCompliment:
		return "compliment"
	case KindComment:
		return "comment"
	case KindServiceRequest:
		return "request for a service"
	case KindOutOfScope:
		return "enquiry"
	}
	return string(k)
}

// needsReply reports whether the council owes the sender a response, and so needs a way to
// reach them.
func (k Kind) needsReply() bool { return k == KindComplaint || k == KindServiceRequest }

// Channel is how an item reached us.
type Channel string

// The channels.
const (
	ChannelWeb    Channel = "web"
	ChannelEmail  Channel = "email"
	ChannelSocial Channel = "social"
	// ChannelPhone, ChannelLetter and ChannelInPerson are items an officer enters by hand.
	ChannelPhone    Channel = "phone"
	ChannelLetter   Channel = "letter"
	ChannelInPerson Channel = "in_person"
)

// Label is the channel in words, as a person reads it.
func (c Channel) Label() string {
	switch c {
	case ChannelWeb:
		return "Web form"
	case ChannelEmail:
		return "Email"
	case ChannelSocial:
		return "Social media"
	case ChannelPhone:
		return "Telephone"
	case ChannelLetter:
		return "Letter"
	case ChannelInPerson:
		return "In person"
	}
	return ""
}

// enteredByHand reports whether items on the channel are entered by an officer (Service.Intake)
// rather than arriving by themselves.
func (c Channel) enteredByHand() bool {
	return c == ChannelPhone || c == ChannelLetter || c == ChannelInPerson
}

// Stage is where a complaint stands in the two-stage procedure.
type Stage string

// The stages. Stage 1 is the investigation (the service manager), Stage 2 the review (a
// director, never the Stage 1 handler); after that the resident may go to the Ombudsman.
const (
	StageNone Stage = ""
	Stage1    Stage = "stage1"
	Stage2    Stage = "stage2"
)

// Label is the stage as residents and officers read it.
func (s Stage) Label() string {
	switch s {
	case Stage1:
		return "Stage 1 (investigation)"
	case Stage2:
		return "Stage 2 (review)"
	}
	return ""
}

// Status is whether a case is still being worked on.
type Status string

// The statuses.
const (
	StatusOpen   Status = "open"
	StatusClosed Status = "closed"
)
