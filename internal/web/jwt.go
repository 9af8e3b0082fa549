package web

import (
	"net/http"
	"strings"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/council/intake/internal/feedback"
)

// JWTClaims returns a Staff resolver for the officer API in AWS. API Gateway's JWT authoriser
// has already checked the token's signature, issuer, audience and expiry before the function
// runs, and hands over its claims in the request context (httpadapter puts that context on the
// request); the caller is the token's email claim, looked up in dir. A request with no
// verified claims (a route without the authoriser, or not from API Gateway at all), no email,
// an email the identity provider says is unverified, or an address not on the staff is
// ErrUnauthenticated.
func JWTClaims(dir feedback.Directory) func(*http.Request) (feedback.StaffMember, error) {
	return func(r *http.Request) (feedback.StaffMember, error) {
		rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context())
		if !ok || rc.Authorizer == nil || rc.Authorizer.JWT == nil {
			return feedback.StaffMember{}, ErrUnauthenticated
		}
		claims := rc.Authorizer.JWT.Claims
		// API Gateway passes every claim as a string; a provider that says the address is not
		// verified is not vouching for who holds the token.
		if v, said := claims["email_verified"]; said && !strings.EqualFold(v, "true") {
			return feedback.StaffMember{}, ErrUnauthenticated
		}
		email := strings.TrimSpace(claims["email"])
		m, known := dir.Lookup(email)
		if email == "" || !known {
			return feedback.StaffMember{}, ErrUnauthenticated
		}
		return m, nil
	}
}
