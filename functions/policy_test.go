package functions_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"
)

// Every function a test starts reaches moto through a policyCheck: a proxy that names the IAM
// action each request needs and fails the test if the function's policies in template.yaml do
// not grant it. moto grants everything, so without this a grant missing from the template
// (which in AWS is an AccessDenied, and an outage) passes every test here.

// resources are the template's function resources, by the directory under functions/.
var resources = map[string]string{
	"webform": "WebFormFunction", "social": "SocialFunction", "email": "EmailFunction",
	"notifier": "NotifierFunction", "reminders": "RemindersFunction", "officer": "OfficerFunction",
}

// grant is one Allow statement's actions, and the partition keys a dynamodb:LeadingKeys
// condition limits it to (nil: any).
type grant struct {
	actions     []string
	leadingKeys []string
}

// allows reports whether the grant lets a request with this action, on a table partition
// (partition "" when the request names none, as a query of an index does), through.
func (g grant) allows(action, partition string) bool {
	if !slices.Contains(g.actions, action) {
		return false
	}
	return g.leadingKeys == nil || partition != "" && slices.Contains(g.leadingKeys, partition)
}

var (
	grantsOnce sync.Once
	grantsBy   map[string][]grant // by function resource
	grantsErr  error
)

// templateGrants reads every function's Allow statements from template.yaml, with the managed
// policies they reference (!Ref).
func templateGrants() (map[string][]grant, error) {
	grantsOnce.Do(func() {
		b, err := os.ReadFile(filepath.Join("..", "template.yaml"))
		if err != nil {
			grantsErr = err
			return
		}
		var doc struct {
			Resources map[string]yaml.Node `yaml:"Resources"`
		}
		if grantsErr = yaml.Unmarshal(b, &doc); grantsErr != nil {
			return
		}
		statements := func(policy *yaml.Node) ([]grant, error) {
			var d struct {
				Statement []struct {
					Effect    string                    `yaml:"Effect"`
					Action    yaml.Node                 `yaml:"Action"`
					Condition map[string]map[string]any `yaml:"Condition"`
				} `yaml:"Statement"`
			}
			if err := policy.Decode(&d); err != nil {
				return nil, err
			}
			var out []grant
			for _, st := range d.Statement {
				if st.Effect != "Allow" {
					continue
				}
				var g grant
				if st.Action.Kind == yaml.ScalarNode {
					g.actions = []string{st.Action.Value}
				} else if err := st.Action.Decode(&g.actions); err != nil {
					return nil, err
				}
				for _, keys := range st.Condition {
					if v, ok := keys["dynamodb:LeadingKeys"]; ok {
						g.leadingKeys = []string{}
						for _, k := range v.([]any) {
							g.leadingKeys = append(g.leadingKeys, fmt.Sprint(k))
						}
					}
				}
				out = append(out, g)
			}
			return out, nil
		}
		grantsBy = map[string][]grant{}
		for _, res := range resources {
			node := doc.Resources[res]
			var fn struct {
				Properties struct {
					Policies []yaml.Node `yaml:"Policies"`
				} `yaml:"Properties"`
			}
			if grantsErr = node.Decode(&fn); grantsErr != nil {
				return
			}
			for _, p := range fn.Properties.Policies {
				policy := &p
				if p.Tag == "!Ref" {
					var managed struct {
						Properties struct {
							PolicyDocument yaml.Node `yaml:"PolicyDocument"`
						} `yaml:"Properties"`
					}
					ref := doc.Resources[p.Value]
					if grantsErr = ref.Decode(&managed); grantsErr != nil {
						return
					}
					policy = &managed.Properties.PolicyDocument
				}
				gs, err := statements(policy)
				if err != nil {
					grantsErr = fmt.Errorf("%s: %w", res, err)
					return
				}
				grantsBy[res] = append(grantsBy[res], gs...)
			}
		}
	})
	return grantsBy, grantsErr
}

// request is what a request to AWS asks, as IAM sees it.
type request struct {
	action    string // service:Action
	partition string // a DynamoDB request's partition key value, when it names one
}

// signedService matches the service in a SigV4 Authorization header's credential scope.
var signedService = regexp.MustCompile(`Credential=[^/]+/[0-9]+/[a-z0-9-]+/([a-z0-9-]+)/aws4_request`)

