package web

import (
	"net/http"
	"time"

	"github.com/council/intake/internal/feedback"
)

// The staff-safety list over the officer API: the complaints team makes and reads it; every
// case of a marked person shows its markers to whoever may see the case.

func (h *Handler) markerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/markers", h.api(h.listMarkers))
	mux.HandleFunc("POST /v1/markers", h.api(h.createMarker))
	mux.HandleFunc("POST /v1/markers/{id}/told", h.api(h.markerTold))
}

// markerView is a marker as the API shows it, dates as YYYY-MM-DD.
type markerView struct {
	ID        string   `json:"id"`
	Contacts  []string `json:"contacts,omitempty"`
	Reason    string   `json:"reason"`
	DecidedBy string   `json:"decided_by"`
	DecidedOn string   `json:"decided_on"`
	ToldOn    *string  `json:"told_on"`
	ExpiresOn string   `json:"expires_on"`
}

func markerOf(m *feedback.Marker, withContacts bool) markerView {
	v := markerView{ID: m.ID, Reason: m.Reason, DecidedBy: m.DecidedBy, DecidedOn: m.DecidedOn.Format(time.DateOnly),
		ExpiresOn: m.ExpiresAt.Format(time.DateOnly)}
	if withContacts {
		v.Contacts = m.Contacts
	}
	if !m.ToldOn.IsZero() {
		d := m.ToldOn.Format(time.DateOnly)
		v.ToldOn = &d
	}
	return v
}

func (h *Handler) listMarkers(r *http.Request, who feedback.StaffMember) (int, any, error) {
	ms, err := h.Service.ListMarkers(r.Context(), who)
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		Markers []markerView `json:"markers"`
	}{Markers: []markerView{}}
	for _, m := range ms {
		out.Markers = append(out.Markers, markerOf(m, true))
	}
	return http.StatusOK, out, nil
}

func (h *Handler) createMarker(r *http.Request, who feedback.StaffMember) (int, any, error) {
	var body struct {
		Contact    string   `json:"contact"`
		Identities []string `json:"identities"`
		Reason     string   `json:"reason"`
		DecidedBy  string   `json:"decided_by"`
		DecidedOn  string   `json:"decided_on"`
		ToldOn     string   `json:"told_on"`
	}
	if err := decode(r, &body); err != nil {
		return 0, nil, err
	}
	n := feedback.NewMarker{Contacts: append([]string{body.Contact}, body.Identities...), Reason: body.Reason, DecidedBy: body.DecidedBy}
	var err error
	if body.DecidedOn != "" {
		if n.DecidedOn, err = h.date("decided_on", body.DecidedOn); err != nil {
			return 0, nil, err
		}
	}
	if body.ToldOn != "" {
		if n.ToldOn, err = h.date("told_on", body.ToldOn); err != nil {
			return 0, nil, err
		}
	}
	m, err := h.Service.Mark(r.Context(), who, n)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, markerOf(m, true), nil
}

// markerTold records the day the person was told in writing, when that came after the marker.
func (h *Handler) markerTold(r *http.Request, who feedback.StaffMember) (int, any, error) {
	var body struct {
		ToldOn string `json:"told_on"`
	}
	if err := decodeOptional(r, &body); err != nil {
		return 0, nil, err
	}
	var told time.Time
	if body.ToldOn != "" {
		var err error
		if told, err = h.date("told_on", body.ToldOn); err != nil {
			return 0, nil, err
		}
	}
	m, err := h.Service.RecordMarkerTold(r.Context(), who, r.PathValue("id"), told)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, markerOf(m, true), nil
}

// caseMarkers returns the staff-safety markers to show with a case, without the person's
// other identities. A failure to read them is logged and shows none rather than hiding the case.
func (h *Handler) caseMarkers(r *http.Request, c *feedback.Case) []markerView {
	ms, err := h.Service.MarkersFor(r.Context(), c)
	if err != nil {
		h.log().Error("read staff-safety markers", "ref", c.Ref, "err", err)
	}
	out := []markerView{}
	for _, m := range ms {
		out = append(out, markerOf(m, false))
	}
	return out
}
