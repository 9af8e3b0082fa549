// Command echo is a Lambda function for the lambdatest package's own tests. It answers with its
// input, except for a few instructions: {"fail":true} returns an error, {"exit":N} ends the
// process with status N mid-invocation, {"context":true} reports what the runtime told it, and
// {"sleep":"5m"} prints "sleeping" and then sleeps that long, heedless of its deadline, as a
// function stuck in a call does.
// With ECHO_INIT_FAIL set it reports an initialisation error instead of starting.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type instructions struct {
	Fail    bool   `json:"fail"`
	Exit    *int   `json:"exit"`
	Context bool   `json:"context"`
	Sleep   string `json:"sleep"`
}

// seen is what the function learnt about its invocation and environment.
type seen struct {
	RequestID    string `json:"request_id"`
	FunctionARN  string `json:"function_arn"`
	HasDeadline  bool   `json:"has_deadline"`
	FunctionName string `json:"function_name"`
	Region       string `json:"region"`
	Greeting     string `json:"greeting"`
}

func handle(ctx context.Context, in json.RawMessage) (any, error) {
	var ins instructions
	_ = json.Unmarshal(in, &ins) // not every input is an object; those are echoed
	switch {
	case ins.Fail:
		return nil, errors.New("asked to fail")
	case ins.Exit != nil:
		os.Exit(*ins.Exit)
	case ins.Sleep != "":
		d, err := time.ParseDuration(ins.Sleep)
		if err != nil {
			return nil, err
		}
		fmt.Println("sleeping")
		time.Sleep(d)
		return in, nil
	case ins.Context:
		lc, _ := lambdacontext.FromContext(ctx)
		_, hasDeadline := ctx.Deadline()
		return seen{RequestID: lc.AwsRequestID, FunctionARN: lc.InvokedFunctionArn, HasDeadline: hasDeadline,
			FunctionName: lambdacontext.FunctionName, Region: os.Getenv("AWS_REGION"), Greeting: os.Getenv("GREETING")}, nil
	}
	return in, nil
}

func main() {
	if os.Getenv("ECHO_INIT_FAIL") != "" {
		initFail()
		return
	}
	lambda.Start(handle)
}

// initFail reports a failed start-up the way a runtime does when it cannot even build its
// handler (aws-lambda-go itself never does), then exits.
func initFail() {
	body := `{"errorMessage":"INTAKE_TABLE is required and not set","errorType":"Runtime.ConfigError"}`
	req, err := http.NewRequest(http.MethodPost,
		"http://"+os.Getenv("AWS_LAMBDA_RUNTIME_API")+"/2018-06-01/runtime/init/error", strings.NewReader(body))
	if err == nil {
		req.Header.Set("Lambda-Runtime-Function-Error-Type", "Runtime.ConfigError")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	os.Exit(1)
}
