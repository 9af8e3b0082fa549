package setup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/council/intake/internal/config"
)

func TestRequestIDs(t *testing.T) {
	var b bytes.Buffer
	log := slog.New(requestIDs{slog.NewJSONHandler(&b, nil)}).With("fn", "webform")
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-123"})
	log.InfoContext(ctx, "case created", "ref", "FB-2026-000001")
	log.Info("cold start")
	lines := bytes.Split(bytes.TrimSpace(b.Bytes()), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("%d lines: %s", len(lines), b.String())
	}
	var first, second map[string]any
	json.Unmarshal(lines[0], &first)
	json.Unmarshal(lines[1], &second)
	for k, want := range map[string]any{"level": "INFO", "msg": "case created", "requestId": "req-123", "ref": "FB-2026-000001", "fn": "webform"} {
		if first[k] != want {
			t.Errorf("%s = %v, want %v (line %s)", k, first[k], want, lines[0])
		}
	}
	if _, ok := second["requestId"]; ok {
		t.Errorf("a line logged outside an invocation has a request id: %s", lines[1])
	}
}

func TestOfficer_SignIn(t *testing.T) {
	t.Setenv("INTAKE_TABLE", "intake-cases")
	t.Setenv("INTAKE_STAFF", "complaints@example.gov.uk=admin")
	t.Setenv("INTAKE_CONSOLE_URL", "https://intake.example.gov.uk")
	t.Setenv("INTAKE_SESSION_KEY_PARAMETER", "/intake/session-key")
	t.Setenv("INTAKE_SIGNIN_LINK_KEY", "arn:aws:kms:eu-west-2:123456789012:key/k")
	t.Setenv("AWS_REGION", "eu-west-2")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	ctx := context.Background()
	var reads []string
	answers := []struct {
		key string
		err error
	}{
		{err: errors.New("connection refused")},
		{key: "too short"},
		{key: "0123456789abcdef0123456789abcdef"},
	}
	o, err := OfficerFromEnv(func(_ context.Context, _ aws.Config, name string) (string, error) {
		reads = append(reads, name)
		a := answers[len(reads)-1]
		return a.key, a.err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(reads) != 0 {
		t.Fatalf("the session key was read at start-up: %v", reads)
	}
	// A failed read, or a key too short, is an error naming the parameter's variable or the
	// parameter, and is not kept: the next call reads again.
	for _, want := range []string{"INTAKE_SESSION_KEY_PARAMETER", "/intake/session-key must be at least 32 characters"} {
		if _, err := o.SignIn(ctx); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("SignIn = %v, want an error naming %q", err, want)
		}
	}
	first, err := o.SignIn(ctx)
	if err != nil || string(first.Key) != answers[2].key {
		t.Fatalf("SignIn = %v, %v", first, err)
	}
	if again, err := o.SignIn(ctx); again != first || err != nil {
		t.Errorf("a second SignIn = %p, %v; want the first, %p", again, err, first)
	}
	if len(reads) != 3 {
		t.Errorf("the key was read %d times, want 3 (twice failing, once for good)", len(reads))
	}
}

// TestSocialSecrets: in AWS the monitors' secrets come from the SecureString the parameter
// names, added to any given in the environment; a failed read or a bad value is an error that
// names the variable or the parameter, never a secret.
func TestSocialSecrets(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-2")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	const good = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name         string
		env, param   string
		stored       string
		readErr      error
		want         map[string]string
		wantErr      string
		wantReadName string
	}{
		{name: "environment only (make invoke-social)", env: "local=" + good, want: map[string]string{"local": good}},
		{name: "from the parameter", param: "/intake/social-secrets", stored: "brandwatch=" + good, want: map[string]string{"brandwatch": good}, wantReadName: "/intake/social-secrets"},
		{name: "both", env: "local=" + good, param: "/p", stored: "brandwatch=" + good, want: map[string]string{"local": good, "brandwatch": good}, wantReadName: "/p"},
		{name: "read fails", param: "/p", readErr: errors.New("connection refused"), wantErr: "INTAKE_SOCIAL_SECRETS_PARAMETER", wantReadName: "/p"},
		{name: "short secret stored", param: "/p", stored: "brandwatch=short-secret-value", wantErr: "the social secrets in /p", wantReadName: "/p"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			read := ""
			cfg := &config.Config{SocialSecrets: tt.env, SocialSecretsParameter: tt.param}
			got, err := SocialSecrets(context.Background(), cfg, func(_ context.Context, _ aws.Config, name string) (string, error) {
				read = name
				return tt.stored, tt.readErr
			})
			if read != tt.wantReadName {
				t.Errorf("read %q, want %q", read, tt.wantReadName)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "short-secret-value") {
					t.Errorf("SocialSecrets = %v, %v; want an error naming %q and no secret", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || len(got) != len(tt.want) {
				t.Fatalf("SocialSecrets = %v, %v; want %v", got, err, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("secret of %s = %q, want %q", k, got[k], v)
				}
			}
			if cfg.SocialSecrets != tt.env {
				t.Errorf("the configuration was changed: %q", cfg.SocialSecrets)
			}
		})
	}
}

func TestAWSConfig(t *testing.T) {
	lambdaEnv := map[string]string{
		"AWS_REGION": "eu-west-2", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
	}
	t.Run("as Lambda sets it", func(t *testing.T) {
		cfg, err := awsConfig(func(k string) string { return lambdaEnv[k] })
		if err != nil {
			t.Fatal(err)
		}
		creds, err := cfg.Credentials.Retrieve(context.Background())
		if err != nil || creds.AccessKeyID != "AKIDEXAMPLE" || creds.SecretAccessKey != "secret" || creds.SessionToken != "token" {
			t.Errorf("credentials = %+v, %v", creds, err)
		}
		if cfg.Region != "eu-west-2" || cfg.BaseEndpoint != nil {
			t.Errorf("region %q, endpoint %v; want eu-west-2 and the services' own", cfg.Region, cfg.BaseEndpoint)
		}
	})
	t.Run("one endpoint for tests", func(t *testing.T) {
		cfg, err := awsConfig(func(k string) string {
			if k == "AWS_ENDPOINT_URL" {
				return "http://127.0.0.1:5000"
			}
			return lambdaEnv[k]
		})
		if err != nil || aws.ToString(cfg.BaseEndpoint) != "http://127.0.0.1:5000" {
			t.Errorf("BaseEndpoint = %v, %v", aws.ToString(cfg.BaseEndpoint), err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		_, err := awsConfig(func(k string) string {
			if k == "AWS_REGION" {
				return "eu-west-2"
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY not set") {
			t.Errorf("awsConfig = %v, want an error naming both credentials", err)
		}
	})
}
