package main

import (
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
)

// The runner's own pages (/_local/…) move the clock (which runs the purge), take mail in and
// show the outbox, sign-in links included. They are for the developer at the keyboard: a web
// page open in the same browser must not reach them, and neither must another machine unless
// the developer says so.

// checkAddr refuses to listen where other machines can reach the runner unless public is set,
// and then warns on logTo what that exposes.
func checkAddr(addr string, public bool, logTo io.Writer) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q must be host:port, e.g. 127.0.0.1:3000", addr)
	}
	ip := net.ParseIP(host)
	if host == "localhost" || ip != nil && ip.IsLoopback() {
		return nil
	}
	if !public {
		return fmt.Errorf("-addr %s can be reached from other machines, and the outbox (/_local/outbox.html) shows sign-in links to anyone who can reach it: "+
			"listen on 127.0.0.1, or add -public if you mean it", addr)
	}
	fmt.Fprintf(logTo, "Warning: listening on %s (-public): anyone who can reach it can read the outbox at /_local/outbox.html, sign-in links included, and move the clock.\n", addr)
	return nil
}

// local guards the runner's own pages: a request whose Origin is not the runner's own (a web
// page elsewhere making the browser send it) is 403; a request without an Origin (curl, the
// address bar) is fine. With jsonBody, a body of any other type than application/json is 415,
// so that a plain HTML form cannot post one.
func (s *Server) local(next http.HandlerFunc, jsonBody bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && !s.ownOrigin(o) {
			http.Error(w, "the runner's own pages take requests only from the runner's own pages, or from curl and the like (with no Origin)", http.StatusForbidden)
			return
		}
		if jsonBody {
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
				http.Error(w, "send the body as application/json (curl -H 'Content-Type: application/json')", http.StatusUnsupportedMediaType)
				return
			}
		}
		next(w, r)
	}
}

// ownOrigin reports whether origin is the runner's: the address it listens on, or the console
// address its links use.
func (s *Server) ownOrigin(origin string) bool {
	origin = strings.ToLower(strings.TrimRight(origin, "/"))
	for _, own := range []string{s.base, s.service.Council.ConsoleURL} {
		if own != "" && origin == strings.ToLower(strings.TrimRight(own, "/")) {
			return true
		}
	}
	return false
}
