// Package ssmparam reads secrets from AWS Systems Manager Parameter Store: the officer
// function's session key, a SecureString read once per execution environment, so that the key
// never sits in the function's configuration as a plain environment variable.
//
// It makes its one request (GetParameter) over SSM's JSON API itself, signed with the SDK's
// SigV4 signer, rather than through the SDK's SSM client, whose package builds a description of
// every SSM operation and shape when the program starts: about 1.8 ms of the officer function's
// cold start, for one call per execution environment.
package ssmparam

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
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

// call makes one request of SSM's JSON 1.1 API, decoding the answer into out. Server errors
// and throttling are tried twice more, as the SDK's standard retryer would.
func call(ctx context.Context, awsCfg aws.Config, operation string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	endpoint := "https://ssm." + awsCfg.Region + ".amazonaws.com/"
	if awsCfg.BaseEndpoint != nil {
		endpoint = strings.TrimRight(*awsCfg.BaseEndpoint, "/") + "/"
	}
	client := awsCfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	sum := sha256.Sum256(body)
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "AmazonSSM."+operation)
		creds, err := awsCfg.Credentials.Retrieve(ctx)
		if err != nil {
			return fmt.Errorf("credentials: %w", err)
		}
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "ssm", awsCfg.Region, time.Now().UTC()); err != nil {
			return fmt.Errorf("sign: %w", err)
		}
		retry, err := send(client, req, out)
		if err == nil || !retry || attempt == 3 || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt*attempt) * 50 * time.Millisecond)
	}
}

func send(client aws.HTTPClient, req *http.Request, out any) (retry bool, err error) {
	resp, err := client.Do(req)
	if err != nil {
		return true, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return true, fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode == http.StatusOK {
		return false, json.Unmarshal(answer, out)
	}
	var doc struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	json.Unmarshal(answer, &doc)
	e := &apiError{Status: resp.StatusCode, Type: doc.Type, Message: doc.Message}
	// The type may come qualified: "com.amazonaws.ssm#ParameterNotFound".
	if i := strings.LastIndexByte(e.Type, '#'); i >= 0 {
		e.Type = e.Type[i+1:]
	}
	if e.Type == "" {
		e.Type = http.StatusText(resp.StatusCode)
	}
	return resp.StatusCode >= 500 || strings.Contains(e.Type, "Throttl"), e
}
