// Package ssmparam reads secrets from AWS Systems Manager Parameter Store: the officer
// function's session key and the social function's signing secrets, SecureStrings read once per
// execution environment, so that no secret sits in a function's configuration as a plain
// environment variable.
//
// It makes its one request (GetParameter) over SSM's JSON API itself (awsapi), rather than
// through the SDK's SSM client, whose package builds a description of
// every SSM operation and shape when the program starts: about 1.8 ms of the officer function's
// cold start, for one call per execution environment.
package ssmparam

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/council/intake/internal/awsapi"
)

// Read returns the decrypted value of the SecureString parameter name, asked of SSM with
// awsCfg's region, credentials, HTTP client and endpoint (BaseEndpoint: moto in tests). A
// parameter of another type is refused: a secret must be encrypted at rest. Errors name the
// parameter, never its value.
func Read(ctx context.Context, awsCfg aws.Config, name string) (string, error) {
	var out struct {
		Parameter struct{ Type, Value string }
	}
	err := awsapi.CallJSON(ctx, awsCfg, "ssm", "AmazonSSM", "GetParameter", map[string]any{"Name": name, "WithDecryption": true}, &out)
	var e *awsapi.Error
	if errors.As(err, &e) && e.Type == "ParameterNotFound" {
		return "", fmt.Errorf("ssmparam: %s does not exist: create it with aws ssm put-parameter --type SecureString", name)
	}
	if err != nil {
		return "", fmt.Errorf("ssmparam: get %s: %w", name, err)
	}
	if out.Parameter.Type != "SecureString" {
		return "", fmt.Errorf("ssmparam: %s is not a SecureString: store the secret encrypted (--type SecureString)", name)
	}
	return out.Parameter.Value, nil
}
