package feedback

import "time"

// Contact is how to reach the person who wrote to us. Any part may be empty: a social-media
// post may give none, and anonymous compliments are welcome.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
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

	// Effects records every side effect the case calls for and what became of it, so that a
	// redelivered trigger does none of them twice.
	Effects Effects `json:"effects,omitempty"`

	ClosedAt time.Time `json:"closed_at,omitzero"`
	// ExpiresAt is when the retention period ends and the record must be destroyed; zero while
	// the case is open.
	ExpiresAt time.Time `json:"expires_at,omitzero"`

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
func (c *Case) Expired(now time.Time) bool {
	return !c.ExpiresAt.IsZero() && !now.Before(c.ExpiresAt)
}
