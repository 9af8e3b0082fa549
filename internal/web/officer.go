package web

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/council/intake/internal/feedback"
)

// Officer is the officer side as every deployment puts it together, the officer function and
// the local runner alike: the console over the domain's lifecycle service, and the officer API,
// which takes the console's session (with its CSRF header) or else whatever Bearer finds.
type Officer struct {
	Service *feedback.Service
	SignIn  *feedback.SignIn
	// Bearer resolves a caller with no console session: JWTClaims behind the HTTP API's JWT
	// authoriser, BearerTokens locally.
	Bearer func(*http.Request) (feedback.StaffMember, error)
	// AfterCommit, when set, carries out a case's side effects after an action (the local
	// runner); nil in AWS, where the table's stream does.
	AfterCommit func(ctx context.Context, ref string)
	// Secure marks the session cookie Secure: everywhere but a console on plain http.
	Secure bool
	// Imports, when set, has the console import past cases in the background.
	Imports *Imports
	Log     *slog.Logger
}

// Handlers returns the officer API (with the public form's routes, through Routes) and the
// console, wired to each other: OfficerRoutes serves the two as the officer function does.
func (o Officer) Handlers() (*Handler, *Console) {
	console := &Console{Service: o.Service, SignIn: o.SignIn, List: serviceList(o.Service),
		AfterCommit: o.AfterCommit, Secure: o.Secure, Imports: o.Imports, Log: o.Log}
	api := &Handler{Service: o.Service, AfterCommit: o.AfterCommit, Staff: console.Staff(o.Bearer), Log: o.Log}
	return api, console
}
