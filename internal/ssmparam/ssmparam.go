// Package ssmparam reads secrets from AWS Systems Manager Parameter Store: the officer
// function's session key, a SecureString read once per execution environment, so that the key
// never sits in the function's configuration as a plain environment variable.
package ssmparam

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// Read returns the decrypted value of the SecureString parameter name, through an SSM client
// made from awsCfg. A parameter of another type is refused: a secret must be encrypted at
// rest. Errors name the parameter, never its value.
func Read(ctx context.Context, awsCfg aws.Config, name string) (string, error) {
	return SecureString(ctx, ssm.NewFromConfig(awsCfg), name)
}

// SecureString is Read with a client of the caller's.
func SecureString(ctx context.Context, client *ssm.Client, name string) (string, error) {
	out, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	var missing *types.ParameterNotFound
	if errors.As(err, &missing) {
		return "", fmt.Errorf("ssmparam: %s does not exist: create it with aws ssm put-parameter --type SecureString", name)
	}
	if err != nil {
		return "", fmt.Errorf("ssmparam: get %s: %w", name, err)
	}
	if out.Parameter == nil || out.Parameter.Type != types.ParameterTypeSecureString {
		return "", fmt.Errorf("ssmparam: %s is not a SecureString: store the secret encrypted (--type SecureString)", name)
	}
	return aws.ToString(out.Parameter.Value), nil
}
