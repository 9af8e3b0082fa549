// Package web serves Intake over plain net/http: the public feedback form, the thank-you page
// and the JSON API. The same handler runs behind API Gateway in Lambda and under the local
// runner. It owns the one table that turns domain error codes into HTTP statuses.
package web

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/council/intake/internal/feedback"
)

// MaxBodyBytes caps a request body. The limits that matter to a resident are the domain's,
// counted on the decoded text (feedback.MaxMessageChars: 10,000 characters in any script); this
// one only has to let every submission within them through, in the longest encoding a caller may
// use. A four-byte character is 12 bytes percent-encoded in a form (%F0%A0%9C%8E) and 12 in JSON
// as a \uXXXX\uXXXX surrogate pair, so the message alone may be 10,000 × 12 = 120,000 bytes; a
// line break (%0D%0A, one character once normalised) costs only 6. The other fields add at most
// 200 × 12 each for subject, name and key, 254 × 12 for an email address, 30 × 3 for a phone
// number and a few hundred bytes of names and separators: about 131,000 bytes in all. 160 KB
// leaves room over that without inviting uploads.
const MaxBodyBytes = 160 << 10

// maxFormReadBytes is how much of a form post too large to accept is still read, so that the
// resident who pasted a long letter gets it back to shorten rather than losing it. Beyond this
// it is not a person typing, and the form is shown again empty.
const maxFormReadBytes = 1 << 20

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

// Routes returns the public form's routes and the officer API's, as the local runner serves
// them.
func (h *Handler) Routes() *http.ServeMux {
	mux := h.FormRoutes()
	h.apiRoutes(mux)
	return mux
}

// FormRoutes returns the public form's routes alone, as template.yaml gives them to the web
// form function: it does not link the officer API (the officer function serves that).
func (h *Handler) FormRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.form)
	mux.HandleFunc("GET /thank-you", h.thanks)
	mux.HandleFunc("POST /v1/feedback", h.submit)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(OpenAPI)
	})
	apiProblems(mux)
	return mux
}

// RetryAfterSeconds is what a 503 tells the caller to wait before trying again.
const RetryAfterSeconds = "5"

