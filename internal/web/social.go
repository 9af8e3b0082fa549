package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/council/intake/internal/feedback"
)

// The social-media channel's API. Monitoring tools sign each request with a secret shared with
// the council (INTAKE_SOCIAL_SECRETS):
//
//	X-Intake-Monitor:   the tool's name
//	X-Intake-Timestamp: Unix seconds
//	X-Intake-Signature: sha256=<hex HMAC-SHA256(secret, timestamp "." METHOD "." path "." raw body)>
//
// The signature binds the whole request, not only its body: a signed acknowledgement of one case
// cannot be replayed against another case's route, nor a signed post against an acknowledgement.
// A request more than SignatureWindow old or ahead is refused, so a captured request cannot be
// replayed later; one replayed within the window is the same post again, which the domain's
// idempotency by platform and post id answers as the repeat it is.

// The signing headers.
const (
	HeaderMonitor   = "X-Intake-Monitor"
	HeaderTimestamp = "X-Intake-Timestamp"
	HeaderSignature = "X-Intake-Signature"
)

// SignatureWindow is how far a signed request's timestamp may be from Intake's clock.
const SignatureWindow = 5 * time.Minute

// MaxSocialBatch is the most posts one request may carry.
const MaxSocialBatch = 50

// MaxSocialBodyBytes caps a social request. An unsigned request can be any size, and the
// signature can be checked only over the whole body, so this is the most Intake reads before it
// knows who sent it: fifty posts of ordinary length fit; a tool with longer posts sends fewer
// at a time.
const MaxSocialBodyBytes = 256 << 10

// Sign returns the X-Intake-Signature value for a request sent at timestamp (Unix seconds)
// with secret: what a monitoring tool computes, and what Intake checks. It covers
// "{timestamp}.{METHOD}.{path}.{body}", the path as sent without its query string (for example
// 1767001234.POST./v1/social.{"platform":…}).
func Sign(secret string, timestamp int64, method, path string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(timestamp, 10) + "." + method + "." + path + "."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Social serves POST /v1/social and POST /v1/social/{reference}/acknowledged.
type Social struct {
	Service *feedback.Service
	// Secrets maps each monitoring tool's name to its signing secret.
	Secrets map[string]string
	// AfterCommit, when set, carries out the side effects of a case just stored or added to
	// (the local runner); in Lambda the table's stream does.
	AfterCommit func(ctx context.Context, ref string)
	Log         *slog.Logger
}

// officersAcknowledge answers a request to POST /v1/social/{reference}/acknowledged that no
// monitoring tool signed. In AWS the route has no authoriser (API Gateway cannot make a JWT
// optional, and the tools carry none), so a token there proves nothing; the runner refuses it
// too, so that what works on a laptop works in AWS.
const officersAcknowledge = "This route takes a monitoring tool's signed request only (" + HeaderMonitor + ", " + HeaderTimestamp + ", " + HeaderSignature +
	"). An officer records that the public reply was posted with POST /v1/cases/{reference}/acknowledged and their token, or on the case page in the console."

// Register adds the social routes to mux.
func (s *Social) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/social", s.receive)
	mux.HandleFunc("POST /v1/social/{reference}/acknowledged", s.acknowledged)
}

// Routes returns a mux with the social routes alone, as the social function serves them.
func (s *Social) Routes() *http.ServeMux {
	mux := http.NewServeMux()
	s.Register(mux)
	apiProblems(mux)
	return mux
}

func (s *Social) problem(w http.ResponseWriter, r *http.Request, reqID string, err error) {
	(&Handler{Log: s.Log}).problem(w, r, reqID, err)
}

func unauthorized(check, detail string) *problemError {
	return &problemError{status: http.StatusUnauthorized, check: check, detail: detail}
}

// signer is a request's signing headers, checked before its body is read.
type signer struct {
	id, secret, signature string
	ts                    int64
}

