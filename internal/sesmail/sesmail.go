// Package sesmail sends Intake's email through Amazon SES v2. It owns the MIME form of every
// message we send: it builds the raw message itself (multipart/alternative, UTF-8,
// quoted-printable, RFC 2047 subject) and hands it to SendEmail as raw content, so that our own
// headers — Auto-Submitted, X-Auto-Response-Suppress, Reply-To — reach the recipient as written.
// It takes the SDK's configuration ready made and never loads AWS configuration of its own.
//
// It makes its one request (SendEmail) over SES v2's REST API itself (awsapi), rather than
// through the SDK's SES client, whose package describes every SES shape when the program
// starts: about 0.6 ms of the cold start of each function that sends mail, and 0.7 MiB.
package sesmail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
	"github.com/council/intake/internal/awsapi"
	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/config"
	"github.com/council/intake/internal/feedback"
)

// Mailer is a feedback.Mailer over SES v2. It is safe for concurrent use.
type Mailer struct {
	cfg       aws.Config
	configSet string
	clock     feedback.Clock
}

var _ feedback.Mailer = (*Mailer)(nil)

// Option configures a Mailer.
type Option func(*Mailer)

// WithConfigurationSet sends every message through the named SES configuration set (for
// event publishing: bounces, complaints, deliveries).
func WithConfigurationSet(name string) Option {
	return func(m *Mailer) { m.configSet = name }
}

// WithClock sets the clock that dates each message. The default is the system clock.
func WithClock(c feedback.Clock) Option {
	return func(m *Mailer) { m.clock = c }
}

// New returns a mailer that sends with awsCfg's region, credentials, HTTP client and endpoint
// (BaseEndpoint: moto in tests).
func New(awsCfg aws.Config, opts ...Option) *Mailer {
	m := &Mailer{cfg: awsCfg, clock: clock.System{}}
	for _, opt := range opts {
		opt(m)
	}
	return m
}

// Send builds msg as a raw MIME message and sends it, returning the SES message id. A message
// that could smuggle headers (a line break in any header, sender or recipient), has no
// recipient, or has an address that cannot be parsed is refused with EINVALID before anything
// is sent.
func (m *Mailer) Send(ctx context.Context, msg feedback.Message) (string, error) {
	c, err := compose(msg, m.clock.Now())
	if err != nil {
		return "", err
	}
	in := sendEmailInput{FromEmailAddress: c.from, ConfigurationSetName: m.configSet}
	in.Destination.ToAddresses = c.to
	in.Content.Raw.Data = c.raw
	var out struct{ MessageId string }
	if err := m.call(ctx, "/v2/email/outbound-emails", in, &out); err != nil {
		return "", classify(fmt.Errorf("sesmail: send to %d recipients: %w", len(c.to), redact(err)))
	}
	return out.MessageId, nil
}

// sendEmailInput is SES v2's SendEmail request, with raw content.
type sendEmailInput struct {
	FromEmailAddress string
	Destination      struct{ ToAddresses []string }
	Content          struct {
		Raw struct{ Data []byte } // base64 in JSON, as SES wants it
	}
	ConfigurationSetName string `json:",omitempty"`
}

// call posts in to path on SES v2's REST API and decodes the answer into out.
func (m *Mailer) call(ctx context.Context, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	endpoint := "https://email." + m.cfg.Region + ".amazonaws.com"
	if m.cfg.BaseEndpoint != nil {
		endpoint = strings.TrimRight(*m.cfg.BaseEndpoint, "/")
	}
	resp, err := awsapi.Do(ctx, m.cfg, awsapi.Request{Service: "ses", Method: http.MethodPost, URL: endpoint + path,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: body},
		func(r *awsapi.Response) bool { return throttling[answerError(r).Code] })
	if err != nil {
		return err
	}
	if resp.Status/100 != 2 {
		return answerError(resp)
	}
	return json.Unmarshal(resp.Body, out)
}

// apiError is an error SES answered with: a smithy.APIError, as the SDK's would be.
type apiError struct {
	Status        int
	Code, Message string
	RequestID     string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("SES answered %d %s: %s", e.Status, e.Code, e.Message)
}
func (e *apiError) ErrorCode() string             { return e.Code }
func (e *apiError) ErrorMessage() string          { return e.Message }
func (e *apiError) ErrorFault() smithy.ErrorFault { return smithy.FaultUnknown }

// answerError is the error SES answered with: its code from the X-Amzn-ErrorType header or the
// body, as REST JSON services give it.
func answerError(r *awsapi.Response) *apiError {
	var doc struct {
		Type    string `json:"__type"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	json.Unmarshal(r.Body, &doc)
	e := &apiError{Status: r.Status, Message: doc.Message, RequestID: r.Header.Get("X-Amzn-Requestid")}
	for _, c := range []string{r.Header.Get("X-Amzn-Errortype"), doc.Code, doc.Type} {
		if c != "" {
			e.Code = c
			break
		}
	}
	// A code may come qualified ("aws.sesv2#MessageRejected") or with a reason after a colon.
	e.Code, _, _ = strings.Cut(e.Code, ":")
	if i := strings.LastIndexByte(e.Code, '#'); i >= 0 {
		e.Code = e.Code[i+1:]
	}
	if e.Code == "" {
		e.Code = http.StatusText(r.Status)
	}
	return e
}

// throttling are the codes with which SES asks to be called again later.
var throttling = map[string]bool{"TooManyRequestsException": true, "LimitExceededException": true, "ThrottlingException": true}

// classify adds a domain code to an SES failure, which decides what the service does next: a
// message SES refuses for good (MessageRejected: an unverified recipient in the sandbox, a
// blocked address; BadRequest) is EINVALID and is not tried again; throttling and quotas are
// EUNAVAILABLE and are retried. Anything else keeps no code and is retried as transient.
func classify(err error) error {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return err
	}
	switch api.ErrorCode() {
	case "MessageRejected", "BadRequestException":
		return fmt.Errorf("%w: %w", err, feedback.Errorf(feedback.EINVALID,
			"the email service refused the message for good (%s): check that the recipient can receive email and that the sender is verified", api.ErrorCode()))
	case "TooManyRequestsException", "LimitExceededException", "ThrottlingException", "SendingPausedException":
		return fmt.Errorf("%w: %w", err, feedback.Errorf(feedback.EUNAVAILABLE,
			"the email service is not accepting mail just now (%s)", api.ErrorCode()))
	}
	return err
}

// redact hides the message of an SES API error, which can quote addresses (in the sandbox,
// "Email address is not verified" lists the recipients), keeping its code and request id for
// the log and the error itself for errors.As. Other errors (network, context) quote no
// personal data and pass through.
func redact(err error) error {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return err
	}
	r := &redactedError{code: api.ErrorCode(), err: err}
	var ours *apiError
	if errors.As(err, &ours) {
		r.requestID = ours.RequestID
	}
	return r
}

type redactedError struct {
	code, requestID string
	err             error
}

func (e *redactedError) Error() string {
	return fmt.Sprintf("SES %s (request id %s)", e.code, e.requestID)
}

func (e *redactedError) Unwrap() error { return e.err }

// Wire gives svc a mailer over SES v2, with the configuration set INTAKE_SES_CONFIGURATION_SET
// names, if any: a setup.Adapter, named by the functions that send mail.
func Wire(svc *feedback.Service, cfg *config.Config, awsCfg aws.Config) error {
	var opts []Option
	if cfg.SESConfigSet != "" {
		opts = append(opts, WithConfigurationSet(cfg.SESConfigSet))
	}
	svc.Mailer = New(awsCfg, opts...)
	return nil
}
