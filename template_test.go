// Package intake_test holds template.yaml to the code it deploys: every function has its build
// target, its main package, sample events and the settings its main requires; the table is
// the one internal/dynamo reads and writes; the routes are the ones internal/web serves; no
// policy grants a wildcard; and cfn-lint finds nothing.
package intake_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/council/intake/internal/config"
	"github.com/council/intake/internal/dynamo"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/setup"
	"github.com/council/intake/internal/web"
)

// functions maps each AWS::Serverless::Function in template.yaml to its functions/<dir> and
// the variables its main requires (the lists in internal/setup that the mains pass on).
var functions = []struct {
	logicalID string
	dir       string
	required  []string
}{
	{"WebFormFunction", "webform", setup.WebFormSettings},
	{"NotifierFunction", "notifier", setup.SideEffectSettings},
	{"RemindersFunction", "reminders", setup.SideEffectSettings},
	{"EmailFunction", "email", setup.EmailSettings},
	{"OfficerFunction", "officer", setup.OfficerSettings},
	{"SocialFunction", "social", setup.SocialSettings},
	{"ImportFunction", "importer", setup.ImportSettings},
}

// notYetWired are settings in internal/config that no function in the template sets, and why
// they cannot be set in AWS. Every other setting is settable in the template.
var notYetWired = map[string]string{
	"INTAKE_SESSION_KEY":    "the local runner's session key; in AWS the key is never an environment variable: the officer function reads the SSM SecureString INTAKE_SESSION_KEY_PARAMETER names",
	"INTAKE_SOCIAL_SECRETS": "the local runner's (and make invoke-social's) signing secrets; in AWS they are never an environment variable: the social function reads the SSM SecureString INTAKE_SOCIAL_SECRETS_PARAMETER names",
	"INTAKE_API_TOKENS":     "the local runner's bearer tokens; in AWS the officer API's JWT authoriser stands in their place",
}

func TestTemplate_Functions(t *testing.T) {
	tpl := loadTemplate(t)
	mk := loadMakefile(t)

	var inTemplate []string
	for id, r := range tpl.resources() {
		if str(r, "Type") == "AWS::Serverless::Function" {
			inTemplate = append(inTemplate, id)
		}
	}
	var inTable []string
	for _, f := range functions {
		inTable = append(inTable, f.logicalID)
	}
	sort.Strings(inTemplate)
	sort.Strings(inTable)
	if !slices.Equal(inTemplate, inTable) {
		t.Fatalf("template.yaml has functions %v; the table in template_test.go has %v: keep them the same", inTemplate, inTable)
	}
	var dirs []string
	for _, f := range functions {
		dirs = append(dirs, f.dir)
	}
	if got := strings.Fields(mk.variables["FUNCTIONS"]); !slices.Equal(got, dirs) {
		t.Errorf("Makefile FUNCTIONS = %v, want %v", got, dirs)
	}

	for _, f := range functions {
		t.Run(f.logicalID, func(t *testing.T) {
			props := tpl.functionProperties(f.logicalID)
			for key, want := range map[string]any{
				"Runtime": "provided.al2023", "Handler": "bootstrap", "CodeUri": ".", "Architectures": []any{"arm64"},
			} {
				if got := props[key]; !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %v, want %v", key, got, want)
				}
			}
			if got := str(tpl.resources()[f.logicalID], "Metadata", "BuildMethod"); got != "makefile" {
				t.Errorf("Metadata.BuildMethod = %q, want makefile (sam build then runs make build-%s)", got, f.logicalID)
			}

			recipe, ok := mk.targets["build-"+f.logicalID]
			if !ok {
				t.Errorf("the Makefile has no build-%s target, which sam build runs", f.logicalID)
			} else if !strings.Contains(recipe, "-o $(ARTIFACTS_DIR)/bootstrap ./functions/"+f.dir) {
				t.Errorf("build-%s does not build ./functions/%s into $(ARTIFACTS_DIR)/bootstrap:\n%s", f.logicalID, f.dir, recipe)
			}
			if _, ok := mk.targets["invoke-"+f.dir]; !ok {
				t.Errorf("the Makefile has no invoke-%s target", f.dir)
			}

			samples, _ := filepath.Glob(filepath.Join("events", f.dir+"-*.json"))
			if len(samples) == 0 {
				t.Errorf("no sample event events/%s-*.json", f.dir)
			}
			for _, path := range samples {
				if b, err := os.ReadFile(path); err != nil || !json.Valid(b) {
					t.Errorf("%s is not valid JSON (%v)", path, err)
				}
			}

			env := mapOf(props["Environment"], "Variables")
			for _, name := range f.required {
				if v, ok := env[name]; !ok || v == "" || v == nil {
					t.Errorf("%s is not set, and the function needs it", name)
				}
			}
		})
	}

	t.Run("main packages", func(t *testing.T) {
		for _, f := range functions {
			path := filepath.Join("functions", f.dir, "main.go")
			b, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("%s has no main package: %v", f.logicalID, err)
				continue
			}
			if !bytes.Contains(b, []byte("\npackage main\n")) && !bytes.HasPrefix(b, []byte("package main\n")) {
				t.Errorf("%s is not package main", path)
			}
		}
	})
}

// TestTemplate_Settings checks that every setting in internal/config reaches the functions, and
// that the template sets no INTAKE_ variable the code does not read (a misspelt name would
// otherwise be silently ignored and its default used).
func TestTemplate_Settings(t *testing.T) {
	tpl := loadTemplate(t)
	known := map[string]bool{}
	rt := reflect.TypeOf(config.Config{})
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("env"), ",")
		known[name] = true
	}
	set := map[string]bool{}
	for _, f := range functions {
		for name := range mapOf(tpl.functionProperties(f.logicalID)["Environment"], "Variables") {
			set[name] = true
			if strings.HasPrefix(name, "INTAKE_") && !known[name] {
				t.Errorf("%s sets %s, which internal/config does not read", f.logicalID, name)
			}
		}
	}
	for name := range known {
		_, skip := notYetWired[name]
		switch {
		case !set[name] && !skip:
			t.Errorf("no function sets %s (internal/config reads it): add it to Globals or to the function that needs it", name)
		case set[name] && skip:
			t.Errorf("%s is now set: remove it from notYetWired in template_test.go", name)
		}
	}
}

// TestTemplate_Table checks the table against internal/dynamo, which reads and writes it.
func TestTemplate_Table(t *testing.T) {
	tpl := loadTemplate(t)
	props := mapOf(tpl.resources()["Table"], "Properties")
	if props == nil {
		t.Fatal("template.yaml has no resource Table")
	}
	for _, c := range []struct {
		path []string
		want any
	}{
		{[]string{"BillingMode"}, "PAY_PER_REQUEST"},
		{[]string{"TimeToLiveSpecification", "AttributeName"}, dynamo.AttrExpiresAt},
		{[]string{"TimeToLiveSpecification", "Enabled"}, true},
		{[]string{"StreamSpecification", "StreamViewType"}, "NEW_AND_OLD_IMAGES"},
		{[]string{"PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"}, true},
		{[]string{"SSESpecification", "SSEEnabled"}, true},
	} {
		if got := get(props, c.path...); got != c.want {
			t.Errorf("Table %s = %v, want %v", strings.Join(c.path, "."), got, c.want)
		}
	}

	want := dynamo.CreateTableInput("intake")
	var wantAttrs, gotAttrs []string
	for _, a := range want.AttributeDefinitions {
		wantAttrs = append(wantAttrs, aws.ToString(a.AttributeName)+":"+string(a.AttributeType))
	}
	for _, a := range list(props["AttributeDefinitions"]) {
		gotAttrs = append(gotAttrs, str(a, "AttributeName")+":"+str(a, "AttributeType"))
	}
	sort.Strings(wantAttrs)
	sort.Strings(gotAttrs)
	if !slices.Equal(gotAttrs, wantAttrs) {
		t.Errorf("Table AttributeDefinitions = %v, internal/dynamo has %v", gotAttrs, wantAttrs)
	}

	keys := func(schema []any) string {
		var s []string
		for _, k := range schema {
			s = append(s, str(k, "AttributeName")+":"+str(k, "KeyType"))
		}
		return strings.Join(s, ",")
	}
	if got, w := keys(list(props["KeySchema"])), keySchema(want.KeySchema); got != w {
		t.Errorf("Table KeySchema = %s, internal/dynamo has %s", got, w)
	}
	gotIndexes := map[string]string{}
	for _, gsi := range list(props["GlobalSecondaryIndexes"]) {
		var nonKey []string
		for _, a := range list(get(gsi, "Projection", "NonKeyAttributes")) {
			nonKey = append(nonKey, fmt.Sprint(a))
		}
		gotIndexes[str(gsi, "IndexName")] = keys(list(get(gsi, "KeySchema"))) + " " + str(gsi, "Projection", "ProjectionType") + " " + strings.Join(nonKey, ",")
	}
	wantIndexes := map[string]string{}
	for _, gsi := range want.GlobalSecondaryIndexes {
		wantIndexes[aws.ToString(gsi.IndexName)] = keySchema(gsi.KeySchema) + " " + string(gsi.Projection.ProjectionType) + " " + strings.Join(gsi.Projection.NonKeyAttributes, ",")
	}
	if !reflect.DeepEqual(gotIndexes, wantIndexes) {
		t.Errorf("Table GlobalSecondaryIndexes = %v, internal/dynamo has %v", gotIndexes, wantIndexes)
	}
}

