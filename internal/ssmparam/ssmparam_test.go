package ssmparam_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/council/intake/internal/mototest"
	"github.com/council/intake/internal/ssmparam"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

func TestRead(t *testing.T) {
	ctx := context.Background()
	url := mototest.Endpoint(t)
	client := ssm.NewFromConfig(mototest.Config(), func(o *ssm.Options) { o.BaseEndpoint = aws.String(url) })
	const secret = "0123456789abcdef0123456789abcdef-secret"
	for name, typ := range map[string]types.ParameterType{
		"/intake-test/session-key": types.ParameterTypeSecureString,
		"/intake-test/plain":       types.ParameterTypeString,
	} {
		if _, err := client.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(secret),
			Type: typ, Overwrite: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, param string
		wantErr     string // empty: want the secret
	}{
		{"a SecureString, decrypted", "/intake-test/session-key", ""},
		{"a plain String is refused", "/intake-test/plain", "is not a SecureString"},
		{"missing", "/intake-test/nothing-here", "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mototest.Config()
			cfg.BaseEndpoint = aws.String(url)
			got, err := ssmparam.Read(ctx, cfg, tt.param)
			if tt.wantErr == "" {
				if err != nil || got != secret {
					t.Fatalf("Read(%s) = %q, %v; want the stored value", tt.param, got, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), tt.param) {
				t.Fatalf("Read(%s) error = %v; want one naming the parameter and saying %q", tt.param, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), secret) || got != "" {
				t.Errorf("the secret leaked: %q, %v", got, err)
			}
		})
	}
}
