// Package setup wires Intake's AWS adapters from the configuration, once per cold start: the
// DynamoDB store behind one feedback.Service, and of the SES mailer, the S3 bucket and the
// EventBridge scheduler only those the function names (see Adapter), so that a function
// neither links nor initialises an AWS client it never calls. The SDK's own
// configuration (region, credentials, AWS_ENDPOINT_URL for tests) comes from the Lambda
// environment.
package setup

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/config"
	"github.com/council/intake/internal/dynamo"
	"github.com/council/intake/internal/emf"
	"github.com/council/intake/internal/feedback"
)

// WebFormSettings are the variables the web form function cannot run without: it only stores.
var WebFormSettings = []string{"INTAKE_TABLE"}

// SideEffectSettings are the variables a function needs to carry out intake's side effects,
// mail and reminder schedules: the notifier, and the reminders function, whose daily sweep
// finishes what the stream left undone.
var SideEffectSettings = []string{"INTAKE_TABLE", "INTAKE_SCHEDULE_GROUP", "INTAKE_REMINDER_TARGET_ARN", "INTAKE_SCHEDULER_ROLE_ARN"}

// EmailSettings are the variables the email function cannot run without: it reads raw mail
// from the bucket and stores cases; the notifier does the rest.
var EmailSettings = []string{"INTAKE_TABLE", "INTAKE_MAIL_BUCKET"}

// ImportSettings are the variables the importer function cannot run without: it reads the
// uploaded file from the mail bucket, and imports as the member of staff who started it.
var ImportSettings = []string{"INTAKE_TABLE", "INTAKE_MAIL_BUCKET", "INTAKE_STAFF"}

// OfficerSettings are the variables the officer function cannot run without, and each must be
// set by the deployer (the defaults suit only the local runner): the staff directory, the
// console's address, the name of the SSM SecureString holding the session key and the KMS key
// sign-in links' emails are sealed with for the notifier.
var OfficerSettings = []string{"INTAKE_TABLE", "INTAKE_STAFF", "INTAKE_CONSOLE_URL", "INTAKE_SESSION_KEY_PARAMETER", "INTAKE_SIGNIN_LINK_KEY"}

// SocialSettings are the variables the social function cannot run without: it only stores.
// INTAKE_SOCIAL_SECRETS may be empty, and then every request is refused as from an unknown
// monitor.
var SocialSettings = []string{"INTAKE_TABLE"}

// FromEnv reads the configuration from the process environment, requiring the named
// variables, and builds the service over DynamoDB with the adapters given: everything a
// function's main does before lambda.Start. The settings come back too, for what a function
// reads of them beyond the service (the mail bucket, the monitors' secrets).
func FromEnv(required []string, adapters ...Adapter) (*config.Config, *feedback.Service, error) {
	cfg, err := config.Load(os.LookupEnv, required...)
	if err != nil {
		return nil, nil, err
	}
	awsCfg, err := awsConfig(os.Getenv)
	if err != nil {
		return nil, nil, err
	}
	svc, _, err := service(cfg, awsCfg, adapters...)
	return cfg, svc, err
}

// NotifierFromEnv is FromEnv for the notifier (SideEffectSettings), with the courier that
// sends the sign-in links sealed into link items (the adapters must give the service a Sealer:
// kmsseal.Wire); it marks each link sent in the same table.
func NotifierFromEnv(adapters ...Adapter) (*feedback.Service, *feedback.LinkCourier, error) {
	cfg, err := config.Load(os.LookupEnv, SideEffectSettings...)
	if err != nil {
		return nil, nil, err
	}
	awsCfg, err := awsConfig(os.Getenv)
	if err != nil {
		return nil, nil, err
	}
	svc, store, err := service(cfg, awsCfg, adapters...)
	if err != nil {
		return nil, nil, err
	}
	return svc, &feedback.LinkCourier{Service: svc, Sessions: store}, nil
}

// An Adapter adds the adapter over one more AWS service to a function's service: sesmail.Wire,
// s3blobs.Wire, schedule.Wire. Each lives in its adapter's package and is named by the
// function's main, so that a function that does not use a service neither links nor imports
// its client (importing alone runs the client package's initialisers at every cold start).
type Adapter func(svc *feedback.Service, cfg *config.Config, awsCfg aws.Config) error