func keySchema(ks []types.KeySchemaElement) string {
	var s []string
	for _, k := range ks {
		s = append(s, aws.ToString(k.AttributeName)+":"+string(k.KeyType))
	}
	return strings.Join(s, ",")
}

// TestTemplate_Routes checks that every route the template gives the web form and social
// functions is one their internal/web handler serves.
func TestTemplate_Routes(t *testing.T) {
	tpl := loadTemplate(t)
	for fn, mux := range map[string]*http.ServeMux{"WebFormFunction": (&web.Handler{}).FormRoutes(), "SocialFunction": (&web.Social{}).Routes()} {
		routes := tpl.httpRoutes(fn)
		if len(routes) == 0 {
			t.Fatalf("%s has no HttpApi events", fn)
		}
		for _, route := range routes {
			method, path, _ := strings.Cut(route, " ")
			path = strings.ReplaceAll(path, "{reference}", "FB-2026-000001")
			if _, pattern := mux.Handler(httptest.NewRequest(method, path, nil)); pattern == "" {
				t.Errorf("template.yaml routes %s to %s, but internal/web does not serve it", route, fn)
			}
		}
	}
}

// officerRoutes are the routes web.Console.Register and the officer API declare, every one of
// which the template must give OfficerFunction; the API's behind the JWT authoriser, the
// console's (which signs officers in itself) not.
var officerRoutes = map[string]string{
	"GET /officer/sign-in":                      "",
	"POST /officer/sign-in":                     "",
	"GET /officer/sign-in/{token}":              "",
	"POST /officer/sign-in/{token}":             "",
	"POST /officer/sign-out":                    "",
	"GET /officer":                              "",
	"GET /officer/search":                       "",
	"GET /officer/cases/{ref}":                  "",
	"POST /officer/cases/{ref}/{action}":        "",
	"GET /officer/cases/{ref}/files/{n}":        "",
	"GET /officer/social/new":                   "",
	"POST /officer/social/new":                  "",
	"GET /officer/social/{ref}":                 "",
	"POST /officer/social/{ref}/acknowledged":   "",
	"GET /v1/cases":                             "OfficerJwt",
	"POST /v1/cases":                            "OfficerJwt",
	"GET /v1/cases/{reference}":                 "OfficerJwt",
	"POST /v1/cases/{reference}/{action}":       "OfficerJwt",
	"POST /v1/cases/{reference}/reply":          "OfficerJwt",
	"GET /v1/cases/{reference}/reply-templates": "OfficerJwt",
	"GET /v1/restrictions":                      "OfficerJwt",
	"POST /v1/restrictions":                     "OfficerJwt",
	"POST /v1/restrictions/{id}/review":         "OfficerJwt",
	"GET /v1/markers":                           "OfficerJwt",
	"POST /v1/markers":                          "OfficerJwt",
	"POST /v1/markers/{id}/told":                "OfficerJwt",
	"GET /v1/contacts/{contact}/export":         "OfficerJwt",
	"DELETE /v1/contacts/{contact}":             "OfficerJwt",
	"GET /v1/destructions":                      "OfficerJwt",
	"GET /v1/reports/annual":                    "OfficerJwt",
	"POST /v1/import":                           "OfficerJwt",
	"GET /officer/reports/annual":               "",
	"GET /officer/import":                       "",
	"POST /officer/import":                      "",
	"POST /officer/import/start":                "",
	"GET /officer/import/{id}":                  "",
	"GET /officer/restrictions":                 "",
	"POST /officer/restrictions":                "",
	"GET /officer/restrictions/{id}":            "",
	"POST /officer/restrictions/{id}/review":    "",
	"GET /officer/markers":                      "",
	"POST /officer/markers":                     "",
	"POST /officer/markers/{id}/told":           "",
	"GET /officer/cases/{ref}/{action}":         "",
	"GET /officer/rights":                       "",
	"POST /officer/rights":                      "",
	"POST /officer/rights/export":               "",
	"POST /officer/rights/erase":                "",
}

// TestTemplate_OfficerRoutes checks OfficerFunction's routes against web.OfficerRoutes, the mux
// the function serves: each template route is exactly one of its patterns (not the console's
// catch-all "page not found"), each has the authoriser it should, and none is missing.
func TestTemplate_OfficerRoutes(t *testing.T) {
	tpl := loadTemplate(t)
	mux := web.OfficerRoutes(&web.Handler{}, &web.Console{})
	got := map[string]string{}
	for name, ev := range mapOf(tpl.resources()["OfficerFunction"], "Properties", "Events") {
		if str(ev, "Type") != "HttpApi" {
			t.Errorf("OfficerFunction event %s is a %s, not an HttpApi route", name, str(ev, "Type"))
			continue
		}
		if str(ev, "Properties", "ApiId", "Ref") != "HttpApi" {
			t.Errorf("OfficerFunction event %s is not on HttpApi", name)
		}
		route := strings.ToUpper(str(ev, "Properties", "Method")) + " " + str(ev, "Properties", "Path")
		got[route] = str(ev, "Properties", "Auth", "Authorizer")
		method, path, _ := strings.Cut(route, " ")
		if _, pattern := mux.Handler(httptest.NewRequest(method, pathParam.ReplaceAllString(path, "x"), nil)); pattern != route {
			t.Errorf("template.yaml routes %s to OfficerFunction, but the officer function serves that with %q", route, pattern)
		}
	}
	if diff := cmp.Diff(officerRoutes, got); diff != "" {
		t.Errorf("OfficerFunction's routes and their authorisers (-want +got):\n%s", diff)
	}
	for _, route := range tpl.httpRoutes("WebFormFunction") {
		if _, dup := got[route]; dup {
			t.Errorf("%s is routed to both WebFormFunction and OfficerFunction", route)
		}
	}
	if _, ok := mapOf(tpl.resources()["HttpApi"], "Properties", "Auth", "Authorizers")["OfficerJwt"]; !ok {
		t.Error("HttpApi declares no OfficerJwt authorizer")
	}
}

// pathParam is a {parameter} in an HTTP API route's path.
var pathParam = regexp.MustCompile(`\{[a-z]+\}`)

// routeMatches reports whether path is one that the route key's path (with its {parameters})
// matches.
func routeMatches(routeKey, path string) bool {
	_, pattern, _ := strings.Cut(routeKey, " ")
	re := "^" + pathParam.ReplaceAllString(regexp.QuoteMeta(pattern), "[^/]+") + "$"
	return regexp.MustCompile(re).MatchString(path)
}

