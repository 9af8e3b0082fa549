// Package intake_test holds template.yaml to the code it deploys: every function has its build
// target, its main package, sample events and the settings its main requires; the table is
// the one internal/dynamo reads and writes; the routes are the ones internal/web serves; no
// policy grants a wildcard; and cfn-lint finds nothing.
package intake_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
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
}

// notYetWired are settings in internal/config that no function in the template reads yet.
var notYetWired = map[string]string{
	"INTAKE_STAFF":                 "read by the officer console and API, which are not in the template yet",
	"INTAKE_CONSOLE_URL":           "read by the officer console, which is not in the template yet",
	"INTAKE_SESSION_KEY":           "read by the officer console, which is not in the template yet (an SSM SecureString or Secrets Manager value)",
	"INTAKE_API_TOKENS":            "the local runner's bearer tokens; in AWS the officer API's JWT authoriser stands in their place",
	"INTAKE_ESCALATE_WORKING_DAYS": "read by the officer API, which is not in the template yet",
	"INTAKE_HOUSING_AREAS":         "read by the officer API, which is not in the template yet",
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

// TestTemplate_Routes checks that every route the template gives the web form function is one
// internal/web serves.
func TestTemplate_Routes(t *testing.T) {
	tpl := loadTemplate(t)
	mux := (&web.Handler{}).Routes()
	routes := tpl.httpRoutes("WebFormFunction")
	if len(routes) == 0 {
		t.Fatal("WebFormFunction has no HttpApi events")
	}
	for _, route := range routes {
		method, path, _ := strings.Cut(route, " ")
		if _, pattern := mux.Handler(httptest.NewRequest(method, path, nil)); pattern == "" {
			t.Errorf("template.yaml routes %s to WebFormFunction, but internal/web does not serve it", route)
		}
	}
}

// TestTemplate_Events checks that the sample events decode as each function will decode them.
func TestTemplate_Events(t *testing.T) {
	tpl := loadTemplate(t)
	routes := tpl.httpRoutes("WebFormFunction")
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
					if res == "*" {
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

// TestTemplate_LeastPrivilege lists, per function, every action its code calls and no more: a
// grant nobody uses is a door left open. Add an action here only with the code that calls it.
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
		return out
	}
	want := map[string][]string{
		// Store: GetItem (idempotency key), UpdateItem (reference counter), PutItem (create).
		"WebFormFunction": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
		// Process: claim and stamp the case and take the acknowledgement quota (GetItem,
		// PutItem), send mail, create schedules (passing their role).
		"NotifierFunction": {"dynamodb:GetItem", "dynamodb:PutItem", "iam:PassRole", "scheduler:CreateSchedule", "ses:SendEmail", "ses:SendRawEmail"},
		// The same, and the sweep's queries of the pending and due indexes.
		"RemindersFunction": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "iam:PassRole", "scheduler:CreateSchedule", "ses:SendEmail", "ses:SendRawEmail"},
		// ReceiveEmail: idempotency and threading look-ups, a reference, the case; the raw
		// message read and its attachments kept.
		"EmailFunction": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "s3:GetObject", "s3:PutObject"},
	}
	for fn, actions := range want {
		got := actionsOf(list(tpl.functionProperties(fn)["Policies"]))
		if diff := cmp.Diff(actions, got); diff != "" {
			t.Errorf("%s's IAM actions (-want +got):\n%s", fn, diff)
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
// pending, not again for each of its own claim and stamp writes.
func TestTemplate_NotifierStreamFilter(t *testing.T) {
	tpl := loadTemplate(t)
	filters := list(get(tpl.functionProperties("NotifierFunction")["Events"], "CaseChanges", "Properties", "FilterCriteria", "Filters"))
	if len(filters) != 1 {
		t.Fatalf("the notifier's stream has %d filters, want 1", len(filters))
	}
	var pattern map[string]any
	if err := json.Unmarshal([]byte(str(filters[0], "Pattern")), &pattern); err != nil {
		t.Fatalf("filter pattern is not JSON: %v", err)
	}
	want := map[string]any{"dynamodb": map[string]any{
		"NewImage": map[string]any{dynamo.AttrPendingPK: map[string]any{"S": []any{"PENDING"}}},
		"OldImage": map[string]any{dynamo.AttrPendingPK: []any{map[string]any{"exists": false}}},
	}}
	if !reflect.DeepEqual(pattern, want) {
		t.Errorf("filter pattern = %v\nwant %v (a case whose pending attribute appears)", pattern, want)
	}
}
