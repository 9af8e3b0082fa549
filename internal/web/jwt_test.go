package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/web"
)

// jwtRequest is the request httpadapter hands the handler for an HTTP API event whose
// authoriser context is authorizer (nil: a route without one).
func jwtRequest(t *testing.T, authorizer *events.APIGatewayV2HTTPRequestContextAuthorizerDescription) *http.Request {
	t.Helper()
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "GET /v1/cases", RawPath: "/v1/cases",
		Headers: map[string]string{"authorization": "Bearer eyJ.already.verified"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			HTTP:       events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/v1/cases"},
			Authorizer: authorizer,
		},
	}
	r, err := (&core.RequestAccessorV2{}).EventToRequestWithContext(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func claims(c map[string]string) *events.APIGatewayV2HTTPRequestContextAuthorizerDescription {
	return &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: c},
	}
}

func TestJWTClaims_Resolve(t *testing.T) {
	dir, err := feedback.ParseDirectory("ana@council.gov.uk=admin,cy@council.gov.uk=officer:planning")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		trusted string // INTAKE_JWT_TRUSTED_EMAIL_CLAIM
		req     func(t *testing.T) *http.Request
		want    string // the staff member's address; empty for ErrUnauthenticated
		wantErr bool
	}{
		{"an email claim the token does not say is verified", "", func(t *testing.T) *http.Request {
			return jwtRequest(t, claims(map[string]string{"email": "cy@council.gov.uk", "sub": "abc"}))
		}, "", true},
		{"email_verified not a boolean true", "", func(t *testing.T) *http.Request {
			return jwtRequest(t, claims(map[string]string{"email": "cy@council.gov.uk", "email_verified": "yes"}))
		}, "", true},
		{"email in another case and with spaces", "", func(t *testing.T) *http.Request {
			return jwtRequest(t, claims(map[string]string{"email": " Ana@Council.GOV.uk ", "email_verified": "true"}))
		}, "ana@council.gov.uk", false},
		{"the email claim, configured as vouched for", "email", func(t *testing.T) *http.Request {
			return jwtRequest(t, claims(map[string]string{"email": "cy@council.gov.uk", "sub": "abc"}))
		}, "cy@council.gov.uk", false},
		{"a upn claim, configured as vouched for", "upn", func(t *testing.T) *http.Request {
			return jwtRequest(t, claims(map[string]string{"upn": "cy@council.gov.uk", "email": "mallory@example.com"}))
		}, "cy@council.gov.uk", false},
		{"upn configured, but an unverified email is all the token has", "upn", func(t *testing.T) *http.Request {
			return jwtRequest(t, claims(map[string]string{"email": "cy@council.gov.uk"}))
		}, "", true},
		{"the configured claim, but the provider says the address is unverified", "email", func(t *testing.T) *http.Request {
			return jwtRequest(t, claims(map[string]string{"email": "cy@council.gov.uk", "email_verified": "false"}))
		}, "", true},
		{"email verified", "", func(t *testing.T) *http.Request {
			return jwtRequest(t, claims(map[string]string{"email": "cy@council.gov.uk", "email_verified": "true"}))
		}, "cy@council.gov.uk", false},
		{"email not verified", "", func(t *testing.T) *http.Request {
			return jwtRequest(t, claims(map[string]string{"email": "cy@council.gov.uk", "email_verified": "false"}))
		}, "", true},
		{"not on the staff", "", func(t *testing.T) *http.Request {
			return jwtRequest(t, claims(map[string]string{"email": "mallory@example.com"}))
		}, "", true},
		{"no email claim", "", func(t *testing.T) *http.Request {
			return jwtRequest(t, claims(map[string]string{"sub": "abc", "upn": "cy@council.gov.uk"}))
		}, "", true},
		{"empty email claim", "", func(t *testing.T) *http.Request {
			return jwtRequest(t, claims(map[string]string{"email": ""}))
		}, "", true},
		{"no claims", "", func(t *testing.T) *http.Request { return jwtRequest(t, claims(nil)) }, "", true},
		{"a Lambda authoriser, not the JWT one", "", func(t *testing.T) *http.Request {
			return jwtRequest(t, &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				Lambda: map[string]any{"email": "cy@council.gov.uk"}})
		}, "", true},
		{"route without an authoriser", "", func(t *testing.T) *http.Request { return jwtRequest(t, nil) }, "", true},
		{"not from API Gateway: a header saying who is no proof", "", func(t *testing.T) *http.Request {
			r := httptest.NewRequest("GET", "/v1/cases", nil)
			ctxJSON, _ := json.Marshal(events.APIGatewayV2HTTPRequestContext{Authorizer: claims(map[string]string{"email": "ana@council.gov.uk"})})
			r.Header.Set("X-GoLambdaProxy-ApiGw-Context", string(ctxJSON))
			r.Header.Set("Authorization", "Bearer ana@council.gov.uk")
			return r
		}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := web.JWTClaims(dir, tt.trusted)(tt.req(t))
			if tt.wantErr {
				if !errors.Is(err, web.ErrUnauthenticated) {
					t.Errorf("resolved %+v, %v; want ErrUnauthenticated", m, err)
				}
				return
			}
			if err != nil || m.Email != tt.want {
				t.Errorf("resolved %q, %v; want %s", m.Email, err, tt.want)
			}
		})
	}
}

// TestJWTClaims_API: through the adapter the officer function uses, a verified token of a
// member of staff reaches the API; anyone else gets 401 problem+json.
func TestJWTClaims_API(t *testing.T) {
	env := newAPIEnv(t)
	api := &web.Handler{Service: env.svc, Staff: web.JWTClaims(env.svc.Staff, "")}
	adapter := httpadapter.NewV2(web.OfficerRoutes(api, &web.Console{Service: env.svc}))
	tests := []struct {
		name       string
		authorizer *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
		want       int
	}{
		{"staff", claims(map[string]string{"email": "cy@council.gov.uk", "email_verified": "true"}), http.StatusOK},
		{"staff, but the address not said to be verified", claims(map[string]string{"email": "cy@council.gov.uk"}), http.StatusUnauthorized},
		{"stranger", claims(map[string]string{"email": "someone@example.com", "email_verified": "true"}), http.StatusUnauthorized},
		{"no authoriser", nil, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := adapter.ProxyWithContext(context.Background(), events.APIGatewayV2HTTPRequest{
				Version: "2.0", RouteKey: "GET /v1/cases", RawPath: "/v1/cases",
				RequestContext: events.APIGatewayV2HTTPRequestContext{
					HTTP:       events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/v1/cases"},
					Authorizer: tt.authorizer,
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.want, resp.Body)
			}
			if tt.want == http.StatusUnauthorized {
				var p struct {
					Status int    `json:"status"`
					Detail string `json:"detail"`
				}
				if ct := resp.Headers["Content-Type"]; ct != "application/problem+json" || json.Unmarshal([]byte(resp.Body), &p) != nil || p.Status != 401 || p.Detail == "" {
					t.Errorf("401 as %q: %s; want problem+json", ct, resp.Body)
				}
			} else if ct := resp.Headers["Content-Type"]; ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
		})
	}
}