// TestTemplate_Events checks that the sample events decode as each function will decode them.
func TestTemplate_Events(t *testing.T) {
	tpl := loadTemplate(t)
	routes := tpl.httpRoutes("WebFormFunction")
	socialRoutes := tpl.httpRoutes("SocialFunction")
	samples, _ := filepath.Glob("events/*.json")
	for _, path := range samples {
		t.Run(filepath.Base(path), func(t *testing.T) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			switch name := filepath.Base(path); {
			case strings.HasPrefix(name, "webform-"):
				var ev events.APIGatewayV2HTTPRequest
				if err := dec.Decode(&ev); err != nil {
					t.Fatalf("not an HTTP API (payload 2.0) event: %v", err)
				}
				if ev.Version != "2.0" || !slices.Contains(routes, ev.RouteKey) || ev.RequestContext.HTTP.Method+" "+ev.RawPath != ev.RouteKey {
					t.Errorf("version %q route %q path %q: want 2.0 and one of the template's routes %v", ev.Version, ev.RouteKey, ev.RawPath, routes)
				}
			case strings.HasPrefix(name, "officer-"):
				var ev events.APIGatewayV2HTTPRequest
				if err := dec.Decode(&ev); err != nil {
					t.Fatalf("not an HTTP API (payload 2.0) event: %v", err)
				}
				auth, known := officerRoutes[ev.RouteKey]
				if ev.Version != "2.0" || !known || ev.RequestContext.RouteKey != ev.RouteKey ||
					!strings.HasPrefix(ev.RouteKey, ev.RequestContext.HTTP.Method+" ") || !routeMatches(ev.RouteKey, ev.RawPath) {
					t.Errorf("version %q route %q path %q: want 2.0 and one of OfficerFunction's routes, matching the path", ev.Version, ev.RouteKey, ev.RawPath)
				}
				// What API Gateway hands the function after the JWT authoriser, or without one.
				jwt := ev.RequestContext.Authorizer != nil && ev.RequestContext.Authorizer.JWT != nil
				switch {
				case auth == "OfficerJwt" && (!jwt || ev.RequestContext.Authorizer.JWT.Claims["email"] == ""):
					t.Errorf("%s is behind the JWT authoriser: the event needs requestContext.authorizer.jwt.claims.email", ev.RouteKey)
				case auth == "" && jwt:
					t.Errorf("%s has no authoriser, so API Gateway would pass no JWT claims", ev.RouteKey)
				}
			case strings.HasPrefix(name, "social-"):
				var ev events.APIGatewayV2HTTPRequest
				if err := dec.Decode(&ev); err != nil {
					t.Fatalf("not an HTTP API (payload 2.0) event: %v", err)
				}
				if ev.Version != "2.0" || !slices.Contains(socialRoutes, ev.RouteKey) || ev.RequestContext.HTTP.Method+" "+ev.RawPath != ev.RouteKey {
					t.Errorf("version %q route %q path %q: want 2.0 and one of the social routes %v", ev.Version, ev.RouteKey, ev.RawPath, socialRoutes)
				}
				if ev.Headers["x-intake-monitor"] == "" || ev.Headers["x-intake-timestamp"] == "" || !strings.HasPrefix(ev.Headers["x-intake-signature"], "sha256=") {
					t.Errorf("headers %v: want the three signing headers (signed afresh when sent)", ev.Headers)
				}
				var p feedback.SocialPost
				body := json.NewDecoder(strings.NewReader(ev.Body))
				body.DisallowUnknownFields()
				if err := body.Decode(&p); err != nil || p.Platform == "" || p.Text == "" {
					t.Errorf("body is not a social post as POST /v1/social takes it: %v", err)
				}
			case strings.HasPrefix(name, "notifier-"):
				var ev events.DynamoDBEvent
				if err := dec.Decode(&ev); err != nil || len(ev.Records) == 0 {
					t.Fatalf("not a DynamoDB stream event with records: %v", err)
				}
				for _, r := range ev.Records {
					c, ok, err := dynamo.CaseFromStreamImage(r.Change.NewImage)
					if err != nil || !ok {
						t.Fatalf("record %s: NewImage is not a case item as internal/dynamo stores it (ok %v): %v", r.EventID, ok, err)
					}
					if c.Ref == "" || c.Status != feedback.StatusOpen {
						t.Errorf("record %s: case %+v, want an open case with a reference", r.EventID, c)
					}
				}
			case name == "reminders-sweep.json":
				var sweep struct {
					Sweep bool `json:"sweep"`
				}
				if err := dec.Decode(&sweep); err != nil || !sweep.Sweep {
					t.Errorf(`want {"sweep":true}, the daily schedule's input (%v)`, err)
				}
				if input := str(tpl.resources()["DailySweepSchedule"], "Properties", "Target", "Input"); !jsonEqual(input, string(b)) {
					t.Errorf("DailySweepSchedule's input is %s, not the sample's", input)
				}
			case name == "reminders-digest.json":
				// The sample is the schedule's input as Scheduler sends it: the context attribute
				// replaced by the time it fired for.
				var digest struct {
					Digest      bool      `json:"digest"`
					ScheduledAt time.Time `json:"scheduled_at"`
				}
				if err := dec.Decode(&digest); err != nil || !digest.Digest || digest.ScheduledAt.IsZero() {
					t.Fatalf("want the digest's input with the time it fired for, scheduled_at (%v)", err)
				}
				input := str(tpl.resources()["DailyDigestSchedule"], "Properties", "Target", "Input")
				if sent := strings.ReplaceAll(input, schedulerScheduledTime, digest.ScheduledAt.Format(time.RFC3339)); !jsonEqual(sent, string(b)) {
					t.Errorf("DailyDigestSchedule's input is %s, not the sample's as Scheduler sends it", input)
				}
			case strings.HasPrefix(name, "reminders-"):
				var r feedback.Reminder
				if err := dec.Decode(&r); err != nil {
					t.Fatalf("not a feedback.Reminder: %v", err)
				}
				if r.Name == "" || r.Ref == "" || r.At.IsZero() || r.Purpose == "" {
					t.Errorf("reminder %+v lacks a name, reference, time or purpose", r)
				}
			case strings.HasPrefix(name, "email-"):
				var ev events.S3Event
				if err := dec.Decode(&ev); err != nil || len(ev.Records) == 0 {
					t.Fatalf("not an S3 event with records: %v", err)
				}
				for _, r := range ev.Records {
					if !strings.HasPrefix(r.EventName, "ObjectCreated:") || !strings.HasPrefix(r.S3.Object.Key, "inbound/") {
						t.Errorf("record %s %s: want an ObjectCreated event under inbound/, as the MailStored trigger filters", r.EventName, r.S3.Object.Key)
					}
				}
			case strings.HasPrefix(name, "importer-"):
				var ev events.S3Event
				if err := dec.Decode(&ev); err != nil || len(ev.Records) == 0 {
					t.Fatalf("not an S3 event with records: %v", err)
				}
				for _, r := range ev.Records {
					if _, ok := feedback.ImportJobOfFile(r.S3.Object.Key); !strings.HasPrefix(r.EventName, "ObjectCreated:") || !ok {
						t.Errorf("record %s %s: want an ObjectCreated event of an import file (imports/<id>.csv), as the FileUploaded trigger filters", r.EventName, r.S3.Object.Key)
					}
				}
			default:
				t.Errorf("%s is not named after a function (events/<dir>-*.json)", name)
			}
		})
	}
}

