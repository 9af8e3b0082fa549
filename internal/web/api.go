package web

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/council/intake/internal/feedback"
)

// The officer API: JSON under /v1/cases, for integrations. Who is calling comes from the
// Handler's Staff resolver (locally a bearer token, in AWS the JWT authoriser's email claim,
// for the console a session cookie); every operation is the domain's, which decides what that
// member of staff may see and do.

// ErrUnauthenticated is what a Staff resolver returns when the request says nobody the
// directory knows.
var ErrUnauthenticated = errors.New("web: not signed in")

// BearerTokens returns a Staff resolver for "Authorization: Bearer <token>", with tokens
// mapping each token to a staff address in dir.
func BearerTokens(tokens map[string]string, dir feedback.Directory) func(*http.Request) (feedback.StaffMember, error) {
	return func(r *http.Request) (feedback.StaffMember, error) {
		scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
			return feedback.StaffMember{}, ErrUnauthenticated
		}
		email := ""
		for t, e := range tokens {
			// Compare every token in constant time, so timing says nothing about them.
			if subtle.ConstantTimeCompare([]byte(t), []byte(strings.TrimSpace(tok))) == 1 {
				email = e
			}
		}
		m, known := dir.Lookup(email)
		if email == "" || !known {
			return feedback.StaffMember{}, ErrUnauthenticated
		}
		return m, nil
	}
}

// OfficerRoutes returns the officer function's routes, as template.yaml declares them: the
// officer API (api's Staff says who is calling) and the console. The public form is not among
// them; the web form function serves it.
func OfficerRoutes(api *Handler, console *Console) *http.ServeMux {
	mux := http.NewServeMux()
	api.apiRoutes(mux)
	console.Register(mux)
	apiProblems(mux)
	return mux
}

// apiRoutes adds the officer API to mux.
func (h *Handler) apiRoutes(mux *http.ServeMux) {
	for pattern, answer := range map[string]apiAnswer{
		"GET /v1/cases":                             h.listCases,
		"POST /v1/cases":                            h.intake,
		"GET /v1/cases/{reference}":                 h.getCase,
		"POST /v1/cases/{reference}/{action}":       h.caseAction,
		"POST /v1/cases/{reference}/reply":          h.reply,
		"GET /v1/cases/{reference}/reply-templates": h.replyTemplates,
		"GET /v1/destructions":                      h.destructions,
	} {
		mux.HandleFunc(pattern, h.api(answer))
	}
	h.restrictionRoutes(mux)
	h.markerRoutes(mux)
	h.contactRoutes(mux)
	mux.HandleFunc("GET /v1/reports/annual", h.staffRequest(h.annualReport))
	mux.HandleFunc("POST /v1/import", h.staffRequest(h.importFile))
}

// destructions answers the destruction log for records whose retention ended from the date
// from up to, not including, the date to (both YYYY-MM-DD; by default the last year).
func (h *Handler) destructions(r *http.Request, who feedback.StaffMember) (int, any, error) {
	v := r.URL.Query()
	today := h.Service.Calendar.Date(h.Service.Clock.Now())
	from, to := today.AddDate(-1, 0, 0), today.AddDate(0, 0, 1)
	var err error
	if s := v.Get("from"); s != "" {
		if from, err = h.date("from", s); err != nil {
			return 0, nil, err
		}
	}
	if s := v.Get("to"); s != "" {
		if to, err = h.date("to", s); err != nil {
			return 0, nil, err
		}
	}
	lines, err := h.Service.Destructions(r.Context(), who, from, to)
	if err != nil {
		return 0, nil, err
	}
	if lines == nil {
		lines = []feedback.Destruction{}
	}
	return http.StatusOK, struct {
		Destructions []feedback.Destruction `json:"destructions"`
	}{lines}, nil
}

// apiAnswer answers one API request for who: its status and body, or an error.
type apiAnswer func(r *http.Request, who feedback.StaffMember) (int, any, error)

