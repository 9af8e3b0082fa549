package functions_test

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/dynamo"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/mototest"
	"github.com/council/intake/internal/outbox"
	"github.com/council/intake/internal/soak"
	"github.com/jhillyerd/enmime/v2"
)

// The AWS path's audit reads what the functions left in moto, without faults: the table (cases,
// restrictions, what is pending), the schedules still in the group, and every email SES
// accepted, each letter known by the Message-ID Intake gives it (feedback's LetterMessageID:
// the owner's reference and the side effect, at the reply domain).

func (h *awsSoak) store() *dynamo.Store { return dynamo.New(h.s.db, h.s.table, clock.System{}) }

func (h *awsSoak) audit(ctx context.Context, res *soak.Result) error {
	var state soak.State
	if err := state.ReadStore(ctx, h.store()); err != nil {
		return err
	}
	schedules, err := h.listSchedules(ctx)
	if err != nil {
		return err
	}
	for _, sc := range schedules {
		var r feedback.Reminder
		if err := json.Unmarshal([]byte(aws.ToString(sc.Target.Input)), &r); err != nil {
			return err
		}
		state.Reminders = append(state.Reminders, r)
	}
	// Every letter SES accepted, by the local part of its Message-ID.
	byID := map[string][]outbox.Sent{}
	raws := map[string]string{}
	for _, m := range mototest.SentRaw(h.t, h.s.endpoint) {
		raws[m.ID] = m.RawData
		head, _, _ := strings.Cut(m.RawData, "\r\n\r\n")
		id := rawMessageID.FindStringSubmatch(head)
		if id == nil {
			continue
		}
		local, _, _ := strings.Cut(id[1], "@")
		byID[local] = append(byID[local], outbox.Sent{ID: m.ID, Message: feedback.Message{MessageID: id[1]}})
	}
	svc := &feedback.Service{}
	idOf := func(owner, name string) string {
		local, _, _ := strings.Cut(svc.LetterMessageID(owner, name), "@")
		return local
	}
	state.Letters = map[string][]outbox.Sent{}
	add := func(owner string, es feedback.Effects) {
		for name := range es {
			sent := byID[idOf(owner, name)]
			if len(sent) == 0 {
				continue
			}
			if name == feedback.EffectAssignment {
				// The audit reads the assignment's words (is the officer told that the
				// acknowledgement failed?).
				if env, err := enmime.ReadEnvelope(strings.NewReader(raws[sent[0].ID])); err == nil {
					sent[0].Text = env.Text
				}
			}
			state.Letters[owner+"/"+name] = sent
		}
	}
	for _, c := range state.Cases {
		add(c.Ref, c.Effects)
	}
	for _, r := range state.Restrictions {
		add(r.ID, r.Effects)
	}
	state.Resent = func(key string) string {
		owner, _, _ := strings.Cut(key, "/")
		sent := state.Letters[key]
		if len(sent) == 0 {
			return ""
		}
		why := h.journal.resentBecause(sent[0].MessageID, owner)
		if why == "" {
			h.t.Logf("%s was sent %d times; what the journal knows:\n%s", key, len(sent), strings.Join(h.journal.story(sent[0].MessageID, owner), "\n"))
		}
		return why
	}
	soak.Audit(res, state, h.items)
	return nil
}