func jsonEqual(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

// TestTemplate_Policies checks that no statement that allows anything allows every action of a
// service, or every resource. Deny statements are left alone: a Deny on s3:* (the bucket's
// refusal of plain HTTP) only ever narrows access.
func TestTemplate_Policies(t *testing.T) {
	tpl := loadTemplate(t)
	n := 0
	for id, r := range tpl.resources() {
		walk(r, func(m map[string]any) {
			for _, st := range list(m["Statement"]) {
				if str(st, "Effect") != "Allow" {
					continue
				}
				n++
				if get(st, "NotAction") != nil || get(st, "NotResource") != nil {
					t.Errorf("%s: an Allow with NotAction or NotResource grants everything else: %v", id, st)
				}
				for _, a := range literals(get(st, "Action")) {
					if a == "*" || strings.Contains(a, "*") {
						t.Errorf("%s: statement %q allows the wildcard action %q", id, str(st, "Sid"), a)
					}
				}
				for _, res := range literals(get(st, "Resource")) {
					// A KMS key policy names its own key as "*".
					if res == "*" && str(r, "Type") != "AWS::KMS::Key" {
						t.Errorf("%s: statement %q allows every resource", id, str(st, "Sid"))
					}
				}
			}
		})
		// SAM policy templates (DynamoDBCrudPolicy and the like) grant more than the functions
		// use; the functions' statements are written out instead.
		// A policy of this template (!Ref to an AWS::IAM::ManagedPolicy) is checked above.
		if str(r, "Type") == "AWS::Serverless::Function" {
			for _, p := range list(get(r, "Properties", "Policies")) {
				if str(p, "Version") != "" || str(tpl.resources()[str(p, "Ref")], "Type") == "AWS::IAM::ManagedPolicy" {
					continue
				}
				t.Errorf("%s uses a SAM policy template or outside managed policy %v: write the statements out", id, p)
			}
		}
	}
	if n == 0 {
		t.Fatal("found no Allow statements: is the walk broken?")
	}
}

func TestTemplate_CfnLint(t *testing.T) {
	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skip("cfn-lint is not on PATH: template.yaml not linted (pip install cfn-lint)")
	}
	out, err := exec.Command(lint, "template.yaml").CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("cfn-lint template.yaml: %v\n%s", err, out)
	}
}

// ---- reading template.yaml and the Makefile

// template is template.yaml as plain maps and lists, with CloudFormation's short tags turned
// into their long forms (!Ref X is {"Ref": X}, !GetAtt A.B is {"Fn::GetAtt": [A, B]}, !Sub s
// is {"Fn::Sub": s}), as CloudFormation itself reads them.
type template map[string]any

func loadTemplate(t *testing.T) template {
	t.Helper()
	b, err := os.ReadFile("template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	v, err := plain(&doc)
	if err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatal("template.yaml is not a mapping")
	}
	return m
}

func plain(n *yaml.Node) (any, error) {
	var v any
	switch n.Kind {
	case yaml.DocumentNode:
		return plain(n.Content[0])
	case yaml.AliasNode:
		return plain(n.Alias)
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			val, err := plain(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = val
		}
		v = m
	case yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			val, err := plain(c)
			if err != nil {
				return nil, err
			}
			l = append(l, val)
		}
		v = l
	case yaml.ScalarNode:
		if isShortTag(n.Tag) {
			v = n.Value
		} else if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
	}
	if !isShortTag(n.Tag) {
		return v, nil
	}
	switch name := strings.TrimPrefix(n.Tag, "!"); name {
	case "Ref", "Condition":
		return map[string]any{name: v}, nil
	case "GetAtt":
		if s, ok := v.(string); ok {
			res, attr, _ := strings.Cut(s, ".")
			v = []any{res, attr}
		}
		return map[string]any{"Fn::GetAtt": v}, nil
	default:
		return map[string]any{"Fn::" + name: v}, nil
	}
}

