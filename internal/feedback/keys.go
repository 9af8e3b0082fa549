package feedback

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Keys: the strings records are stored, sorted, found and deduplicated by. Stores and the
// domain build them here alone. (email.go keeps emailKey and messageKey, the inbound email
// keys, while the email channel is reworked; they belong here.)

// ListKey is where a case sorts in ListCases, and what a cursor holds: its response date (or,
// without one, the last day to ask for Stage 2, or else its acknowledgement date) as
// YYYY-MM-DD, "#", and its reference.
func ListKey(c *Case) string {
	d := c.RespondBy
	if d.IsZero() {
		d = c.EscalateBy
	}
	if d.IsZero() {
		d = c.AcknowledgeBy
	}
	return d.Format(time.DateOnly) + "#" + c.Ref
}

// DueOn is the date by which Store.ListDue holds an open case: its response date; or, once
// Stage 1 has had its response, the last day to ask for Stage 2 (EscalateBy), so that the sweep
// closes it when that has passed. A case answered before Intake recorded that day is held by the
// day of the response, on or before any window's end, so that the sweep finds it and works the
// day out. Zero for a closed case or one that owes nothing.
func DueOn(c *Case) time.Time {
	switch {
	case c.Status != StatusOpen:
		return time.Time{}
	case !c.RespondBy.IsZero():
		return c.RespondBy
	case !c.EscalateBy.IsZero():
		return c.EscalateBy
	}
	if st, ok := c.StageRecordOf(Stage1); ok && c.Kind == KindComplaint && c.Stage == Stage1 && st.Responded() {
		return st.Response.At
	}
	return time.Time{}
}

// ReceivedKey is where a case sorts in ListReceived, and what its cursors hold: the instant of
// receipt in UTC at fixed width (so that string order is time order), "#", and the reference.
func ReceivedKey(c *Case) string { return SortableTime(c.ReceivedAt) + "#" + c.Ref }

// ReceivedMonth is the UTC month ("2006-01") a case was received in: the partition of the
// DynamoDB index that ListReceived reads.
func ReceivedMonth(t time.Time) string { return t.UTC().Format("2006-01") }

// SortableTime formats t in UTC with a fixed number of fractional digits, so that byte order is
// time order (time.RFC3339Nano trims trailing zeros and keeps the offset, which breaks string
// order): what every store's time-ordered keys start with.
func SortableTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

// ReceivedBound is the ReceivedKey prefix of an instant: every case received at or after t
// sorts at or after it, every case received before t sorts before it.
func ReceivedBound(t time.Time) string { return SortableTime(t) }

// ContactKey is the identity a case is found by when someone asks for a person's data: its
// sender's email address or, without one, telephone number, normalised; "" for an anonymous
// case.
func ContactKey(c *Case) string {
	for _, v := range []string{c.Contact.Email, c.Contact.Phone} {
		if n, err := NormalizeContact(v); err == nil {
			return n
		}
	}
	return ""
}

// sequenceName names the counter from which references for year are drawn.
func sequenceName(year int) string { return "ref-" + strconv.Itoa(year) }

// socialKey is the idempotency key of the case a post opened.
func socialKey(p Platform, postID string) string { return "social:" + string(p) + ":" + postID }

// digest is a short, stable stand-in for a personal identifier in a store key.
func digest(v string) string {
	h := sha256.Sum256([]byte(strings.ToLower(v)))
	return hex.EncodeToString(h[:16])
}
