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
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

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
	err := call(ctx, awsCfg, "GetParameter", map[string]any{"Name": name, "WithDecryption": true}, &out)
	var e *apiError
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

// apiError is an error SSM answered with.
type apiError struct {
	Status  int
	Type    string
	Message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("SSM answered %d %s: %s", e.Status, e.Type, e.Message)
}

// call makes one request of SSM's JSON 1.1 API, decoding the answer into out.
func call(ctx context.Context, awsCfg aws.Config, operation string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	endpoint := "https://ssm." + awsCfg.Region + ".amazonaws.com/"
	if awsCfg.BaseEndpoint != nil {
		endpoint = strings.TrimRight(*awsCfg.BaseEndpoint, "/") + "/"
	}
	h := http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"AmazonSSM." + operation}}
	resp, err := awsapi.Do(ctx, awsCfg, awsapi.Request{Service: "ssm", Method: http.MethodPost, URL: endpoint, Header: h, Body: body},
		func(r *awsapi.Response) bool { return strings.Contains(answerError(r).Type, "Throttl") })
	if err != nil {
		return err
	}
	if resp.Status != http.StatusOK {
		return answerError(resp)
	}
	return json.Unmarshal(resp.Body, out)
}

// answerError is the error SSM answered with.
func answerError(r *awsapi.Response) *apiError {
	var doc struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	json.Unmarshal(r.Body, &doc)
	e := &apiError{Status: r.Status, Type: doc.Type, Message: doc.Message}
	// The type may come qualified: "com.amazonaws.ssm#ParameterNotFound".
	if i := strings.LastIndexByte(e.Type, '#'); i >= 0 {
		e.Type = e.Type[i+1:]
	}
	if e.Type == "" {
		e.Type = http.StatusText(r.Status)
	}
	return e
}