// isShortTag reports whether tag is one of CloudFormation's (!Ref), not YAML's own (!!str).
func isShortTag(tag string) bool { return strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") }

func (t template) resources() map[string]any {
	out := map[string]any{}
	for id, r := range mapOf(map[string]any(t), "Resources") {
		out[id] = r
	}
	return out
}

// functionProperties returns a function's properties with Globals.Function merged in as SAM
// merges them: the function's own value wins, and maps (Environment.Variables) are combined.
func (t template) functionProperties(id string) map[string]any {
	return merge(mapOf(map[string]any(t), "Globals", "Function"), mapOf(t.resources()[id], "Properties")).(map[string]any)
}

func merge(global, local any) any {
	g, gok := global.(map[string]any)
	l, lok := local.(map[string]any)
	if !gok || !lok {
		if local != nil {
			return local
		}
		return global
	}
	out := map[string]any{}
	for k, v := range g {
		out[k] = v
	}
	for k, v := range l {
		out[k] = merge(g[k], v)
	}
	return out
}

// httpRoutes returns a function's HttpApi routes as "METHOD /path".
func (t template) httpRoutes(id string) []string {
	var routes []string
	for _, ev := range mapOf(t.resources()[id], "Properties", "Events") {
		if str(ev, "Type") == "HttpApi" {
			routes = append(routes, strings.ToUpper(str(ev, "Properties", "Method"))+" "+str(ev, "Properties", "Path"))
		}
	}
	sort.Strings(routes)
	return routes
}

func get(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func mapOf(v any, path ...string) map[string]any {
	m, _ := get(v, path...).(map[string]any)
	return m
}

func str(v any, path ...string) string {
	s, _ := get(v, path...).(string)
	return s
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// literals returns a policy field that may be one string or a list, keeping only the literal
// strings (an intrinsic such as !GetAtt names one resource, never a wildcard).
func literals(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	var out []string
	for _, e := range list(v) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// walk calls fn on every map in v, depth first.
func walk(v any, fn func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		fn(v)
		for _, e := range v {
			walk(e, fn)
		}
	case []any:
		for _, e := range v {
			walk(e, fn)
		}
	}
}

// makefile is the Makefile's simple variables and each target's recipe.
type makefile struct {
	variables map[string]string
	targets   map[string]string
}

func loadMakefile(t *testing.T) makefile {
	t.Helper()
	f, err := os.Open("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mk := makefile{variables: map[string]string{}, targets: map[string]string{}}
	current := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "\t"):
			if current != "" {
				mk.targets[current] += strings.TrimPrefix(line, "\t") + "\n"
			}
		case strings.Contains(line, ":=") && !strings.HasPrefix(line, "#"):
			name, value, _ := strings.Cut(line, ":=")
			mk.variables[strings.TrimSpace(name)] = strings.TrimSpace(value)
			current = ""
		default:
			current = ""
			if target, _, ok := strings.Cut(line, ":"); ok && !strings.ContainsAny(target, " \t#=$") && target != "" {
				current = target
				mk.targets[target] = ""
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return mk
}

// keyFamilies are the table's item families, by the dynamodb:LeadingKeys pattern that names
// each: the partition key prefixes of internal/dynamo (item.go, credentials.go, quota.go's
// callers, restriction.go, marker.go, retention.go). Sequences and quotas share a prefix and
// are told apart by the name after it. The staff directory is not stored (INTAKE_STAFF).
var keyFamilies = map[string]string{
	"CASE#*":                "cases",
	"IDEM#*":                "idempotency keys",
	"SEQ#ref-*":             "case references",
	"SEQ#restriction-*":     "restriction ids",
	"SEQ#marker-*":          "marker ids",
	"QUOTA#ack:*":           "acknowledgement limits",
	"QUOTA#digest:*":        "digest limits",
	"QUOTA#signin:*":        "sign-in limits",
	"CRED#link#*":           "sign-in links",
	"CRED#session#*":        "sessions",
	"CRED#link-sent#*":      "sign-in links sent",
	"RESTRICTIONS":          "restrictions",
	"MARKERS":               "markers",
	"DESTROYED#*":           "destruction log",
	"STAT#*":                "statistical records",
	"SEARCH#*":              "search index",
	"IMPORT#*":              "import jobs",
	"index/pending=PENDING": "pending cases",
	"index/cases=open":      "open cases",
	"index/cases=closed":    "closed cases",
	"index/month=????-??":   "cases by month",
	"index/contact=*":       "cases by person",
}

// dynamoWrites are the DynamoDB actions that change an item.
var dynamoWrites = map[string]bool{"dynamodb:PutItem": true, "dynamodb:UpdateItem": true, "dynamodb:DeleteItem": true, "dynamodb:BatchWriteItem": true}

// keyAccess returns the families a function's DynamoDB statements let it write and read,
// failing t for a statement that reaches the table with no dynamodb:LeadingKeys condition
// (every item of the table) or names a family keyFamilies does not know.
func keyAccess(t *testing.T, tpl template, fn string) (writes, reads []string) {
	t.Helper()
	w, r := map[string]bool{}, map[string]bool{}
	for _, p := range list(tpl.functionProperties(fn)["Policies"]) {
		doc := p
		if ref := str(p, "Ref"); ref != "" {
			doc = get(tpl.resources()[ref], "Properties", "PolicyDocument")
		}
		for _, st := range list(get(doc, "Statement")) {
			var actions []string
			for _, a := range literals(get(st, "Action")) {
				if strings.HasPrefix(a, "dynamodb:") {
					actions = append(actions, a)
				}
			}
			if len(actions) == 0 || str(st, "Effect") != "Allow" {
				continue
			}
			// The statement's one resource: the table, or one of its indexes.
			index := ""
			if sub := str(st, "Resource", "Fn::Sub"); sub != "" {
				var ok bool
				if index, ok = strings.CutPrefix(sub, "${Table.Arn}/index/"); !ok {
					t.Errorf("%s: statement %q: resource %q is not the table or one of its indexes", fn, str(st, "Sid"), sub)
				}
			} else if !reflect.DeepEqual(get(st, "Resource"), map[string]any{"Fn::GetAtt": []any{"Table", "Arn"}}) {
				t.Errorf("%s: statement %q: DynamoDB statements name one resource each, the table or an index: %v", fn, str(st, "Sid"), get(st, "Resource"))
			}
			var keys []string
			conditioned := false
			for op, c := range mapOf(st, "Condition") {
				if v, ok := mapOf(c)["dynamodb:LeadingKeys"]; ok {
					conditioned = true
					if !strings.HasPrefix(op, "ForAllValues:") {
						t.Errorf("%s: statement %q: LeadingKeys under %s; ForAllValues holds every key of a request to the families", fn, str(st, "Sid"), op)
					}
					keys = append(keys, literals(v)...)
				}
			}
			if index != "" && !conditioned {
				keys = []string{"*"} // any partition of the index
			}
			if !conditioned && index == "" {
				t.Errorf("%s: statement %q allows %v on every item of the table: scope it with dynamodb:LeadingKeys", fn, str(st, "Sid"), actions)
				continue
			}
			for _, k := range keys {
				if index != "" {
					k = "index/" + index + "=" + k
				}
				family, ok := keyFamilies[k]
				if !ok {
					t.Errorf("%s: statement %q: LeadingKeys %q is no family of keyFamilies", fn, str(st, "Sid"), k)
					continue
				}
				for _, a := range actions {
					if dynamoWrites[a] {
						w[family] = true
					} else {
						r[family] = true
					}
				}
			}
		}
	}
	writes, reads = slices.Sorted(maps.Keys(w)), slices.Sorted(maps.Keys(r))
	return writes, reads
}

// TestTemplate_LeastPrivilege lists, per function, every action its code calls and no more (a
// grant nobody uses is a door left open: add an action here only with the code that calls it),
// and the item families its
// DynamoDB statements reach (by dynamodb:LeadingKeys), to what it needs. The function tests
// (functions/policy_test.go) run every built function through the same policies, down to each
// request's resource and key, so a family missing here fails there as AWS would.
func TestTemplate_LeastPrivilege(t *testing.T) {
	tpl := loadTemplate(t)
	actionsOf := func(policies []any) []string {
		var out []string
		for _, p := range policies {
			doc := p
			if ref := str(p, "Ref"); ref != "" {
				doc = get(tpl.resources()[ref], "Properties", "PolicyDocument")
			}
			for _, st := range list(get(doc, "Statement")) {
				out = append(out, literals(get(st, "Action"))...)
			}
		}
		sort.Strings(out)
		return slices.Compact(out)
	}
	// The side effects of a case (the notifier's, and the reminders sweep's): claim and stamp the
	// case, take the acknowledgement limit, stamp a restriction decision's effects.
	sideEffects := []string{"acknowledgement limits", "cases", "idempotency keys", "restrictions"}
	tests := []struct {
		fn            string
		actions       []string
		writes, reads []string
	}{
		// Store: GetItem (idempotency key, the case it made), UpdateItem (reference counter),
		// PutItem (create); Query of the restrictions partition only (screening at intake).
		{"WebFormFunction", []string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"},
			[]string{"case references", "cases", "idempotency keys", "search index"}, []string{"cases", "idempotency keys", "restrictions"}},
		// ReceiveSocial and SocialAcknowledged: idempotency and threading look-ups, a
		// reference, the case created or updated; the restrictions partition queried (screening
		// of new posts and follow-ups). Nothing else: links are never fetched.
		// The monitoring tools' signing secrets read once (ssm:GetParameter).
		{"SocialFunction", []string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem", "ssm:GetParameter"},
			[]string{"case references", "cases", "idempotency keys", "search index"}, []string{"cases", "idempotency keys", "restrictions"}},
		// ReceiveEmail: idempotency and threading look-ups, a reference, the case; the raw
		// message read and its attachments kept; ignored mail tagged to expire; restrictions read.
		{"EmailFunction", []string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem", "s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"},
			[]string{"case references", "cases", "idempotency keys", "search index"}, []string{"cases", "idempotency keys", "restrictions"}},
		// Process: claim and stamp the case or restriction (GetItem, PutItem) and take the
		// acknowledgement quota (UpdateItem), send mail, create schedules (passing their role)
		// and delete schedules (a moved date's or a closed stage's, the unschedule effects); on TTL's
		// REMOVE, delete the case's stored files and put its destruction log line and its
		// anonymous statistical record.
		// Sign-in links: each one's email opened (kms:Decrypt) from the stream's image and
		// sent, marked sent in a family of its own (never a link or a session).
		{"NotifierFunction", []string{"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "iam:PassRole", "kms:Decrypt", "s3:DeleteObject", "scheduler:CreateSchedule", "scheduler:DeleteSchedule", "ses:SendEmail", "ses:SendRawEmail"},
			[]string{"acknowledgement limits", "cases", "destruction log", "idempotency keys", "restrictions", "search index", "sign-in links sent", "statistical records"}, sideEffects},
		// The same, the sweep's queries of the pending and open cases (read a page at a time
		// with BatchGetItem) and of the restrictions register, and the managers' digest limit.
		{"RemindersFunction", []string{"dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem", "iam:PassRole", "scheduler:CreateSchedule", "scheduler:DeleteSchedule", "ses:SendEmail", "ses:SendRawEmail"},
			[]string{"acknowledgement limits", "cases", "digest limits", "idempotency keys", "restrictions", "search index"},
			[]string{"acknowledgement limits", "cases", "digest limits", "idempotency keys", "open cases", "pending cases", "restrictions"}},
		// Cases read and acted on (GetItem, Update as PutItem), erased (DeleteItem), an item
		// taken in by phone (UpdateItem for its reference); sign-in links and sessions put, read,
		// taken and deleted; the registers kept and read; the lists' indexes queried, each page
		// read whole (BatchGetItem); sign-in links' emails sealed (kms:Encrypt) for the
		// notifier, and the session key read once. No SES and no scheduler: the notifier does that. The destruction log and the statistical records
		// are written only by the import, for rows already past their retention end (one
		// transaction each), and read by the report and the destruction log's page. An import
		// in the background: its job started and read, its file's upload form signed
		// (s3:PutObject, on imports/ only).
		{"OfficerFunction", []string{"dynamodb:BatchGetItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem",
			"kms:Encrypt", "s3:DeleteObject", "s3:GetObject", "s3:PutObject", "ssm:GetParameter"},
			[]string{"case references", "cases", "destruction log", "idempotency keys", "import jobs", "marker ids", "markers", "restriction ids", "restrictions", "search index", "sessions", "sign-in limits", "sign-in links", "statistical records"},
			[]string{"cases", "cases by month", "cases by person", "closed cases", "destruction log", "idempotency keys", "import jobs", "markers", "open cases", "restrictions", "search index", "sessions", "sign-in limits", "sign-in links", "statistical records"}},
		// ImportJob: the job read, claimed and its progress written; cases looked up and
		// created; a row past retention kept as its statistical record with its destruction
		// log line; the uploaded file read and deleted. Nothing else: no mail, no schedules.
		{"ImportFunction", []string{"dynamodb:GetItem", "dynamodb:PutItem", "s3:DeleteObject", "s3:GetObject"},
			[]string{"cases", "destruction log", "import jobs", "search index", "statistical records"}, []string{"cases", "import jobs"}},
	}
	// What no function that faces the public, and neither the notifier nor the reminders
	// function, may write (issue 22).
	guarded := []string{"markers", "sessions", "sign-in links", "sign-in limits", "restriction ids", "marker ids"}
	unattended := map[string]bool{"WebFormFunction": true, "SocialFunction": true, "EmailFunction": true, "NotifierFunction": true, "RemindersFunction": true}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.actions, actionsOf(list(tpl.functionProperties(tt.fn)["Policies"]))); diff != "" {
			t.Errorf("%s's IAM actions (-want +got):\n%s", tt.fn, diff)
		}
		writes, reads := keyAccess(t, tpl, tt.fn)
		if diff := cmp.Diff(tt.writes, writes); diff != "" {
			t.Errorf("%s writes (-want +got):\n%s", tt.fn, diff)
		}
		if diff := cmp.Diff(tt.reads, reads); diff != "" {
			t.Errorf("%s reads (-want +got):\n%s", tt.fn, diff)
		}
		for _, f := range writes {
			if unattended[tt.fn] && (slices.Contains(guarded, f) || f == "restrictions" && !slices.Contains(sideEffects, f)) {
				t.Errorf("%s may write %s", tt.fn, f)
			}
		}
		if tt.fn != "NotifierFunction" && tt.fn != "OfficerFunction" && tt.fn != "ImportFunction" && (slices.Contains(writes, "destruction log") || slices.Contains(writes, "statistical records")) {
			t.Errorf("%s may write the destruction log or statistical records; only the notifier (destruction) and the import (the officer function's, and the importer's: a row imported past its retention) do", tt.fn)
		}
		if unattended[tt.fn] && tt.fn != "NotifierFunction" && tt.fn != "RemindersFunction" && slices.Contains(writes, "restrictions") {
			t.Errorf("%s faces the public and may write restrictions", tt.fn)
		}
	}
}

// TestTemplate_EveryFunctionEmbedsTimeZoneData: deadlines are Europe/London dates, and the
// provided.al2023 image is not ours to trust for zone files, so every binary carries its own.
func TestTemplate_EveryFunctionEmbedsTimeZoneData(t *testing.T) {
	for _, f := range functions {
		out, err := exec.Command("go", "list", "-deps", "./functions/"+f.dir).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps ./functions/%s: %v\n%s", f.dir, err, out)
		}
		if !slices.Contains(strings.Fields(string(out)), "time/tzdata") {
			t.Errorf("functions/%s does not link time/tzdata", f.dir)
		}
	}
}

// TestTemplate_NotifierRecordFailuresAlarm: the notifier answers ReportBatchItemFailures, so
// Lambda's Errors metric never counts a failed record; its ERROR log lines must raise an alarm.
func TestTemplate_NotifierRecordFailuresAlarm(t *testing.T) {
	tpl := loadTemplate(t)
	var metric string
	for id, r := range tpl.resources() {
		if str(r, "Type") != "AWS::Logs::MetricFilter" || str(r, "Properties", "LogGroupName", "Ref") != "NotifierLogGroup" {
			continue
		}
		if !strings.Contains(str(r, "Properties", "FilterPattern"), `$.level = "ERROR"`) {
			t.Errorf("%s counts %q, not the notifier's ERROR lines", id, str(r, "Properties", "FilterPattern"))
		}
		for _, m := range list(get(r, "Properties", "MetricTransformations")) {
			metric = str(m, "MetricNamespace") + "/" + str(m, "MetricName")
		}
	}
	if metric == "" {
		t.Fatal("no metric filter on the notifier's log group")
	}
	alarmed := false
	for _, r := range tpl.resources() {
		if str(r, "Type") == "AWS::CloudWatch::Alarm" && str(r, "Properties", "Namespace")+"/"+str(r, "Properties", "MetricName") == metric {
			alarmed = true
		}
	}
	if !alarmed {
		t.Errorf("no alarm on %s", metric)
	}
}

// TestTemplate_NotifierStreamFilter: the notifier is invoked once per case that becomes
// pending, not again for each of its own claim and stamp writes; and for each case item
// deleted, so that it destroys the files of those TTL deleted (the DynamoDB service's own
// REMOVE, as notify.ByTTL tells it: Lambda filters DynamoDB records on their dynamodb key only);
// and once per restriction decision to act on, and once per sign-in link put. Nothing else on
// the stream invokes it.
func TestTemplate_NotifierStreamFilter(t *testing.T) {
	tpl := loadTemplate(t)
	filters := list(get(tpl.functionProperties("NotifierFunction")["Events"], "CaseChanges", "Properties", "FilterCriteria", "Filters"))
	want := []map[string]any{
		{"dynamodb": map[string]any{
			"NewImage": map[string]any{dynamo.AttrPendingPK: map[string]any{"S": []any{"PENDING"}}},
			"OldImage": map[string]any{dynamo.AttrPendingPK: map[string]any{"S": []any{map[string]any{"exists": false}}}},
		}},
		{"dynamodb": map[string]any{
			"NewImage": map[string]any{dynamo.AttrNewWork: map[string]any{"S": []any{"NEW"}}},
			"OldImage": map[string]any{dynamo.AttrNewWork: map[string]any{"S": []any{map[string]any{"exists": false}}}},
		}},
		{"dynamodb": map[string]any{
			"OldImage": map[string]any{dynamo.AttrSK: map[string]any{"S": []any{"CASE"}}},
			"NewImage": map[string]any{dynamo.AttrSK: map[string]any{"S": []any{map[string]any{"exists": false}}}},
		}},
		{"dynamodb": map[string]any{
			"NewImage": map[string]any{dynamo.AttrEffectsPending: map[string]any{"S": []any{"PENDING"}}},
			"OldImage": map[string]any{dynamo.AttrEffectsPending: map[string]any{"S": []any{map[string]any{"exists": false}}}},
		}},
		// A sign-in link item put: its sealed email is sent from the stream.
		{"dynamodb": map[string]any{
			"Keys":     map[string]any{dynamo.AttrPK: map[string]any{"S": []any{map[string]any{"prefix": "CRED#link#"}}}},
			"NewImage": map[string]any{dynamo.AttrSK: map[string]any{"S": []any{"CRED"}}},
			"OldImage": map[string]any{dynamo.AttrSK: map[string]any{"S": []any{map[string]any{"exists": false}}}},
		}},
	}
	if len(filters) != len(want) {
		t.Fatalf("the notifier's stream has %d filters, want %d", len(filters), len(want))
	}
	for i, f := range filters {
		var pattern map[string]any
		if err := json.Unmarshal([]byte(str(f, "Pattern")), &pattern); err != nil {
			t.Fatalf("filter pattern %d is not JSON: %v", i, err)
		}
		if !reflect.DeepEqual(pattern, want[i]) {
			t.Errorf("filter pattern %d = %v\nwant %v", i, pattern, want[i])
		}
	}
}

// TestReadme_EverySetting: the settings table (docs/operations.md) names every variable internal/config
// reads, and nothing it does not, with the same default wherever it quotes one.
func TestReadme_EverySetting(t *testing.T) {
	b, err := os.ReadFile("docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("^\\| `(INTAKE_[A-Z0-9_]+)` \\| ([^|]*(?:\\\\\\|[^|]*)*) \\|")
	documented := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			documented[m[1]] = strings.TrimSpace(m[2])
		}
	}
	rt := reflect.TypeOf(config.Config{})
	known := map[string]bool{}
	for i := range rt.NumField() {
		tag := rt.Field(i).Tag.Get("env")
		name, rest, _ := strings.Cut(tag, ",")
		known[name] = true
		shown, ok := documented[name]
		if !ok {
			t.Errorf("%s is a setting (internal/config) but the settings table in docs/operations.md does not list it", name)
			continue
		}
		_, def, hasDefault := strings.Cut(rest, "default=")
		quoted := strings.HasPrefix(shown, "`") && strings.HasSuffix(shown, "`")
		if hasDefault && quoted && strings.Trim(shown, "`") != def {
			t.Errorf("docs/operations.md gives %s's default as %s; internal/config has %q", name, shown, def)
		}
	}
	for name := range documented {
		if !known[name] {
			t.Errorf("docs/operations.md documents %s, which internal/config does not read", name)
		}
	}
	// Every documented setting can be set in AWS: a function's variable that a parameter (or
	// the stack itself) fills, or a written reason why not.
	tpl := loadTemplate(t)
	set := map[string]bool{}
	for _, f := range functions {
		for name := range mapOf(tpl.functionProperties(f.logicalID)["Environment"], "Variables") {
			set[name] = true
		}
	}
	for name := range mapOf(tpl["Globals"], "Function", "Environment", "Variables") {
		set[name] = true
	}
	for name := range documented {
		if _, why := notYetWired[name]; !set[name] && !why {
			t.Errorf("docs/operations.md documents %s, but no function in template.yaml sets it (add a parameter) and notYetWired gives no reason why it cannot be set in AWS", name)
		}
	}
}

// TestTemplate_DigestAtTheReminderHour: the managers' digest does nothing before the reminder
// hour (feedback.Service.SendDigests), so its schedule fires at that hour, from the one
// ReminderHour parameter that sets INTAKE_REMINDER_HOUR, and hands the function the time it
// fired for; a fixed hour would send nothing at all whenever the hour set is later.
func TestTemplate_DigestAtTheReminderHour(t *testing.T) {
	tpl := loadTemplate(t)
	if got := get(tpl["Globals"], "Function", "Environment", "Variables", "INTAKE_REMINDER_HOUR"); !reflect.DeepEqual(got, map[string]any{"Ref": "ReminderHour"}) {
		t.Fatalf("INTAKE_REMINDER_HOUR is %v; want !Ref ReminderHour", got)
	}
	props := mapOf(tpl.resources()["DailyDigestSchedule"], "Properties")
	expr, _ := get(props, "ScheduleExpression", "Fn::Sub").(string)
	if expr != "cron(0 ${ReminderHour} ? * MON-FRI *)" {
		t.Errorf("DailyDigestSchedule fires at %v; want !Sub \"cron(0 ${ReminderHour} ? * MON-FRI *)\"", props["ScheduleExpression"])
	}
	if tz := str(props, "ScheduleExpressionTimezone"); tz != "Europe/London" {
		t.Errorf("DailyDigestSchedule's time zone is %q; the reminder hour is Europe/London's", tz)
	}
	// The function judges the hour by the time the schedule fired for, not by its own clock.
	var input struct {
		Digest      bool   `json:"digest"`
		ScheduledAt string `json:"scheduled_at"`
	}
	if err := json.Unmarshal([]byte(str(props, "Target", "Input")), &input); err != nil || !input.Digest || input.ScheduledAt != schedulerScheduledTime {
		t.Errorf("DailyDigestSchedule's input is %s (%v); want {\"digest\":true,\"scheduled_at\":%q}", str(props, "Target", "Input"), err, schedulerScheduledTime)
	}
}

// schedulerScheduledTime is the context attribute EventBridge Scheduler replaces, in a target's
// input, with the time the schedule fired for (such as 2027-01-05T10:00:00Z).
const schedulerScheduledTime = "<aws.scheduler.scheduled-time>"

// TestTemplate_OnlyWhoReadsSecretsLinksSSM: the session key and the monitoring tools' signing
// secrets are read from SSM by the officer and social functions alone; the other functions
// neither need the client nor should carry it.
func TestTemplate_OnlyWhoReadsSecretsLinksSSM(t *testing.T) {
	// internal/ssmparam speaks to SSM itself (no function links the SDK's SSM client).
	const ssmPkg = "github.com/council/intake/internal/ssmparam"
	for _, f := range functions {
		out, err := exec.Command("go", "list", "-deps", "./functions/"+f.dir).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps ./functions/%s: %v\n%s", f.dir, err, out)
		}
		if links := slices.Contains(strings.Fields(string(out)), ssmPkg); links != (f.dir == "officer" || f.dir == "social") {
			t.Errorf("functions/%s links %s: %v", f.dir, ssmPkg, links)
		}
	}
}