// OpenAPI is the OpenAPI 3.1 document of every HTTP route, served at /openapi.json. Tests hold
// it to the routes (template.yaml's and the handlers') and to the answers the handlers give.
//
//go:embed openapi/openapi.json
var OpenAPI []byte

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
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "application/x-www-form-urlencoded" {
		h.submitForm(w, r, reqID)
		return
	}
	if mediaType != "application/json" {
		h.problem(w, r, reqID, &problemError{status: http.StatusUnsupportedMediaType,
			detail: "Send the feedback as application/json or application/x-www-form-urlencoded."})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	var body struct {
		submissionJSON
		Website string `json:"website"`
	}
	if err := decodeJSON(r.Body, &body, false); err != nil {
		h.problem(w, r, reqID, err)
		return
	}
	sub := body.submission()
	sub.IdempotencyKey = body.IdempotencyKey
	if k := r.Header.Get("Idempotency-Key"); k != "" {
		sub.IdempotencyKey = k
	}
	c, fresh, err := h.store(r.Context(), sub, body.Website)
	if err != nil {
		h.problem(w, r, reqID, err)
		return
	}
	if !fresh {
		w.Header().Set("Idempotent-Replayed", "true")
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

// submissionJSON is a submission as the form's JSON and the officer API's intake send it.
type submissionJSON struct {
	Kind           string `json:"kind"`
	Name           string `json:"name"`
	Email          string `json:"email"`
	Phone          string `json:"phone"`
	ServiceArea    string `json:"service_area"`
	Subject        string `json:"subject"`
	Message        string `json:"message"`
	IdempotencyKey string `json:"idempotency_key"`
}

// submission is what was sent, without its idempotency key, which each route scopes its own way.
func (b submissionJSON) submission() feedback.Submission {
	return feedback.Submission{Kind: b.Kind, Name: b.Name, Email: b.Email, Phone: b.Phone,
		ServiceArea: b.ServiceArea, Subject: b.Subject, Message: b.Message}
}

// store checks the honeypot, submits sub from the web channel and starts the side effects of a
// new case. The idempotency key, if any, is scoped by channel so that a web key can never
// collide with an email's id.
func (h *Handler) store(ctx context.Context, sub feedback.Submission, trap string) (*feedback.Case, bool, error) {
	if strings.TrimSpace(trap) != "" {
		return nil, false, &feedback.Error{Code: feedback.EINVALID, Message: "There is a problem with what was sent",
			Fields: []feedback.FieldError{{Field: honeypot, Message: "Leave the last box, which is there to stop automated messages, empty"}}}
	}
	sub.Channel = feedback.ChannelWeb
	if sub.IdempotencyKey != "" {
		sub.IdempotencyKey = "web:" + sub.IdempotencyKey
	}
	c, fresh, err := h.Service.Submit(ctx, sub)
	if err != nil {
		return nil, false, err
	}
	if fresh && h.AfterCommit != nil {
		h.AfterCommit(ctx, c.Ref)
	}
	return c, fresh, nil
}

// problemError is a transport-level failure (bad JSON, wrong media type) with its own status.
type problemError struct {
	status int
	detail string
	// check names the authentication check that failed, for a 401.
	check string
}

func (e *problemError) Error() string { return e.detail }

var errTooLarge = feedback.Errorf(feedback.ETOOLARGE, "The request is larger than %d KB. Shorten the message to %d characters or fewer and try again.",
	MaxBodyBytes>>10, feedback.MaxMessageChars)

type problem struct {
	Type      string                `json:"type"`
	Title     string                `json:"title"`
	Status    int                   `json:"status"`
	Detail    string                `json:"detail"`
	Errors    []feedback.FieldError `json:"errors,omitempty"`
	Check     string                `json:"check,omitempty"`
	RequestID string                `json:"request_id"`
}

// problem writes err as application/problem+json (RFC 9457). Internal errors are logged with
// the request id and shown only as "internal error".
func (h *Handler) problem(w http.ResponseWriter, r *http.Request, reqID string, err error) {
	p := problem{Type: "about:blank", RequestID: reqID}
	var pe *problemError
	if errors.As(err, &pe) {
		p.Status, p.Detail, p.Check = pe.status, pe.detail, pe.check
	} else {
		p.Status, p.Detail, p.Errors = Status(err), feedback.ErrorMessage(err), feedback.ErrorFields(err)
	}
	p.Title = http.StatusText(p.Status)
	if p.Status == http.StatusServiceUnavailable {
		// A passing overload (the store gave up its retries): say when to try again, and say
		// it plainly; nothing was stored.
		w.Header().Set("Retry-After", RetryAfterSeconds)
		h.log().WarnContext(r.Context(), "request refused: a dependency is busy", "request_id", reqID, "path", r.URL.Path, "err", err)
	} else if p.Status >= 500 {
		h.log().ErrorContext(r.Context(), "request failed", "request_id", reqID, "method", r.Method, "path", r.URL.Path, "err", err)
		p.Detail = "internal error: quote request id " + reqID + " if you contact us"
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	if z, ok := v.(zipBody); ok {
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", `attachment; filename="`+z.name+`"`)
		w.WriteHeader(status)
		w.Write(z.data)
		return
	}
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

// Deferred returns a handler that is built on the first request rather than at cold start, for
// a handler whose making needs a call to AWS (the officer console's session key is in SSM):
// nothing is done at start-up that can wait. Until build succeeds, each request calls it again
// (one at a time) and a failure is logged with its reason and answered as an internal error,
// with the request id; once built, the handler serves every request.
func Deferred(log *slog.Logger, build func(context.Context) (http.Handler, error)) http.Handler {
	var (
		mu    sync.Mutex
		built http.Handler
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := built
		if h == nil {
			var err error
			if h, err = build(r.Context()); err != nil {
				mu.Unlock()
				(&Handler{Log: log}).problem(w, r, requestID(r), err)
				return
			}
			built = h
		}
		mu.Unlock()
		h.ServeHTTP(w, r)
	})
}