// Officer is what the officer function serves the console and the officer API with.
type Officer struct {
	Service *feedback.Service
	// TrustedEmailClaim is INTAKE_JWT_TRUSTED_EMAIL_CLAIM, for web.JWTClaims.
	TrustedEmailClaim string

	store      *dynamo.Store
	awsCfg     aws.Config
	keyParam   string
	readSecret SecretReader

	mu     sync.Mutex
	signIn *feedback.SignIn // once the session key has been read
}

// SecretReader returns the value of the named secret parameter: ssmparam.Read. It is passed
// in, rather than called from here, so that only the functions that read secrets (the officer
// and social functions) link the SSM reader.
type SecretReader func(ctx context.Context, awsCfg aws.Config, name string) (string, error)

// SocialSecrets returns the monitoring tools' signing secrets: those of INTAKE_SOCIAL_SECRETS
// (make invoke-social's) and those of the SecureString INTAKE_SOCIAL_SECRETS_PARAMETER names,
// read with readSecret, so that in AWS no secret is a plain environment variable. The social
// function calls it on its first request, as the officer function reads its session key.
func SocialSecrets(ctx context.Context, cfg *config.Config, readSecret SecretReader) (map[string]string, error) {
	if cfg.SocialSecretsParameter == "" {
		return cfg.MonitorSecrets()
	}
	awsCfg, err := awsConfig(os.Getenv)
	if err != nil {
		return nil, err
	}
	v, err := readSecret(ctx, awsCfg, cfg.SocialSecretsParameter)
	if err != nil {
		return nil, fmt.Errorf("setup: the social secrets (INTAKE_SOCIAL_SECRETS_PARAMETER): %w", err)
	}
	both := *cfg
	both.SocialSecrets = strings.Trim(cfg.SocialSecrets+","+v, ",")
	secrets, err := both.MonitorSecrets()
	if err != nil {
		return nil, fmt.Errorf("setup: the social secrets in %s: %w", cfg.SocialSecretsParameter, err)
	}
	return secrets, nil
}

// OfficerFromEnv reads the officer function's configuration from the process environment;
// SignIn reads the session key. The service has no scheduler: an officer's action only records
// its side effects on the case, and the notifier carries them out from the table's stream.
func OfficerFromEnv(readSecret SecretReader, adapters ...Adapter) (*Officer, error) {
	cfg, err := config.Load(os.LookupEnv, OfficerSettings...)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(cfg.ConsoleURL, "https://") {
		// Over plain http the session cookie could not be Secure.
		return nil, fmt.Errorf("setup: INTAKE_CONSOLE_URL %q must be an https address in AWS", cfg.ConsoleURL)
	}
	awsCfg, err := awsConfig(os.Getenv)
	if err != nil {
		return nil, err
	}
	svc, store, err := service(cfg, awsCfg, adapters...)
	if err != nil {
		return nil, err
	}
	return &Officer{Service: svc, TrustedEmailClaim: cfg.JWTTrustedEmailClaim, store: store, awsCfg: awsCfg, keyParam: cfg.SessionKeyParameter, readSecret: readSecret}, nil
}

// SignIn returns what sends sign-in links and keeps sessions in the table, keyed with the
// session key in the SecureString INTAKE_SESSION_KEY_PARAMETER names. The key is read from SSM
// on the first call, not at cold start (a round trip to SSM would double the function's start),
// and kept; a failed read is not kept, so the next call tries again. It is safe for concurrent
// use.
func (o *Officer) SignIn(ctx context.Context) (*feedback.SignIn, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.signIn != nil {
		return o.signIn, nil
	}
	key, err := o.readSecret(ctx, o.awsCfg, o.keyParam)
	if err != nil {
		return nil, fmt.Errorf("setup: the session key (INTAKE_SESSION_KEY_PARAMETER): %w", err)
	}
	if len(key) < feedback.MinSessionKeyBytes {
		return nil, fmt.Errorf("setup: the session key in %s must be at least %d characters (it is %d): generate one with openssl rand -hex 32",
			o.keyParam, feedback.MinSessionKeyBytes, len(key))
	}
	o.signIn = &feedback.SignIn{Service: o.Service, Sessions: o.store, Directory: o.Service.Staff, Key: []byte(key)}
	return o.signIn, nil
}