// TestTemplate_SecretsFromSSM: the session key and the social monitors' signing secrets reach
// their functions only as the name of an SSM SecureString, which that function's policy may
// read (that one parameter) and no other function's may; no secret is a plain environment
// variable or a template parameter that carries a value (NoEcho).
func TestTemplate_SecretsFromSSM(t *testing.T) {
	tpl := loadTemplate(t)
	tests := []struct{ fn, plain, named, parameter string }{
		{"OfficerFunction", "INTAKE_SESSION_KEY", "INTAKE_SESSION_KEY_PARAMETER", "SessionKeyParameter"},
		{"SocialFunction", "INTAKE_SOCIAL_SECRETS", "INTAKE_SOCIAL_SECRETS_PARAMETER", "SocialSecretsParameter"},
	}
	readers := map[string][]string{} // function → the ssm:GetParameter resources it may read
	for _, f := range functions {
		for _, p := range list(tpl.functionProperties(f.logicalID)["Policies"]) {
			doc := p
			if ref := str(p, "Ref"); ref != "" {
				doc = get(tpl.resources()[ref], "Properties", "PolicyDocument")
			}
			for _, st := range list(get(doc, "Statement")) {
				if slices.ContainsFunc(literals(get(st, "Action")), func(a string) bool { return strings.HasPrefix(a, "ssm:") || strings.HasPrefix(a, "secretsmanager:") }) {
					readers[f.logicalID] = append(readers[f.logicalID], str(st, "Resource", "Fn::Sub"))
				}
			}
		}
	}
	for _, tt := range tests {
		for _, f := range functions {
			if _, set := mapOf(tpl.functionProperties(f.logicalID)["Environment"], "Variables")[tt.plain]; set {
				t.Errorf("%s sets %s: the secret must not be a plain environment variable", f.logicalID, tt.plain)
			}
		}
		env := mapOf(tpl.functionProperties(tt.fn)["Environment"], "Variables")
		if got := str(env, tt.named, "Ref"); got != tt.parameter {
			t.Errorf("%s: %s = %v, want !Ref %s", tt.fn, tt.named, env[tt.named], tt.parameter)
		}
		if d := str(mapOf(map[string]any(tpl), "Parameters"), tt.parameter, "Description"); !strings.Contains(d, "SecureString") {
			t.Errorf("parameter %s does not say it names an SSM SecureString: %q", tt.parameter, d)
		}
		want := []string{"arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${" + tt.parameter + "}"}
		if !slices.Equal(readers[tt.fn], want) {
			t.Errorf("%s may ssm:GetParameter %v, want only %v", tt.fn, readers[tt.fn], want)
		}
	}
	for fn, res := range readers {
		if fn != "OfficerFunction" && fn != "SocialFunction" {
			t.Errorf("%s may read secrets %v", fn, res)
		}
	}
	for name, p := range mapOf(map[string]any(tpl), "Parameters") {
		if get(p, "NoEcho") == true {
			t.Errorf("parameter %s is NoEcho: a secret passed as a parameter ends in the function's environment; name an SSM SecureString instead", name)
		}
	}
}