// api authenticates the caller and hands the handler who they are; a handler returns the
// status and body to write, or an error to write as problem+json.
func (h *Handler) api(fn apiAnswer) http.HandlerFunc {
	return h.staffRequest(func(w http.ResponseWriter, r *http.Request, who feedback.StaffMember) error {
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		status, body, err := fn(r, who)
		if err != nil {
			return err
		}
		writeJSON(w, status, body)
		return nil
	})
}

// decode reads a JSON body into v.
func decode(r *http.Request, v any) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return &problemError{status: http.StatusUnsupportedMediaType, detail: "Send the request as application/json."}
	}
	return decodeJSON(r.Body, v, true)
}

// decodeOptional is decode for a request whose body may be left out: none leaves v as it is.
func decodeOptional(r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return decode(r, v)
}

// caseView is a case as the API shows it.
type caseView struct {
	Reference   string           `json:"reference"`
	Kind        feedback.Kind    `json:"kind"`
	Channel     feedback.Channel `json:"channel"`
	Status      feedback.Status  `json:"status"`
	Stage       feedback.Stage   `json:"stage,omitempty"`
	AssignedTo  string           `json:"assigned_to"`
	ServiceArea string           `json:"service_area,omitempty"`
	// Name is who sent it, as the console's work queue shows them: their name, their social
	// handle ("@ada_resident"), or "Anonymous".
	Name string `json:"name"`
	// Subject is the subject, or the message's first words when there was none.
	Subject        string                 `json:"subject"`
	Message        string                 `json:"message"`
	Contact        feedback.Contact       `json:"contact"`
	Social         *feedback.SocialOrigin `json:"social,omitempty"`
	ReceivedAt     string                 `json:"received_at"`
	AcknowledgeBy  string                 `json:"acknowledge_by,omitempty"`
	AcknowledgedAt *string                `json:"acknowledged_at"`
	RespondBy      *string                `json:"respond_by"`
	// WorkingDaysLeft counts the working days to RespondBy on the council's calendar: 0 on the
	// day, negative when overdue; null with no response date.
	WorkingDaysLeft *int             `json:"working_days_left"`
	Overdue         bool             `json:"overdue"`
	Extended        bool             `json:"extended"`
	ClosedAt        *string          `json:"closed_at"`
	Outcome         feedback.Outcome `json:"outcome,omitempty"`
	ExpiresAt       *string          `json:"expires_at"`
	Hold            *feedback.Hold   `json:"hold"`
	// SafetyMarkers are the staff-safety markers on the sender (only on a single case's answer).
	SafetyMarkers []markerView              `json:"safety_markers,omitempty"`
	Stages        []feedback.StageRecord    `json:"stages"`
	Ombudsman     *feedback.OmbudsmanRecord `json:"ombudsman,omitempty"`
	Messages      []messageView             `json:"messages"`
	Letters       []letterView              `json:"letters"`
	Flags         []feedback.Flag           `json:"flags,omitempty"`
	History       []feedback.Event          `json:"history"`
}