// awsConfig is the SDK's configuration as Lambda gives it to a function, read through getenv:
// the region (AWS_REGION), the credentials of the function's role (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and, for tests and the local invoke targets, one
// endpoint for every service (AWS_ENDPOINT_URL; DynamoDB's alone may be moved with
// AWS_ENDPOINT_URL_DYNAMODB). It is not the SDK's config.LoadDefaultConfig,
// which also reads shared config files, IMDS, SSO and web-identity and so links and initialises
// four more AWS clients (STS, SSO, SSO OIDC, Sign-In): a third of a function's start-up and
// about 2 MiB, for sources Lambda never uses. Without the credentials it fails, naming them.
func awsConfig(getenv func(string) string) (aws.Config, error) {
	region, id, secret := getenv("AWS_REGION"), getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	var missing []string
	for name, v := range map[string]string{"AWS_REGION": region, "AWS_ACCESS_KEY_ID": id, "AWS_SECRET_ACCESS_KEY": secret} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return aws.Config{}, fmt.Errorf("setup: %s not set: Lambda sets the region and the credentials of the function's role", strings.Join(missing, ", "))
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN"))),
	}
	if u := getenv("AWS_ENDPOINT_URL"); u != "" {
		cfg.BaseEndpoint = aws.String(u)
	}
	return cfg, nil
}

// dynamoEndpoint points the DynamoDB client at AWS_ENDPOINT_URL_DYNAMODB when it is set, ahead
// of AWS_ENDPOINT_URL, as the SDK's own configuration would: the DynamoDB cost benchmark puts a
// metering proxy there, in front of moto.
func dynamoEndpoint(getenv func(string) string) func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		if u := getenv("AWS_ENDPOINT_URL_DYNAMODB"); u != "" {
			o.BaseEndpoint = aws.String(u)
		}
	}
}

// service builds the service the settings describe (config's recipe) over DynamoDB, with the
// metrics written to CloudWatch and the adapters given.
func service(cfg *config.Config, awsCfg aws.Config, adapters ...Adapter) (*feedback.Service, *dynamo.Store, error) {
	clk := clock.System{}
	svc, err := cfg.Service(clk, logger())
	if err != nil {
		return nil, nil, err
	}
	store := dynamo.NewFromClient(dynamodb.NewFromConfig(awsCfg, dynamoEndpoint(os.Getenv)), cfg.Table, clk)
	svc.Store = store
	// Every new message is screened against the restrictions register, in the same table.
	svc.Restrictions, svc.Markers = store, store
	svc.Metrics = emf.New(os.Stdout)
	for _, add := range adapters {
		if err := add(&svc, cfg, awsCfg); err != nil {
			return nil, nil, err
		}
	}
	return &svc, store, nil
}

// logger is the JSON logger every function writes to CloudWatch with, in the shape Lambda's
// JSON log format reads (level, msg, time), at the level AWS_LAMBDA_LOG_LEVEL sets (the
// template's ApplicationLogLevel), with the invocation's request id on every line logged with
// its context.
func logger() *slog.Logger {
	level := slog.LevelInfo
	level.UnmarshalText([]byte(os.Getenv("AWS_LAMBDA_LOG_LEVEL"))) // unset or unknown: INFO
	return slog.New(requestIDs{slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level})})
}

// requestIDs adds Lambda's request id to each record logged with an invocation's context.
type requestIDs struct{ slog.Handler }

func (h requestIDs) Handle(ctx context.Context, r slog.Record) error {
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		r.AddAttrs(slog.String("requestId", lc.AwsRequestID))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDs) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDs{h.Handler.WithAttrs(as)}
}

func (h requestIDs) WithGroup(name string) slog.Handler { return requestIDs{h.Handler.WithGroup(name)} }