// TestTemplate_ReceiptRuleRequiresTLS: SES refuses inbound mail that does not arrive over TLS,
// so a resident's message is never accepted in the clear.
func TestTemplate_ReceiptRuleRequiresTLS(t *testing.T) {
	tpl := loadTemplate(t)
	n := 0
	for id, r := range tpl.resources() {
		if str(r, "Type") != "AWS::SES::ReceiptRule" {
			continue
		}
		n++
		if got := str(r, "Properties", "Rule", "TlsPolicy"); got != "Require" {
			t.Errorf("%s: TlsPolicy %q, want Require", id, got)
		}
	}
	if n == 0 {
		t.Fatal("no AWS::SES::ReceiptRule in template.yaml")
	}
}

// TestSamconfigExample: the example answers name only the template's parameters, and give every
// parameter that has no default.
func TestSamconfigExample(t *testing.T) {
	tpl := loadTemplate(t)
	b, err := os.ReadFile("samconfig.toml.example")
	if err != nil {
		t.Fatal(err)
	}
	given := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s*"([A-Za-z0-9]+)=`).FindAllStringSubmatch(string(b), -1) {
		given[m[1]] = true
	}
	params := mapOf(map[string]any(tpl), "Parameters")
	for name := range given {
		if _, ok := params[name]; !ok {
			t.Errorf("samconfig.toml.example sets %s, which template.yaml does not declare", name)
		}
	}
	for name, p := range params {
		if get(p, "Default") == nil && !given[name] {
			t.Errorf("samconfig.toml.example does not give %s, which has no default", name)
		}
	}
}

