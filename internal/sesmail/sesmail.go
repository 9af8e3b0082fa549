// Package sesmail sends Intake's email through Amazon SES v2. It owns the MIME form of every
// message we send: it builds the raw message itself (multipart/alternative, UTF-8,
// quoted-printable, RFC 2047 subject) and hands it to SendEmail as raw content, so that our own
// headers — Auto-Submitted, X-Auto-Response-Suppress, Reply-To — reach the recipient as written.
// It takes a ready client and never loads AWS configuration of its own.
package sesmail

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"
	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/config"
	"github.com/council/intake/internal/feedback"
)

// Mailer is a feedback.Mailer over SES v2. It is safe for concurrent use.
type Mailer struct {
	// sendEmail is the client's SendEmail, held alone rather than with the client, so that
	// reflection cannot reach the client's other operations (see dynamo's operations).
	sendEmail func(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
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

// New returns a mailer that sends through client.
func New(client *sesv2.Client, opts ...Option) *Mailer {
	m := &Mailer{sendEmail: client.SendEmail, clock: clock.System{}}
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
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(c.from),
		Destination:      &types.Destination{ToAddresses: c.to},
		Content:          &types.EmailContent{Raw: &types.RawMessage{Data: c.raw}},
	}
	if m.configSet != "" {
		in.ConfigurationSetName = aws.String(m.configSet)
	}
	out, err := m.sendEmail(ctx, in)
	if err != nil {
		return "", classify(fmt.Errorf("sesmail: send to %d recipients: %w", len(c.to), redact(err)))
	}
	return aws.ToString(out.MessageId), nil
}

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
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) {
		r.requestID = resp.ServiceRequestID()
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
	svc.Mailer = New(sesv2.NewFromConfig(awsCfg), opts...)
	return nil
}
