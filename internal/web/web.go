// Package web serves Intake over plain net/http: the public feedback form, the thank-you page
// and the JSON API. The same handler runs behind API Gateway in Lambda and under the local
// runner. It owns the one table that turns domain error codes into HTTP statuses.
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/council/intake/internal/feedback"
)

// MaxBodyBytes caps a request body; a resident's message is at most 10,000 characters, which
// is under 40 KB even in four-byte UTF-8.
const MaxBodyBytes = 64 << 10

// Handler serves the form and the feedback API.
type Handler struct {
	Service *feedback.Service
	// AfterCommit, when set, is called with the reference of each case just stored, to carry
	// out its side effects. In Lambda it is nil: the table's stream does that work instead.
	AfterCommit func(ctx context.Context, ref string)
	// Staff resolves who is calling the officer API (locally BearerTokens; the console's
	// session plugs in here too). Nil refuses every officer request with 401.
	Staff func(*http.Request) (feedback.StaffMember, error)
	Log   *slog.Logger
}

// Routes returns the handler's routes, as template.yaml declares them.
func (h *Handler) Routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.form)
	mux.HandleFunc("GET /thank-you", h.thanks)
	mux.HandleFunc("POST /v1/feedback", h.submit)
	h.apiRoutes(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	return mux
}

// statuses is the one table from domain error codes to HTTP statuses.
var statuses = map[string]int{
	feedback.EINVALID:     http.StatusUnprocessableEntity,
	feedback.ENOTFOUND:    http.StatusNotFound,
	feedback.ECONFLICT:    http.StatusConflict,
	feedback.EFORBIDDEN:   http.StatusForbidden,
	feedback.ETOOLARGE:    http.StatusRequestEntityTooLarge,
	feedback.EUNAVAILABLE: http.StatusServiceUnavailable,
	feedback.EINTERNAL:    http.StatusInternalServerError,
}