// signedBy checks a request's signing headers (the monitor, the timestamp, the signature's
// form), so that a request that cannot be good is refused before its body is read.
func (s *Social) signedBy(r *http.Request) (signer, error) {
	id := strings.TrimSpace(r.Header.Get(HeaderMonitor))
	if id == "" {
		return signer{}, unauthorized("monitor", "Send "+HeaderMonitor+" with the monitoring tool's name.")
	}
	secret, known := s.Secrets[id]
	if !known {
		return signer{}, unauthorized("monitor", "The monitor named in "+HeaderMonitor+" is not one Intake knows.")
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(r.Header.Get(HeaderTimestamp)), 10, 64)
	if err != nil {
		return signer{}, unauthorized("timestamp", HeaderTimestamp+" must be the time of signing in Unix seconds.")
	}
	now := s.Service.Clock.Now()
	if d := now.Sub(time.Unix(ts, 0)); d > SignatureWindow || d < -SignatureWindow {
		return signer{}, unauthorized("timestamp", HeaderTimestamp+" is more than five minutes from Intake's clock: sign the request again with the current time.")
	}
	got := strings.TrimSpace(r.Header.Get(HeaderSignature))
	if _, err := hex.DecodeString(strings.TrimPrefix(got, "sha256=")); err != nil || !strings.HasPrefix(got, "sha256=") {
		return signer{}, unauthorized("signature", HeaderSignature+" must be sha256= followed by the hex HMAC-SHA256 of the timestamp, the method, the path and the body, joined by dots.")
	}
	return signer{id: id, secret: secret, signature: got, ts: ts}, nil
}

// verify checks the signature over the request's method, path and body, and returns the monitor
// who signed it.
func (g signer) verify(r *http.Request, body []byte) (feedback.StaffMember, error) {
	if !hmac.Equal([]byte(g.signature), []byte(Sign(g.secret, g.ts, r.Method, r.URL.EscapedPath(), body))) {
		return feedback.StaffMember{}, unauthorized("signature", HeaderSignature+" does not match: sign the timestamp, the method, the path and the exact body sent, joined by dots, with the monitor's secret.")
	}
	return MonitorTool(g.id), nil
}

// signed checks a signed request: its headers, then at most MaxSocialBodyBytes of its body,
// then the signature. It returns the monitor and the body.
func (s *Social) signed(w http.ResponseWriter, r *http.Request) (feedback.StaffMember, []byte, error) {
	g, err := s.signedBy(r)
	if err != nil {
		return feedback.StaffMember{}, nil, err
	}
	body, err := readBody(w, r)
	if err != nil {
		return feedback.StaffMember{}, nil, err
	}
	who, err := g.verify(r, body)
	return who, body, err
}

// MonitorTool is a monitoring tool as the domain records it: a monitor named "monitor:<name>".
func MonitorTool(name string) feedback.StaffMember {
	return feedback.StaffMember{Email: "monitor:" + name, Role: feedback.RoleMonitor}
}

// begin names the request.
func (s *Social) begin(w http.ResponseWriter, r *http.Request) (reqID string) {
	reqID = requestID(r)
	w.Header().Set("X-Request-Id", reqID)
	w.Header().Set("Cache-Control", "no-store")
	return reqID
}

// readBody reads the whole body, up to MaxSocialBodyBytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxSocialBodyBytes))
	if tooBig := new(http.MaxBytesError); errors.As(err, &tooBig) {
		return nil, feedback.Errorf(feedback.ETOOLARGE, "The request is larger than %d KB: send fewer posts at a time (at most %d).", MaxSocialBodyBytes>>10, MaxSocialBatch)
	}
	if err != nil {
		return nil, &problemError{status: http.StatusBadRequest, detail: "The request body could not be read."}
	}
	return body, nil
}

// socialResult is the answer for one post.
type socialResult struct {
	Index           *int                  `json:"index,omitempty"`
	Status          int                   `json:"status"`
	Outcome         string                `json:"outcome,omitempty"`
	Reference       string                `json:"reference,omitempty"`
	SuggestedReply  string                `json:"suggested_reply,omitempty"`
	Acknowledgement string                `json:"acknowledgement,omitempty"`
	Detail          string                `json:"detail,omitempty"`
	Errors          []feedback.FieldError `json:"errors,omitempty"`
}

// batchResult is the 207 answer to a batch: each post's own result, in order.
type batchResult struct {
	Results  []socialResult `json:"results"`
	Created  int            `json:"created"`
	Repeated int            `json:"repeated"`
	Failed   int            `json:"failed"`
}

