package awsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Error is an error a service's JSON API answered with.
type Error struct {
	Service string
	Status  int
	// Type is the error's type without its namespace: "ParameterNotFound".
	Type    string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s answered %d %s: %s", strings.ToUpper(e.Service), e.Status, e.Type, e.Message)
}

// CallJSON makes one request of a service's JSON 1.1 API (SSM, KMS): operation is the target's
// operation, prefix its namespace ("AmazonSSM", "TrentService"). The answer is decoded into out;
// an error answer is an *Error. Throttling is tried again.
func CallJSON(ctx context.Context, awsCfg aws.Config, service, prefix, operation string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	endpoint := "https://" + service + "." + awsCfg.Region + ".amazonaws.com/"
	if awsCfg.BaseEndpoint != nil {
		endpoint = strings.TrimRight(*awsCfg.BaseEndpoint, "/") + "/"
	}
	h := http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {prefix + "." + operation}}
	resp, err := Do(ctx, awsCfg, Request{Service: service, Method: http.MethodPost, URL: endpoint, Header: h, Body: body},
		func(r *Response) bool { return strings.Contains(answerError(service, r).Type, "Throttl") })
	if err != nil {
		return err
	}
	if resp.Status != http.StatusOK {
		return answerError(service, resp)
	}
	return json.Unmarshal(resp.Body, out)
}

// answerError is the error the service answered with.
func answerError(service string, r *Response) *Error {
	var doc struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	json.Unmarshal(r.Body, &doc)
	e := &Error{Service: service, Status: r.Status, Type: doc.Type, Message: doc.Message}
	// The type may come qualified: "com.amazonaws.ssm#ParameterNotFound".
	if i := strings.LastIndexByte(e.Type, '#'); i >= 0 {
		e.Type = e.Type[i+1:]
	}
	if e.Type == "" {
		e.Type = http.StatusText(r.Status)
	}
	return e
}
