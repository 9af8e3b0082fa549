package web_test

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/council/intake/internal/web"
)

var (
	routerOnce sync.Once
	router     routers.Router
	routerErr  error
)

// validated serves h, and checks every answer it gives against the OpenAPI document: the route
// is documented, the status is one it lists, and a JSON body matches its schema. Every test
// server in this package is wrapped in it, so the document is held to what the handlers do.
func validated(t *testing.T, h http.Handler) http.Handler {
	t.Helper()
	routerOnce.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromData(web.OpenAPI)
		if err != nil {
			routerErr = err
			return
		}
		router, routerErr = legacy.NewRouter(doc)
	})
	if routerErr != nil {
		t.Fatalf("the OpenAPI document: %v", routerErr)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())

		req := r.Clone(context.Background())
		req.Body = io.NopCloser(bytes.NewReader(body))
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Errorf("OpenAPI: %s %s is not a documented route: %v", r.Method, r.URL.Path, err)
			return
		}
		mt, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type"))
		opts := &openapi3filter.Options{IncludeResponseStatus: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			ExcludeResponseBody: !strings.HasSuffix(mt, "json")}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts},
			Status:                 rec.Code, Header: rec.Header(), Body: io.NopCloser(bytes.NewReader(rec.Body.Bytes())), Options: opts,
		}
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			t.Errorf("OpenAPI: the answer to %s %s (%d %s) does not match the document: %v", r.Method, r.URL.Path, rec.Code, mt, err)
		}
	})
}

// TestOpenAPI_SigningExample holds the OpenAPI document's worked example of a monitor's
// signature to what Sign computes, so the example a tool's author copies is right.
func TestOpenAPI_SigningExample(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(web.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	scheme := doc.Components.SecuritySchemes["MonitorSignature"]
	if scheme == nil || scheme.Value == nil {
		t.Fatal("the document has no MonitorSignature security scheme")
	}
	desc := scheme.Value.Description
	const secret, ts = "local-monitor-secret-0123456789abcdef", int64(1767001234)
	body := `{"platform":"x","post_id":"1","author":{"handle":"@ada"},"text":"Bins missed."}`
	for _, want := range []string{
		"{timestamp}.{METHOD}.{path}.{body}",
		"1767001234.POST./v1/social." + body,
		web.Sign(secret, ts, "POST", "/v1/social", []byte(body)),
		"1767001234.POST./v1/social/FB-2026-000004/acknowledged.",
		web.Sign(secret, ts, "POST", "/v1/social/FB-2026-000004/acknowledged", nil),
	} {
		if !strings.Contains(desc, want) {
			t.Errorf("the signature's description does not carry %q:\n%s", want, desc)
		}
	}
}
