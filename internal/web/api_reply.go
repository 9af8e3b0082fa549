package web

import (
	"net/http"
	"sort"

	"github.com/council/intake/internal/feedback"
)

// The conversation with the resident in the officer API: replying to them, the saved replies to
// start from, and the case's messages both ways.

// reply handles POST /v1/cases/{reference}/reply: {"text"} emailed to the resident, through
// the action table as the console's reply form is.
func (h *Handler) reply(r *http.Request, who feedback.StaffMember) (int, any, error) {
	var body struct {
		Text string `json:"text"`
	}
	if err := decode(r, &body); err != nil {
		return 0, nil, err
	}
	c, err := runAction(r.Context(), h.Service, who, r.PathValue("reference"), feedback.ActionReply, map[string]string{"text": body.Text})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, h.view(h.after(r, who, c)), nil
}

// replyTemplates handles GET /v1/cases/{reference}/reply-templates: the saved replies filled
// in for the case.
func (h *Handler) replyTemplates(r *http.Request, who feedback.StaffMember) (int, any, error) {
	ts, err := h.Service.ReplyTemplatesFor(r.Context(), who, r.PathValue("reference"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct {
		Templates []feedback.ReplyTemplate `json:"templates"`
	}{ts}, nil
}

// Directions of a message.
const (
	directionIn  = "in"
	directionOut = "out"
)

// messageView is a message on the case: in, from the resident (after the first, which is the
// case's own message), or out, an officer's reply to them (with who wrote it).
type messageView struct {
	Direction string `json:"direction"`
	feedback.Correspondence
	By string `json:"by,omitempty"`
	// To is whom a reply went to.
	To string `json:"to,omitempty"`
	// State is what became of a reply's email: pending, done, skipped or failed.
	State string `json:"state,omitempty"`
}

// messages are the case's messages both ways, oldest first.
func messages(c *feedback.Case) []messageView {
	out := []messageView{}
	for _, m := range c.Messages {
		out = append(out, messageView{Direction: directionIn, Correspondence: m})
	}
	for _, l := range c.Letters {
		if !l.Reply {
			continue
		}
		e := c.Effects[feedback.LetterEffect(l.Name)]
		state := string(e.State)
		if state == "" {
			state = "pending"
		}
		out = append(out, messageView{Direction: directionOut, By: l.By, To: l.To, State: state,
			Correspondence: feedback.Correspondence{At: l.At, Channel: feedback.ChannelEmail, Subject: l.Subject, Text: l.Text, MessageID: e.MessageID}})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}
