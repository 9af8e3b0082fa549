package lambdatest_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/council/intake/internal/lambdatest"
)

func TestFn_Invoke(t *testing.T) {
	echo := lambdatest.Build(t, "./testdata/echo")
	fn := lambdatest.Start(t, echo, []string{"GREETING=hello"})
	ctx := context.Background()

	t.Run("echoes", func(t *testing.T) {
		for _, event := range []string{`{"name":"FB-2025-000001","at":"2025-03-10T09:00:00Z"}`, `"text"`, `[1,2,3]`} {
			got, err := fn.Invoke(ctx, []byte(event))
			if err != nil {
				t.Fatalf("Invoke(%s): %v", event, err)
			}
			if string(got) != event {
				t.Errorf("Invoke(%s) = %s, want the event back", event, got)
			}
		}
	})

	t.Run("function error", func(t *testing.T) {
		_, err := fn.Invoke(ctx, []byte(`{"fail":true}`))
		var fe *lambdatest.FunctionError
		if !errors.As(err, &fe) {
			t.Fatalf("Invoke = %v, want a *FunctionError", err)
		}
		if fe.Message != "asked to fail" || fe.Type == "" {
			t.Errorf("error = type %q message %q, want a type and message %q", fe.Type, fe.Message, "asked to fail")
		}
		// The environment survives a function error, as in Lambda.
		if got, err := fn.Invoke(ctx, []byte(`{"ok":1}`)); err != nil || string(got) != `{"ok":1}` {
			t.Errorf("Invoke after an error = %s, %v", got, err)
		}
	})

	t.Run("runtime context", func(t *testing.T) {
		got, err := fn.Invoke(ctx, []byte(`{"context":true}`))
		if err != nil {
			t.Fatal(err)
		}
		var seen struct {
			RequestID    string `json:"request_id"`
			FunctionARN  string `json:"function_arn"`
			HasDeadline  bool   `json:"has_deadline"`
			FunctionName string `json:"function_name"`
			Region       string `json:"region"`
			Greeting     string `json:"greeting"`
		}
		if err := json.Unmarshal(got, &seen); err != nil {
			t.Fatalf("decode %s: %v", got, err)
		}
		if len(seen.RequestID) != 36 || !seen.HasDeadline || seen.FunctionARN != fn.ARN() ||
			seen.FunctionName != "echo" || seen.Region != lambdatest.Region || seen.Greeting != "hello" {
			t.Errorf("the function saw %+v; want a request id, a deadline, ARN %s, name echo, region %s and GREETING=hello",
				seen, fn.ARN(), lambdatest.Region)
		}
	})

	t.Run("concurrent invocations run one at a time", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				event := []byte(`{"n":` + strconv.Itoa(i) + `}`)
				got, err := fn.Invoke(ctx, event)
				if err == nil && string(got) != string(event) {
					err = errors.New("got " + string(got) + " for " + string(event))
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	})
}

// TestFn_Invoke_responseTooLarge: a response over Lambda's 6 MB is refused as Lambda refuses it,
// and one of exactly the limit is not.
func TestFn_Invoke_responseTooLarge(t *testing.T) {
	fn := lambdatest.Start(t, lambdatest.Build(t, "./testdata/echo"), nil)
	ctx := context.Background()
	// The echo answers with the event: a JSON string of n bytes in all.
	event := func(n int) []byte { return []byte(`"` + strings.Repeat("x", n-2) + `"`) }
	if got, err := fn.Invoke(ctx, event(lambdatest.MaxResponse)); err != nil || len(got) != lambdatest.MaxResponse {
		t.Fatalf("Invoke at the limit = %d bytes, %v; want the event back", len(got), err)
	}
	_, err := fn.Invoke(ctx, event(lambdatest.MaxResponse+1))
	var fe *lambdatest.FunctionError
	if !errors.As(err, &fe) || fe.Type != "Function.ResponseSizeTooLarge" {
		t.Fatalf("Invoke over the limit = %v; want the function error Function.ResponseSizeTooLarge", err)
	}
}

func TestFn_Invoke_processExits(t *testing.T) {
	fn := lambdatest.Start(t, lambdatest.Build(t, "./testdata/echo"), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := fn.Invoke(ctx, []byte(`{"exit":3}`))
	if err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("Invoke = %v, want an error naming exit status 3", err)
	}
	if _, err := fn.Invoke(ctx, []byte(`{}`)); err == nil {
		t.Error("Invoke after the process ended succeeded")
	}
}

func TestFn_Invoke_initError(t *testing.T) {
	fn := lambdatest.Start(t, lambdatest.Build(t, "./testdata/echo"), []string{"ECHO_INIT_FAIL=1"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := fn.Invoke(ctx, []byte(`{}`))
	var fe *lambdatest.FunctionError
	if !errors.As(err, &fe) || fe.Type != "Runtime.ConfigError" || !strings.Contains(fe.Message, "INTAKE_TABLE") {
		t.Fatalf("Invoke = %v, want the function's Runtime.ConfigError", err)
	}
}

func TestFn_Close(t *testing.T) {
	fn := lambdatest.Start(t, lambdatest.Build(t, "./testdata/echo"), nil)
	if err := fn.Close(); err != nil {
		t.Fatal(err)
	}
	fn.Close() // twice is harmless; t.Cleanup does it again
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := fn.Invoke(ctx, []byte(`{}`)); err == nil {
		t.Fatal("Invoke on a closed function succeeded")
	}
}

func TestFn_Init(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	t.Run("until the first request for an invocation", func(t *testing.T) {
		fn := lambdatest.Start(t, lambdatest.Build(t, "./testdata/hello"), nil)
		d, err := fn.Init(ctx)
		if err != nil || d <= 0 {
			t.Fatalf("Init = %v, %v; want a positive duration", d, err)
		}
		// The function is ready: it answers, and its init time stays what it was.
		if got, err := fn.Invoke(ctx, []byte(`{}`)); err != nil || string(got) != `"hello"` {
			t.Fatalf("Invoke = %s, %v", got, err)
		}
		if again, err := fn.Init(ctx); again != d || err != nil {
			t.Errorf("Init after an invocation = %v, %v; want %v again", again, err, d)
		}
	})

	t.Run("init error", func(t *testing.T) {
		fn := lambdatest.Start(t, lambdatest.Build(t, "./testdata/echo"), []string{"ECHO_INIT_FAIL=1"})
		var fe *lambdatest.FunctionError
		if _, err := fn.Init(ctx); !errors.As(err, &fe) || fe.Type != "Runtime.ConfigError" {
			t.Fatalf("Init = %v, want the function's Runtime.ConfigError", err)
		}
	})
}
