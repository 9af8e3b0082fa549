package feedback

import "time"

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
}

// Record appends an event to the case's history.
func (c *Case) Record(at time.Time, by, action, detail, reason string) {
	c.History = append(c.History, Event{At: at, By: by, Action: action, Detail: detail, Reason: reason})
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