// Status returns the HTTP status for err's code.
func Status(err error) int {
	if s, ok := statuses[feedback.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// honeypot is a field people never see; software that fills every field fills it.
const honeypot = "website"

// created is the JSON answer to a submission.
type created struct {
	Reference     string `json:"reference"`
	Kind          string `json:"kind"`
	ReceivedAt    string `json:"received_at"`
	AcknowledgeBy string `json:"acknowledge_by"`
	RespondBy     string `json:"respond_by,omitempty"`
}

func (h *Handler) submit(w http.ResponseWriter, r *http.Request) {
	reqID := requestID(r)
	w.Header().Set("X-Request-Id", reqID)
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	isForm := mediaType == "application/x-www-form-urlencoded"

	var sub feedback.Submission
	var trap string
	switch {
	case mediaType == "application/json":
		var body struct {
			Kind           string `json:"kind"`
			Name           string `json:"name"`
			Email          string `json:"email"`
			Phone          string `json:"phone"`
			ServiceArea    string `json:"service_area"`
			Subject        string `json:"subject"`
			Message        string `json:"message"`
			IdempotencyKey string `json:"idempotency_key"`
			Website        string `json:"website"`
		}
		dec := json.NewDecoder(r.Body)
		if err := dec.Decode(&body); err != nil {
			h.problem(w, r, reqID, bodyError(err, "The request body is not valid JSON: "))
			return
		}
		sub = feedback.Submission{Kind: body.Kind, Name: body.Name, Email: body.Email, Phone: body.Phone,
			ServiceArea: body.ServiceArea, Subject: body.Subject, Message: body.Message, IdempotencyKey: body.IdempotencyKey}
		trap = body.Website
	case isForm:
		if err := r.ParseForm(); err != nil {
			h.problem(w, r, reqID, bodyError(err, "The form could not be read: "))
			return
		}
		f := r.PostForm
		sub = feedback.Submission{Kind: f.Get("kind"), Name: f.Get("name"), Email: f.Get("email"), Phone: f.Get("phone"),
			ServiceArea: f.Get("service_area"), Subject: f.Get("subject"), Message: f.Get("message"),
			IdempotencyKey: f.Get("idempotency_key")}
		trap = f.Get(honeypot)
	default:
		h.problem(w, r, reqID, &problemError{status: http.StatusUnsupportedMediaType,
			detail: "Send the feedback as application/json or application/x-www-form-urlencoded."})
		return
	}
	sub.Channel = feedback.ChannelWeb
	if k := r.Header.Get("Idempotency-Key"); k != "" {
		sub.IdempotencyKey = k
	}
	if sub.IdempotencyKey != "" {
		// Keys are scoped by channel so that a web key can never collide with an email's id.
		sub.IdempotencyKey = "web:" + sub.IdempotencyKey
	}

	var (
		c     *feedback.Case
		fresh bool
		err   error
	)
	if strings.TrimSpace(trap) != "" {
		err = &feedback.Error{Code: feedback.EINVALID, Message: "There is a problem with what was sent",
			Fields: []feedback.FieldError{{Field: honeypot, Message: "Leave the last box, which is there to stop automated messages, empty"}}}
	} else {
		c, fresh, err = h.Service.Submit(r.Context(), sub)
	}
	if err != nil {
		if isForm && feedback.ErrorCode(err) == feedback.EINVALID {
			h.renderForm(w, http.StatusUnprocessableEntity, formFromSubmission(sub, r.PostForm.Get("idempotency_key")), feedback.ErrorFields(err))
			return
		}
		h.problem(w, r, reqID, err)
		return
	}
	if fresh && h.AfterCommit != nil {
		h.AfterCommit(r.Context(), c.Ref)
	}
	if !fresh {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	if isForm {
		http.Redirect(w, r, "/thank-you?ref="+url.QueryEscape(c.Ref), http.StatusSeeOther)
		return
	}
	out := created{
		Reference:     c.Ref,
		Kind:          string(c.Kind),
		ReceivedAt:    c.ReceivedAt.UTC().Format(time.RFC3339),
		AcknowledgeBy: c.AcknowledgeBy.Format("2006-01-02"),
	}
	if !c.RespondBy.IsZero() {
		out.RespondBy = c.RespondBy.Format("2006-01-02")
	}
	writeJSON(w, http.StatusCreated, out)
}

// problemError is a transport-level failure (bad JSON, wrong media type) with its own status.
type problemError struct {
	status int
	detail string
}

func (e *problemError) Error() string { return e.detail }

func bodyError(err error, prefix string) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return feedback.Errorf(feedback.ETOOLARGE, "The request is larger than %d KB. Shorten the message and try again.", MaxBodyBytes>>10)
	}
	return &problemError{status: http.StatusBadRequest, detail: prefix + err.Error()}
}

type problem struct {
	Type      string                `json:"type"`
	Title     string                `json:"title"`
	Status    int                   `json:"status"`
	Detail    string                `json:"detail"`
	Errors    []feedback.FieldError `json:"errors,omitempty"`
	RequestID string                `json:"request_id"`
}

// problem writes err as application/problem+json (RFC 9457). Internal errors are logged with
// the request id and shown only as "internal error".
func (h *Handler) problem(w http.ResponseWriter, r *http.Request, reqID string, err error) {
	p := problem{Type: "about:blank", RequestID: reqID}
	var pe *problemError
	if errors.As(err, &pe) {
		p.Status, p.Detail = pe.status, pe.detail
	} else {
		p.Status, p.Detail, p.Errors = Status(err), feedback.ErrorMessage(err), feedback.ErrorFields(err)
	}
	p.Title = http.StatusText(p.Status)
	if p.Status >= 500 {
		h.log().Error("request failed", "request_id", reqID, "method", r.Method, "path", r.URL.Path, "err", err)
		p.Detail = "internal error: quote request id " + reqID + " if you contact us"
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 64 && safeID.MatchString(id) {
		return id
	}
	return randomHex(8)
}

var safeID = regexp.MustCompile(`^[A-Za-z0-9._=-]+$`)

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (h *Handler) log() *slog.Logger {
	if h.Log == nil {
		return slog.Default()
	}
	return h.Log
}
