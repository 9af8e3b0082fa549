package web

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/council/intake/internal/feedback"
)

// The restrictions register over the officer API: the complaints team only (the domain
// refuses everyone else with 403).

func (h *Handler) restrictionRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/restrictions", h.api(h.listRestrictions))
	mux.HandleFunc("POST /v1/restrictions", h.api(h.createRestriction))
	mux.HandleFunc("POST /v1/restrictions/{id}/review", h.api(h.reviewRestriction))
}

// restrictionTerms are the terms of a restriction as the API reads and writes them, the
// decision's date as YYYY-MM-DD.
type restrictionTerms struct {
	Types        []feedback.RestrictionType `json:"types"`
	Topic        string                     `json:"topic,omitempty"`
	PhoneTimes   string                     `json:"phone_times,omitempty"`
	Reason       string                     `json:"reason"`
	DecidedBy    string                     `json:"decided_by"`
	DecidedOn    string                     `json:"decided_on"`
	NamedOfficer string                     `json:"named_officer,omitempty"`
}

// restrictionView is a restriction as the API shows it: dates as YYYY-MM-DD, the letters
// without their HTML.
type restrictionView struct {
	ID       string   `json:"id"`
	Contacts []string `json:"contacts"`
	restrictionTerms
	Scope     any                        `json:"scope"`
	ReviewBy  string                     `json:"review_by"`
	Status    feedback.RestrictionStatus `json:"status"`
	LiftedOn  *string                    `json:"lifted_on"`
	ExpiresAt *string                    `json:"expires_at"`
	History   []feedback.Event           `json:"history"`
	Letters   []letterView               `json:"letters"`
}

func restrictionOf(r *feedback.Restriction) restrictionView {
	v := restrictionView{ID: r.ID, Contacts: r.Contacts, restrictionTerms: restrictionTerms{Types: r.Types, Topic: r.Topic,
		PhoneTimes: r.PhoneTimes, Reason: r.Reason, DecidedBy: r.DecidedBy, DecidedOn: r.DecidedOn.Format(time.DateOnly),
		NamedOfficer: r.NamedOfficer},
		Scope: "all", ReviewBy: r.ReviewBy.Format(time.DateOnly), Status: r.Status, ExpiresAt: stamp(r.ExpiresAt),
		History: r.History, Letters: []letterView{}}
	if len(r.Scope) > 0 {
		v.Scope = r.Scope
	}
	if !r.LiftedOn.IsZero() {
		d := r.LiftedOn.Format(time.DateOnly)
		v.LiftedOn = &d
	}
	for _, l := range r.Letters {
		state := string(r.Effects[feedback.LetterEffect(l.Name)].State)
		if state == "" {
			state = "pending"
		}
		v.Letters = append(v.Letters, letterView{Name: l.Name, At: l.At.UTC().Format(time.RFC3339), To: l.To, Subject: l.Subject, Text: l.Text, State: state})
	}
	if v.History == nil {
		v.History = []feedback.Event{}
	}
	return v
}

func (h *Handler) listRestrictions(r *http.Request, who feedback.StaffMember) (int, any, error) {
	rs, err := h.Service.ListRestrictions(r.Context(), who)
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		Restrictions []restrictionView `json:"restrictions"`
	}{Restrictions: []restrictionView{}}
	for _, x := range rs {
		out.Restrictions = append(out.Restrictions, restrictionOf(x))
	}
	return http.StatusOK, out, nil
}

func (h *Handler) createRestriction(r *http.Request, who feedback.StaffMember) (int, any, error) {
	var body struct {
		Contact    string   `json:"contact"`
		Identities []string `json:"identities"`
		restrictionTerms
		Scope json.RawMessage `json:"scope"`
	}
	if err := decode(r, &body); err != nil {
		return 0, nil, err
	}
	n := feedback.NewRestriction{Contacts: append([]string{body.Contact}, body.Identities...), Types: body.Types,
		Topic: body.Topic, PhoneTimes: body.PhoneTimes, Reason: body.Reason, DecidedBy: body.DecidedBy, NamedOfficer: body.NamedOfficer}
	if body.DecidedOn != "" {
		d, err := h.date("decided_on", body.DecidedOn)
		if err != nil {
			return 0, nil, err
		}
		n.DecidedOn = d
	}
	if len(body.Scope) > 0 && string(body.Scope) != "null" {
		var all string
		if json.Unmarshal(body.Scope, &all) == nil {
			if all != "all" {
				return 0, nil, fieldError("scope", `scope must be "all" or a list of references`)
			}
		} else if err := json.Unmarshal(body.Scope, &n.Scope); err != nil || len(n.Scope) == 0 {
			return 0, nil, fieldError("scope", `scope must be "all" or a list of references`)
		}
	}
	x, err := h.Service.Restrict(r.Context(), who, n)
	if err != nil {
		return 0, nil, err
	}
	h.processRestriction(r, x.ID)
	if now, err := h.Service.Restrictions.GetRestriction(r.Context(), x.ID); err == nil {
		x = now
	}
	return http.StatusCreated, restrictionOf(x), nil
}

func (h *Handler) reviewRestriction(r *http.Request, who feedback.StaffMember) (int, any, error) {
	var body struct {
		Decision string                     `json:"decision"`
		Notes    string                     `json:"notes"`
		Types    []feedback.RestrictionType `json:"types"`
	}
	if err := decode(r, &body); err != nil {
		return 0, nil, err
	}
	x, err := h.Service.ReviewRestriction(r.Context(), who, r.PathValue("id"), body.Decision, body.Notes, body.Types)
	if err != nil {
		return 0, nil, err
	}
	h.processRestriction(r, x.ID)
	if now, err := h.Service.Restrictions.GetRestriction(r.Context(), x.ID); err == nil {
		x = now
	}
	return http.StatusOK, restrictionOf(x), nil
}

// processRestriction carries out the restriction's letter and schedules straight away where
// the handler is told to (locally, as AfterCommit does for cases); a failure is left pending
// for the sweep.
func (h *Handler) processRestriction(r *http.Request, id string) {
	if h.AfterCommit == nil {
		return
	}
	if err := h.Service.ProcessRestriction(r.Context(), id); err != nil {
		h.log().Error("restriction side effects failed; the sweep will retry", "id", id, "err", err)
	}
}