func (s *Social) receive(w http.ResponseWriter, r *http.Request) {
	reqID := s.begin(w, r)
	who, body, err := s.signed(w, r)
	if err != nil {
		s.problem(w, r, reqID, err)
		return
	}
	var probe map[string]json.RawMessage
	if err := decodeJSON(bytes.NewReader(body), &probe, false); err != nil {
		s.problem(w, r, reqID, err)
		return
	}
	items, batch := probe["items"]
	if !batch {
		var p feedback.SocialPost
		if err := decodeJSON(bytes.NewReader(body), &p, true); err != nil {
			s.problem(w, r, reqID, err)
			return
		}
		res, err := s.one(r.Context(), who, p)
		if err != nil {
			s.problem(w, r, reqID, err)
			return
		}
		writeJSON(w, res.Status, res)
		return
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(items, &raw); err != nil {
		s.problem(w, r, reqID, &problemError{status: http.StatusBadRequest, detail: `The field "items" must be a list of posts.`})
		return
	}
	if len(raw) == 0 || len(raw) > MaxSocialBatch {
		s.problem(w, r, reqID, &feedback.Error{Code: feedback.EINVALID, Message: "There is a problem with the batch",
			Fields: []feedback.FieldError{{Field: "items", Message: fmt.Sprintf("Send between 1 and %d posts at a time; this batch has %d", MaxSocialBatch, len(raw))}}})
		return
	}
	out := batchResult{Results: make([]socialResult, len(raw))}
	for i, item := range raw {
		var res socialResult
		var p feedback.SocialPost
		if err := decodeJSON(bytes.NewReader(item), &p, true); err != nil {
			res = socialResult{Status: http.StatusUnprocessableEntity, Detail: err.Error()}
		} else if res, err = s.one(r.Context(), who, p); err != nil {
			res = s.failed(reqID, err)
		}
		res.Index = &i
		switch {
		case res.Status == http.StatusCreated:
			out.Created++
		case res.Status == http.StatusOK:
			out.Repeated++
		default:
			out.Failed++
		}
		out.Results[i] = res
	}
	writeJSON(w, http.StatusMultiStatus, out)
}

// failed is a batch item's failure: its status and what to tell the caller, never an internal
// error's text (that is logged, with the request id).
func (s *Social) failed(reqID string, err error) socialResult {
	st := Status(err)
	out := socialResult{Status: st, Detail: feedback.ErrorMessage(err), Errors: feedback.ErrorFields(err)}
	if st >= 500 {
		s.log().Error("social post failed", "request_id", reqID, "err", err)
		out.Detail = "internal error: quote request id " + reqID + " if you contact us"
	}
	return out
}

// one takes in one post and says what became of it.
func (s *Social) one(ctx context.Context, who feedback.StaffMember, p feedback.SocialPost) (socialResult, error) {
	res, err := s.Service.ReceiveSocial(ctx, who, p)
	if err != nil {
		return socialResult{}, err
	}
	if res.Outcome != feedback.SocialRepeat && s.AfterCommit != nil {
		s.AfterCommit(ctx, res.Reference)
	}
	status := http.StatusOK
	if res.Outcome == feedback.SocialCreated {
		status = http.StatusCreated
	}
	return socialResult{Status: status, Outcome: res.Outcome, Reference: res.Reference,
		SuggestedReply: res.SuggestedReply, Acknowledgement: res.Acknowledgement}, nil
}

func (s *Social) acknowledged(w http.ResponseWriter, r *http.Request) {
	reqID := s.begin(w, r)
	if strings.TrimSpace(r.Header.Get(HeaderMonitor)) == "" {
		s.problem(w, r, reqID, unauthorized("monitor", officersAcknowledge))
		return
	}
	who, _, err := s.signed(w, r)
	if err != nil {
		s.problem(w, r, reqID, err)
		return
	}
	c, err := s.Service.SocialAcknowledged(r.Context(), who, r.PathValue("reference"))
	if err != nil {
		s.problem(w, r, reqID, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Reference      string  `json:"reference"`
		AcknowledgedAt *string `json:"acknowledged_at"`
	}{c.Ref, stamp(c.AcknowledgedAt())})
}

func (s *Social) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}