// TestTemplate_JSONLogs: every function logs JSON lines that Lambda filters by level.
func TestTemplate_JSONLogs(t *testing.T) {
	tpl := loadTemplate(t)
	for id, r := range tpl.resources() {
		if str(r, "Type") != "AWS::Serverless::Function" {
			continue
		}
		lc := get(r, "Properties", "LoggingConfig")
		if str(lc, "LogFormat") != "JSON" || str(lc, "ApplicationLogLevel", "Ref") != "LogLevel" {
			t.Errorf("%s's LoggingConfig = %v; want LogFormat JSON and ApplicationLogLevel from LogLevel", id, lc)
		}
	}
}

// TestTemplate_Dashboard: the dashboard's body is valid JSON once CloudFormation substitutes it,
// and shows the metrics the alarms watch.
func TestTemplate_Dashboard(t *testing.T) {
	tpl := loadTemplate(t)
	body := strings.ReplaceAll(str(tpl.resources()["Dashboard"], "Properties", "DashboardBody", "Fn::Sub"), "${AWS::Region}", "eu-west-2")
	var dash struct{ Widgets []map[string]any }
	if err := json.Unmarshal([]byte(body), &dash); err != nil || len(dash.Widgets) == 0 {
		t.Fatalf("dashboard body is not JSON with widgets: %v\n%s", err, body)
	}
	for _, metric := range []string{feedback.MetricCasesCreated, feedback.MetricAcknowledgementsOverdue, feedback.MetricSideEffectFailures, feedback.MetricRemindersSent, feedback.MetricBounces} {
		if !strings.Contains(body, metric) {
			t.Errorf("the dashboard does not show %s", metric)
		}
	}
}

// TestOpenAPI_EveryRoute: /openapi.json is a valid OpenAPI 3.1 document naming exactly the
// routes template.yaml gives the functions (the handlers serving each is checked above).
func TestOpenAPI_EveryRoute(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(web.OpenAPI)
	if err != nil {
		t.Fatalf("internal/web/openapi/openapi.json does not load: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi = %q, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	tpl := loadTemplate(t)
	routed := map[string]bool{}
	for id, r := range tpl.resources() {
		if str(r, "Type") != "AWS::Serverless::Function" {
			continue
		}
		for _, route := range tpl.httpRoutes(id) {
			routed[route] = true
		}
	}
	for route := range routed {
		if !documented[route] {
			t.Errorf("%s is routed in template.yaml but not in the OpenAPI document", route)
		}
	}
	// Routes the local runner serves and AWS does not, and why.
	localOnly := map[string]string{
		"POST /officer/import/{id}": "the local runner's upload of an import's file: in AWS the browser posts it straight to S3",
	}
	for route := range documented {
		if !routed[route] && localOnly[route] == "" {
			t.Errorf("the OpenAPI document has %s, which template.yaml does not route", route)
		}
	}
}

// TestReadme_EverySchedule: the README's deploying section and docs/deploying.md's table of
// schedules name every schedule the stack creates: each AWS::Scheduler::Schedule in
// template.yaml (the table with its input and the hour it fires at), and a one-off schedule of
// each reminder purpose internal/feedback declares (the notifier's and the reminders function's:
// warning, due, overdue, acknowledgement check, review, resume).
func TestReadme_EverySchedule(t *testing.T) {
	readme := section(t, "README.md", "## Deploying to AWS")
	table := section(t, "docs/deploying.md", "## The schedules the stack creates")
	// The schedules' names: each table row's first cell.
	var rows []string
	for _, line := range strings.Split(table, "\n") {
		if strings.HasPrefix(line, "| `") {
			rows = append(rows, line)
		}
	}
	rowOf := func(name string) string {
		for _, r := range rows {
			if strings.HasPrefix(r, "| `"+name+"`") {
				return r
			}
		}
		return ""
	}
	tpl := loadTemplate(t)
	cronHour := regexp.MustCompile(`^cron\(\S+ (\S+) `)
	var recurring []string
	for id, r := range tpl.resources() {
		if str(r, "Type") != "AWS::Scheduler::Schedule" {
			continue
		}
		recurring = append(recurring, id)
		if !strings.Contains(readme, "`"+id+"`") {
			t.Errorf("the README's deploying section does not list the schedule %s", id)
		}
		row := rowOf(id)
		if row == "" {
			t.Errorf("docs/deploying.md's table of schedules has no row for %s", id)
			continue
		}
		if input := str(r, "Properties", "Target", "Input"); !strings.Contains(row, "`"+input+"`") {
			t.Errorf("docs/deploying.md gives %s no input, or not its input %s:\n%s", id, input, row)
		}
		expr := str(r, "Properties", "ScheduleExpression")
		if expr == "" {
			expr = str(r, "Properties", "ScheduleExpression", "Fn::Sub")
		}
		m := cronHour.FindStringSubmatch(expr)
		if m == nil {
			t.Errorf("%s's expression %q is not a cron this test reads", id, expr)
			continue
		}
		hour := "`ReminderHour`"
		if m[1] != "${ReminderHour}" {
			n, err := strconv.Atoi(m[1])
			if err != nil {
				t.Errorf("%s's hour %q is not a number or ReminderHour", id, m[1])
				continue
			}
			hour = fmt.Sprintf("%02d:00", n)
		}
		if cells := strings.Split(row, "|"); len(cells) < 3 || !strings.Contains(cells[2], hour) {
			t.Errorf("docs/deploying.md does not say %s fires at %s (%s):\n%s", id, hour, expr, row)
		}
	}
	if len(recurring) == 0 {
		t.Fatal("template.yaml has no AWS::Scheduler::Schedule: is this test reading it?")
	}
	// A one-off schedule's name ends with its purpose, or carries it before the date it is for.
	purposes := reminderPurposes(t)
	if len(purposes) < 6 {
		t.Fatalf("read the reminder purposes %v from internal/feedback; want at least six", purposes)
	}
	for _, p := range purposes {
		named := regexp.MustCompile("`[^`|]*-" + regexp.QuoteMeta(p) + "(-[^`|]*)?`")
		found := false
		for _, r := range rows {
			first, _, _ := strings.Cut(strings.TrimPrefix(r, "|"), "|")
			found = found || named.MatchString(first)
		}
		if !found {
			t.Errorf("docs/deploying.md's table of schedules names no one-off schedule for the reminder purpose %q", p)
		}
		if !named.MatchString(readme) {
			t.Errorf("the README's deploying section names no one-off schedule for the reminder purpose %q", p)
		}
	}
}

// section returns the part of the Markdown file at path from the heading to the next heading of
// its level.
func section(t *testing.T, path, heading string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("%s has no heading %q", path, heading)
	}
	level, _, _ := strings.Cut(heading, " ")
	body, _, _ := strings.Cut(rest, "\n"+level+" ")
	return body
}

// reminderPurposes returns the values of the constants of type Purpose that internal/feedback
// declares: every kind of one-off schedule it makes.
func reminderPurposes(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("internal/feedback/*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Purpose" {
					continue
				}
				for _, v := range vs.Values {
					if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						s, _ := strconv.Unquote(lit.Value)
						out = append(out, s)
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}
