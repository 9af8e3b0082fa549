package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/council/intake/internal/lambdatest"
)

func TestRealMain(t *testing.T) {
	echo := lambdatest.Build(t, "../../testdata/echo")
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		event   string
		environ []string
		wantOut string
		wantErr string
	}{
		{name: "prints the response indented", event: `{"ref":"FB-2025-000001"}`, wantOut: "{\n  \"ref\": \"FB-2025-000001\"\n}\n"},
		{name: "passes INTAKE_ variables through", event: `{"context":true}`,
			environ: []string{"INTAKE_TABLE=intake", "HOME=/nowhere"}, wantOut: `"function_name": "echo"`},
		{name: "function error", event: `{"fail":true}`, wantOut: `"errorMessage": "asked to fail"`, wantErr: "asked to fail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := realMain(context.Background(), []string{"-fn", "echo", "-binary", echo, "-event", write("event.json", tt.event)},
				tt.environ, &stdout, &stderr)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("realMain = %v, want error %q; stderr:\n%s", err, tt.wantErr, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantOut) {
				t.Errorf("stdout = %q, want it to contain %q", stdout.String(), tt.wantOut)
			}
		})
	}
}

func TestPassThrough(t *testing.T) {
	got := passThrough([]string{"INTAKE_TABLE=t", "AWS_ENDPOINT_URL=http://127.0.0.1:5000", "AWS_LAMBDA_RUNTIME_API=x", "HOME=/root", "PATH=/bin"})
	want := "INTAKE_TABLE=t AWS_ENDPOINT_URL=http://127.0.0.1:5000"
	if strings.Join(got, " ") != want {
		t.Errorf("passThrough = %q, want %q", got, want)
	}
}
