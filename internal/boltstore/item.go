package boltstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/council/intake/internal/feedback"
	bolt "go.etcd.io/bbolt"
)

// receivedRecord is a case as the received index keeps it: what a report reads and nothing
// else (no message, contact, correspondence, letters, flags or history; of the side effects
// only when the acknowledgement went), with short keys and times as Unix nanoseconds, because
// a report decodes a year of these and decoding is most of its time.
type receivedRecord struct {
	Ref        string           `json:"r"`
	Kind       feedback.Kind    `json:"k"`
	Channel    feedback.Channel `json:"c,omitempty"`
	Status     feedback.Status  `json:"s"`
	Stage      feedback.Stage   `json:"g,omitempty"`
	Area       string           `json:"a,omitempty"`
	AssignedTo string           `json:"t,omitempty"`
	receivedTimes
	Stages    []receivedStage    `json:"st,omitempty"`
	Ombudsman *receivedOmbudsman `json:"o,omitempty"`
	Version   int                `json:"v"`
}

type receivedStage struct {
	Stage     feedback.Stage   `json:"g"`
	Opened    int64            `json:"op,omitempty"`
	RespondBy int64            `json:"rb,omitempty"`
	Extended  int              `json:"x,omitempty"`
	Outcome   feedback.Outcome `json:"oc,omitempty"`
	Lessons   string           `json:"l,omitempty"`
	Pence     int64            `json:"p,omitempty"`
	At        int64            `json:"at,omitempty"`
}

type receivedOmbudsman struct {
	Which    feedback.Ombudsman `json:"w"`
	Referred int64              `json:"rf,omitempty"`
	Decision feedback.Decision  `json:"d,omitempty"`
	Decided  int64              `json:"dd,omitempty"`
	Pence    int64              `json:"p,omitempty"`
}

// receivedTimes are the case's dates as a report reads them, as nanos writes them.
type receivedTimes struct {
	Received  int64 `json:"rv,omitempty"`
	AckBy     int64 `json:"ab,omitempty"`
	RespondBy int64 `json:"rb,omitempty"`
	Acked     int64 `json:"ak,omitempty"`
	Closed    int64 `json:"cl,omitempty"`
	Expires   int64 `json:"ex,omitempty"`
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func newReceivedRecord(c *feedback.Case) receivedRecord {
	r := receivedRecord{Ref: c.Ref, Kind: c.Kind, Channel: c.Channel, Status: c.Status, Stage: c.Stage,
		Area: c.ServiceArea, AssignedTo: c.AssignedTo, Version: c.Version,
		receivedTimes: receivedTimes{Received: nanos(c.ReceivedAt), AckBy: nanos(c.AcknowledgeBy), RespondBy: nanos(c.RespondBy),
			Acked: nanos(c.AcknowledgedAt()), Closed: nanos(c.ClosedAt), Expires: nanos(c.ExpiresAt)}}
	for _, st := range c.Stages {
		r.Stages = append(r.Stages, receivedStage{Stage: st.Stage, Opened: nanos(st.OpenedAt), RespondBy: nanos(st.RespondBy),
			Extended: st.ExtendedBy, Outcome: st.Response.Outcome, Lessons: st.Response.Lessons,
			Pence: st.Response.CompensationPence, At: nanos(st.Response.At)})
	}
	if o := c.Ombudsman; o.Which != "" {
		r.Ombudsman = &receivedOmbudsman{Which: o.Which, Referred: nanos(o.ReferredOn), Decision: o.Decision,
			Decided: nanos(o.DecidedOn), Pence: o.CompensationPence}
	}
	return r
}

func (r receivedRecord) toCase() *feedback.Case {
	c := &feedback.Case{Ref: r.Ref, Kind: r.Kind, Channel: r.Channel, Status: r.Status, Stage: r.Stage, ServiceArea: r.Area,
		AssignedTo: r.AssignedTo, ReceivedAt: fromNanos(r.Received), AcknowledgeBy: fromNanos(r.AckBy),
		RespondBy: fromNanos(r.RespondBy), ClosedAt: fromNanos(r.Closed), ExpiresAt: fromNanos(r.Expires), Version: r.Version}
	if r.Acked != 0 {
		c.Effects = feedback.Effects{feedback.EffectAcknowledgement: {State: feedback.EffectDone, At: fromNanos(r.Acked)}}
	}
	for _, st := range r.Stages {
		c.Stages = append(c.Stages, feedback.StageRecord{Stage: st.Stage, OpenedAt: fromNanos(st.Opened), RespondBy: fromNanos(st.RespondBy),
			ExtendedBy: st.Extended, Response: feedback.Response{Outcome: st.Outcome, Lessons: st.Lessons,
				CompensationPence: st.Pence, At: fromNanos(st.At)}})
	}
	if o := r.Ombudsman; o != nil {
		c.Ombudsman = feedback.OmbudsmanRecord{Which: o.Which, ReferredOn: fromNanos(o.Referred), Decision: o.Decision,
			DecidedOn: fromNanos(o.Decided), CompensationPence: o.Pence}
	}
	return c
}

// putReceived writes the case's entry in the received index.
func putReceived(b *bolt.Bucket, c *feedback.Case) error {
	k, v, err := encodeReceived(c)
	if err != nil {
		return err
	}
	return b.Put(k, v)
}

// encodeReceived returns the case's key and entry in the received index, made before a write
// transaction so that the transaction only puts them.
func encodeReceived(c *feedback.Case) (k, v []byte, err error) {
	v, err = json.Marshal(newReceivedRecord(c))
	if err != nil {
		return nil, nil, fmt.Errorf("encode case %s: %w", c.Ref, err)
	}
	return []byte(feedback.ReceivedKey(c)), v, nil
}
