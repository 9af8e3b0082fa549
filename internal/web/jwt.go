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
// request); the caller is the address the token vouches for, looked up in dir.
//
// A token vouches for an address in one of two ways: its "email" claim together with
// email_verified "true", or the claim named trustedClaim (INTAKE_JWT_TRUSTED_EMAIL_CLAIM),
// which the identity provider is configured to vouch for (e.g. "upn"; or "email" for a provider
// that sends no email_verified). Anything else is ErrUnauthenticated: a request with no verified
// claims (a route without the authoriser, or not from API Gateway at all), no address, an
// address not verified, one the provider says is unverified, or one not on the staff.
func JWTClaims(dir feedback.Directory, trustedClaim string) func(*http.Request) (feedback.StaffMember, error) {
	trustedClaim = strings.TrimSpace(trustedClaim)
	return func(r *http.Request) (feedback.StaffMember, error) {
		rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context())
		if !ok || rc.Authorizer == nil || rc.Authorizer.JWT == nil {
			return feedback.StaffMember{}, ErrUnauthenticated
		}
		claims := rc.Authorizer.JWT.Claims
		// API Gateway passes every claim as a string; a provider that says the address is not
		// verified is not vouching for who holds the token, whatever else is configured.
		verified, said := claims["email_verified"]
		if said && !strings.EqualFold(verified, "true") {
			return feedback.StaffMember{}, ErrUnauthenticated
		}
		var email string
		if trustedClaim != "" {
			email = strings.TrimSpace(claims[trustedClaim])
		}
		if email == "" && said {
			email = strings.TrimSpace(claims["email"])
		}
		m, known := dir.Lookup(email)
		if email == "" || !known {
			return feedback.StaffMember{}, ErrUnauthenticated
		}
		return m, nil
	}
}
