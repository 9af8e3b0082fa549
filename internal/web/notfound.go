package web

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
)

// apiMethods are the methods an Allow header may list.
var apiMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// apiProblems answers every request under /v1/ that no route of mux takes with
// application/problem+json, as the rest of the API answers: 405 with Allow when the path exists
// for other methods, 404 otherwise. (net/http's own answers are plain text.)
func apiProblems(mux *http.ServeMux) {
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		reqID := requestID(r)
		w.Header().Set("X-Request-Id", reqID)
		var allow []string
		for _, m := range apiMethods {
			probe := httptest.NewRequest(m, r.URL.Path, nil)
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/v1/" && !slices.Contains(allow, m) {
				allow = append(allow, m)
			}
		}
		h := &Handler{}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			h.problem(w, r, reqID, &problemError{status: http.StatusMethodNotAllowed,
				detail: r.Method + " is not allowed here; use " + strings.Join(allow, " or ") + "."})
			return
		}
		h.problem(w, r, reqID, &problemError{status: http.StatusNotFound,
			detail: "There is no " + r.URL.Path + " in the API: see /openapi.json for its routes."})
	})
}