// letterView is a letter without its HTML body, and with what became of it.
type letterView struct {
	Name    string `json:"name"`
	At      string `json:"at"`
	To      string `json:"to,omitempty"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
	Staff   bool   `json:"staff,omitempty"`
	ByPost  bool   `json:"by_post,omitempty"`
	State   string `json:"state"`
}

func stamp(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func (h *Handler) view(c *feedback.Case) caseView {
	v := caseView{
		Reference: c.Ref, Kind: c.Kind, Channel: c.Channel, Status: c.Status, Stage: c.Stage,
		AssignedTo: c.AssignedTo, ServiceArea: c.ServiceArea, Name: residentName(c), Subject: subjectOf(c), Message: c.Message, Contact: c.Contact, Social: c.Social,
		ReceivedAt: c.ReceivedAt.UTC().Format(time.RFC3339), AcknowledgedAt: stamp(c.AcknowledgedAt()),
		Extended: c.Extended(), ClosedAt: stamp(c.ClosedAt), Outcome: c.Outcome(), ExpiresAt: stamp(c.ExpiresAt), Hold: c.Hold,
		Stages: c.Stages, Messages: messages(c), Flags: c.Flags, History: c.History,
		Letters: []letterView{},
	}
	if !c.AcknowledgeBy.IsZero() {
		v.AcknowledgeBy = c.AcknowledgeBy.Format(time.DateOnly)
	}
	if !c.RespondBy.IsZero() {
		d := c.RespondBy.Format(time.DateOnly)
		v.RespondBy = &d
		v.Overdue = c.Status == feedback.StatusOpen && d < h.Service.Calendar.Date(h.Service.Clock.Now()).Format(time.DateOnly)
		if left, ok := h.Service.WorkingDaysLeft(c); ok && c.Status == feedback.StatusOpen {
			v.WorkingDaysLeft = &left
		}
	}
	if c.Ombudsman.Which != "" {
		o := c.Ombudsman
		v.Ombudsman = &o
	}
	for _, l := range c.Letters {
		state := string(c.Effects[feedback.LetterEffect(l.Name)].State)
		switch {
		case l.ByPost:
			state = "posted"
		case state == "":
			state = "pending"
		}
		v.Letters = append(v.Letters, letterView{Name: l.Name, At: l.At.UTC().Format(time.RFC3339), To: l.To,
			Subject: l.Subject, Text: l.Text, Staff: l.Staff, ByPost: l.ByPost, State: state})
	}
	if v.Stages == nil {
		v.Stages = []feedback.StageRecord{}
	}
	if v.History == nil {
		v.History = []feedback.Event{}
	}
	return v
}

func (h *Handler) getCase(r *http.Request, who feedback.StaffMember) (int, any, error) {
	c, err := h.Service.Case(r.Context(), who, r.PathValue("reference"))
	if err != nil {
		return 0, nil, err
	}
	v := h.view(c)
	v.SafetyMarkers = h.caseMarkers(r, c)
	return http.StatusOK, v, nil
}

func (h *Handler) listCases(r *http.Request, who feedback.StaffMember) (int, any, error) {
	v := r.URL.Query()
	q := feedback.CaseQuery{
		Status: feedback.Status(v.Get("status")), AssignedTo: v.Get("assigned_to"), ServiceArea: v.Get("service_area"),
		Kind: feedback.Kind(v.Get("kind")), Stage: feedback.Stage(v.Get("stage")), Channel: feedback.Channel(v.Get("channel")),
	}
	if cur := v.Get("cursor"); cur != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cur)
		if err != nil {
			return 0, nil, fieldError("cursor", "The cursor is not one this list gave")
		}
		q.Cursor = string(raw)
	}
	switch o := v.Get("overdue"); o {
	case "", "false":
	case "true":
		q.Overdue = true
	default:
		return 0, nil, fieldError("overdue", "overdue must be true or false")
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return 0, nil, fieldError("limit", "limit must be a whole number of at least 1")
		}
		q.Limit = n
	}
	var page feedback.CasePage
	var err error
	if text := v.Get("q"); text != "" {
		page, err = h.Service.Search(r.Context(), who, text, q) // open and closed, newest first
	} else {
		page, err = h.Service.ListCases(r.Context(), who, q)
	}
	if err != nil {
		return 0, nil, err
	}
	out := struct {
		Cases []caseView `json:"cases"`
		Next  string     `json:"next_cursor,omitempty"`
	}{Cases: []caseView{}}
	if page.Next != "" {
		// The store's cursor holds a "#"; the API's is URL-safe as it stands.
		out.Next = base64.RawURLEncoding.EncodeToString([]byte(page.Next))
	}
	for _, c := range page.Cases {
		out.Cases = append(out.Cases, h.view(c))
	}
	return http.StatusOK, out, nil
}

func fieldError(field, msg string) error {
	return &feedback.Error{Code: feedback.EINVALID, Message: msg, Fields: []feedback.FieldError{{Field: field, Message: msg}}}
}

// date reads a YYYY-MM-DD date (or an RFC 3339 instant) in Europe/London.
func (h *Handler) date(field, s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s, h.Service.Calendar.Location())
	if err != nil {
		return time.Time{}, fieldError(field, field+" must be a date like 2027-01-04")
	}
	return t, nil
}

func (h *Handler) intake(r *http.Request, who feedback.StaffMember) (int, any, error) {
	var body struct {
		submissionJSON
		Channel    string `json:"channel"`
		ReceivedAt string `json:"received_at"`
	}
	if err := decode(r, &body); err != nil {
		return 0, nil, err
	}
	sub := body.submission()
	sub.Channel = feedback.Channel(body.Channel)
	if k := r.Header.Get("Idempotency-Key"); k != "" {
		body.IdempotencyKey = k
	}
	if body.IdempotencyKey != "" {
		sub.IdempotencyKey = "officer:" + who.Email + ":" + body.IdempotencyKey
	}
	if body.ReceivedAt != "" {
		t, err := h.date("received_at", body.ReceivedAt)
		if err != nil {
			return 0, nil, err
		}
		sub.ReceivedAt = t
	}
	c, fresh, err := h.Service.Intake(r.Context(), who, sub)
	if err != nil {
		return 0, nil, err
	}
	status := http.StatusOK
	if fresh {
		status = http.StatusCreated
		c = h.after(r, who, c)
	}
	return status, h.view(c), nil
}

// after carries out the case's side effects (locally; in AWS the stream does) and answers
// with the case as it now stands.
func (h *Handler) after(r *http.Request, who feedback.StaffMember, c *feedback.Case) *feedback.Case {
	if h.AfterCommit == nil {
		return c
	}
	h.AfterCommit(r.Context(), c.Ref)
	if now, err := h.Service.Case(r.Context(), who, c.Ref); err == nil {
		return now
	}
	return c
}

// actionBody is the JSON body of POST /v1/cases/{reference}/{action}: the fields of every
// action, each taking those it needs.
type actionBody struct {
	To                string `json:"to"`
	Kind              string `json:"kind"`
	Text              string `json:"text"`
	WorkingDays       int    `json:"working_days"`
	Reason            string `json:"reason"`
	Outcome           string `json:"outcome"`
	Summary           string `json:"summary"`
	Lessons           string `json:"lessons"`
	Remedy            string `json:"remedy"`
	CompensationPence int64  `json:"compensation_pence"`
	SentBy            string `json:"sent_by"`
	Reviewer          string `json:"reviewer"`
	Ombudsman         string `json:"ombudsman"`
	ReferredOn        string `json:"referred_on"`
	Decision          string `json:"decision"`
	DecidedOn         string `json:"decided_on"`
	Note              string `json:"note"`
}

// values are the body's fields as the action table reads them.
func (b actionBody) values() map[string]string {
	return map[string]string{
		"to": b.To, "kind": b.Kind, "text": b.Text, "working_days": strconv.Itoa(b.WorkingDays), "reason": b.Reason,
		"outcome": b.Outcome, "summary": b.Summary, "lessons": b.Lessons, "remedy": b.Remedy,
		"compensation_pence": strconv.FormatInt(b.CompensationPence, 10), "sent_by": b.SentBy, "reviewer": b.Reviewer,
		"ombudsman": b.Ombudsman, "referred_on": b.ReferredOn, "decision": b.Decision, "decided_on": b.DecidedOn, "note": b.Note,
	}
}

// caseAction carries out an action through the action table the console's forms use.
func (h *Handler) caseAction(r *http.Request, who feedback.StaffMember) (int, any, error) {
	var body actionBody
	if err := decode(r, &body); err != nil {
		return 0, nil, err
	}
	c, err := runAction(r.Context(), h.Service, who, r.PathValue("reference"), feedback.ActionName(r.PathValue("action")), body.values())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, h.view(h.after(r, who, c)), nil
}