// requestsOf names the IAM actions (one for most requests; one per item of a transaction) a
// request to AWS needs, for the calls Intake's functions make.
func requestsOf(r *http.Request, body []byte) ([]request, error) {
	m := signedService.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return nil, fmt.Errorf("%s %s is not signed for a service", r.Method, r.URL.Path)
	}
	target := r.Header.Get("X-Amz-Target")
	switch m[1] {
	case "dynamodb":
		return dynamoRequests(strings.TrimPrefix(target, "DynamoDB_20120810."), body)
	case "ssm":
		return []request{{action: "ssm:" + strings.TrimPrefix(target, "AmazonSSM.")}}, nil
	case "ses":
		if r.Method == http.MethodPost && r.URL.Path == "/v2/email/outbound-emails" {
			return []request{{action: "ses:SendEmail"}}, nil
		}
	case "scheduler":
		if strings.HasPrefix(r.URL.Path, "/schedules/") {
			op := map[string]string{http.MethodPost: "CreateSchedule", http.MethodDelete: "DeleteSchedule",
				http.MethodGet: "GetSchedule", http.MethodPut: "UpdateSchedule"}[r.Method]
			return []request{{action: "scheduler:" + op}}, nil
		}
	case "s3":
		q := r.URL.Query()
		switch {
		case r.Method == http.MethodPut && q.Has("tagging"):
			return []request{{action: "s3:PutObjectTagging"}}, nil
		case r.Method == http.MethodPut:
			return []request{{action: "s3:PutObject"}}, nil
		case r.Method == http.MethodGet, r.Method == http.MethodHead:
			return []request{{action: "s3:GetObject"}}, nil
		case r.Method == http.MethodDelete, r.Method == http.MethodPost && q.Has("delete"):
			return []request{{action: "s3:DeleteObject"}}, nil
		}
	}
	return nil, fmt.Errorf("%s %s %s (%s): no IAM action is known for it here; add it to requestsOf", m[1], r.Method, r.URL.Path, target)
}

// partitionCondition matches the partition key's part of a key condition: its name (or a
// placeholder for it) and its value's placeholder.
var partitionCondition = regexp.MustCompile(`^(#?[A-Za-z0-9_]+) = (:[A-Za-z0-9_]+)`)

// dynamoRequests names the actions of a DynamoDB call: a transaction needs its items' own
// actions; a query of the table (not an index) is on the partition its key condition names.
func dynamoRequests(op string, body []byte) ([]request, error) {
	switch op {
	case "TransactWriteItems":
		var in struct {
			TransactItems []map[string]json.RawMessage
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, err
		}
		var out []request
		for _, it := range in.TransactItems {
			for kind := range it {
				action := map[string]string{"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}[kind]
				out = append(out, request{action: "dynamodb:" + action})
			}
		}
		return out, nil
	case "TransactGetItems":
		return []request{{action: "dynamodb:GetItem"}}, nil
	case "Query":
		var in struct {
			IndexName                 string
			KeyConditionExpression    string
			ExpressionAttributeNames  map[string]string
			ExpressionAttributeValues map[string]map[string]string
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, err
		}
		q := request{action: "dynamodb:Query"}
		if m := partitionCondition.FindStringSubmatch(in.KeyConditionExpression); m != nil && in.IndexName == "" {
			if name := cmp.Or(in.ExpressionAttributeNames[m[1]], m[1]); name == "PK" {
				q.partition = in.ExpressionAttributeValues[m[2]]["S"]
			}
		}
		return []request{q}, nil
	}
	return []request{{action: "dynamodb:" + op}}, nil
}

// policyCheck returns an endpoint that forwards to upstream and fails t if the function fn
// makes a request its policies do not allow.
func policyCheck(t testing.TB, fn, upstream string) string {
	t.Helper()
	all, err := templateGrants()
	if err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	grants, ok := all[resources[fn]]
	if !ok {
		t.Fatalf("no function resource for %s in template.yaml", fn)
	}
	var mu sync.Mutex
	var denied []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		reqs, err := requestsOf(r, body)
		for _, q := range reqs {
			if !slices.ContainsFunc(grants, func(g grant) bool { return g.allows(q.action, q.partition) }) {
				where := ""
				if q.partition != "" {
					where = " on partition " + q.partition
				}
				err = fmt.Errorf("%s%s is not granted to %s in template.yaml", q.action, where, resources[fn])
			}
		}
		if err != nil {
			mu.Lock()
			denied = append(denied, err.Error())
			mu.Unlock()
			// As AWS would answer, so that the function's handling of it is what the test sees.
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"__type":"com.amazonaws.dynamodb.v20120810#AccessDeniedException","message":%q}`, err.Error())
			return
		}
		out, err := http.NewRequestWithContext(r.Context(), r.Method, upstream+r.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		out.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	t.Cleanup(func() {
		srv.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, d := range denied {
			t.Errorf("%s: %s", fn, d)
		}
	})
	return srv.URL
}
