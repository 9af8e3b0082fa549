package functions_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/council/intake/internal/mototest"
)

// Every function a test starts reaches moto through a policyCheck: a proxy that names what IAM
// would be asked for each request (action, resource ARN, and the dynamodb:LeadingKeys and
// iam:PassedToService condition keys) and holds it to the function's policies in template.yaml
// (iam_test.go). moto grants everything, so without this a grant missing from the template (in
// AWS an AccessDenied, and an outage) passes every test here. A request the policies do not
// allow is answered AccessDenied, as AWS would, and fails the test, naming function, action,
// resource and key.

// functionResources are the template's function resources, by the directory under functions/.
var functionResources = map[string]string{
	"webform": "WebFormFunction", "social": "SocialFunction", "email": "EmailFunction",
	"notifier": "NotifierFunction", "reminders": "RemindersFunction", "officer": "OfficerFunction",
	"importer": "ImportFunction",
}

// testAccount is moto's account.
const testAccount = "123456789012"

// signedScope matches the region and service in a SigV4 Authorization header's credential scope.
var signedScope = regexp.MustCompile(`Credential=[^/]+/[0-9]+/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request`)

// namer names the IAM requests of an AWS request, for one stack's table and indexes.
type namer struct {
	indexKeys map[string]string // partition key attribute by index name ("" for the table)
}

// requestsOf names what IAM is asked for an HTTP request to AWS: one request for most calls,
// one per item for transactions and batches, and the iam:PassRole a schedule's creation needs.
func (nm namer) requestsOf(r *http.Request, body []byte) ([]request, error) {
	signature := r.Header.Get("Authorization")
	if mototest.IsPresigned(r) {
		// A presigned link (a file's download) is authorised as its signer: the function.
		signature = "Credential=" + r.URL.Query().Get("X-Amz-Credential")
	}
	m := signedScope.FindStringSubmatch(signature)
	if m == nil {
		return nil, fmt.Errorf("%s %s is not signed for a service", r.Method, r.URL.Path)
	}
	region, service := m[1], m[2]
	target := r.Header.Get("X-Amz-Target")
	var out []request
	var err error
	switch service {
	case "dynamodb":
		out, err = nm.dynamoRequests(region, strings.TrimPrefix(target, "DynamoDB_20120810."), body)
	case "ssm":
		out, err = ssmRequests(region, strings.TrimPrefix(target, "AmazonSSM."), body)
	case "kms":
		out, err = kmsRequests(strings.TrimPrefix(target, "TrentService."), body)
	case "ses":
		out, err = sesRequests(region, r, body)
	case "scheduler":
		out, err = schedulerRequests(region, r, body)
	case "s3":
		out, err = s3Requests(r, body)
	}
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("%s %s %s (%s): no IAM action is known for it here; add it to requestsOf", service, r.Method, r.URL.Path, target)
	}
	return out, err
}

// ---- DynamoDB

// dynamoKey is a key or item: attribute name to a typed value ({"S": "CASE#FB-1"}).
type dynamoKey map[string]map[string]any

// partitionCondition matches the partition key's part of a key condition: its name (or a
// placeholder for it) and its value's placeholder.
var partitionCondition = regexp.MustCompile(`^\s*(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)`)

func (nm namer) dynamoRequests(region, op string, body []byte) ([]request, error) {
	arn := func(table string) string {
		return "arn:aws:dynamodb:" + region + ":" + testAccount + ":table/" + table
	}
	item := func(action, table string, k dynamoKey) (request, error) {
		pk, ok := k[nm.indexKeys[""]]["S"].(string)
		if !ok {
			return request{}, fmt.Errorf("dynamodb:%s on %s names no string partition key %s", action, table, nm.indexKeys[""])
		}
		return request{action: "dynamodb:" + action, resource: arn(table), context: map[string][]string{"dynamodb:leadingkeys": {pk}}}, nil
	}
	var in struct {
		TableName, IndexName, KeyConditionExpression string
		Key, Item                                    dynamoKey
		ExpressionAttributeNames                     map[string]string
		ExpressionAttributeValues                    dynamoKey
		RequestItems                                 map[string]json.RawMessage
		TransactItems                                []map[string]struct {
			TableName string
			Key, Item dynamoKey
		}
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("dynamodb:%s: %w", op, err)
	}
	var out []request
	add := func(q request, err error) error {
		out = append(out, q)
		return err
	}
	switch op {
	case "GetItem", "DeleteItem", "UpdateItem":
		return out, add(item(op, in.TableName, in.Key))
	case "PutItem":
		return out, add(item(op, in.TableName, in.Item))
	case "TransactWriteItems", "TransactGetItems":
		// Each item is authorised as its own action on its own key.
		for _, it := range in.TransactItems {
			for kind, x := range it {
				action := map[string]string{"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
					"ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}[kind]
				k := x.Key
				if k == nil {
					k = x.Item
				}
				if err := add(item(action, x.TableName, k)); err != nil {
					return nil, err
				}
			}
		}
		return out, nil
	case "BatchGetItem", "BatchWriteItem":
		// One action, with every item's partition key among the LeadingKeys: as ForAllValues
		// reads them, each item's key is held to the condition, so each is a request here.
		for table, raw := range in.RequestItems {
			var keys []dynamoKey
			if op == "BatchGetItem" {
				var ka struct{ Keys []dynamoKey }
				if err := json.Unmarshal(raw, &ka); err != nil {
					return nil, err
				}
				keys = ka.Keys
			} else {
				var writes []struct {
					PutRequest    *struct{ Item dynamoKey }
					DeleteRequest *struct{ Key dynamoKey }
				}
				if err := json.Unmarshal(raw, &writes); err != nil {
					return nil, err
				}
				for _, w := range writes {
					if w.PutRequest != nil {
						keys = append(keys, w.PutRequest.Item)
					} else if w.DeleteRequest != nil {
						keys = append(keys, w.DeleteRequest.Key)
					}
				}
			}
			for _, k := range keys {
				if err := add(item(op, table, k)); err != nil {
					return nil, err
				}
			}
		}
		return out, nil
	case "Query":
		// The partition a query names: the table's, or for an index the index's partition key
		// value, which is what dynamodb:LeadingKeys means there.
		resource := arn(in.TableName)
		if in.IndexName != "" {
			resource += "/index/" + in.IndexName
		}
		hashKey, ok := nm.indexKeys[in.IndexName]
		if !ok {
			return nil, fmt.Errorf("dynamodb:Query of index %q, which template.yaml does not declare", in.IndexName)
		}
		m := partitionCondition.FindStringSubmatch(in.KeyConditionExpression)
		if m == nil || cmp.Or(in.ExpressionAttributeNames[m[1]], m[1]) != hashKey {
			return nil, fmt.Errorf("dynamodb:Query of %s: key condition %q does not start with its partition key %s", resource, in.KeyConditionExpression, hashKey)
		}
		pk, ok := in.ExpressionAttributeValues[m[2]]["S"].(string)
		if !ok {
			return nil, fmt.Errorf("dynamodb:Query of %s: %s is not a string", resource, m[2])
		}
		return []request{{action: "dynamodb:Query", resource: resource, context: map[string][]string{"dynamodb:leadingkeys": {pk}}}}, nil
	case "Scan":
		// No partition: a ForAllValues LeadingKeys condition lets it through, as in AWS.
		resource := arn(in.TableName)
		if in.IndexName != "" {
			resource += "/index/" + in.IndexName
		}
		return []request{{action: "dynamodb:Scan", resource: resource}}, nil
	}
	return nil, nil
}

// ---- KMS, SSM, SES, Scheduler, S3

// kmsRequests names a KMS Encrypt or Decrypt: the key (as the function names it, by ARN) and
// the encryption context's keys, each its own condition key kms:encryptioncontext:<key>.
func kmsRequests(op string, body []byte) ([]request, error) {
	var in struct {
		KeyId             string
		EncryptionContext map[string]string
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("kms:%s: %w", op, err)
	}
	if op != "Encrypt" && op != "Decrypt" {
		return nil, nil
	}
	if !strings.HasPrefix(in.KeyId, "arn:aws:kms:") {
		return nil, fmt.Errorf("kms:%s names key %q, not its ARN: IAM could not tell which key", op, in.KeyId)
	}
	ctx := map[string][]string{}
	for k, v := range in.EncryptionContext {
		ctx["kms:encryptioncontext:"+strings.ToLower(k)] = []string{v}
	}
	return []request{{action: "kms:" + op, resource: in.KeyId, context: ctx}}, nil
}

func ssmRequests(region, op string, body []byte) ([]request, error) {
	var in struct {
		Name  string
		Names []string
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("ssm:%s: %w", op, err)
	}
	var out []request
	for _, name := range append(in.Names, in.Name) {
		if name == "" {
			continue
		}
		// A parameter's ARN is "parameter" and its name, whose leading slash is the separator.
		out = append(out, request{action: "ssm:" + op, resource: "arn:aws:ssm:" + region + ":" + testAccount + ":parameter/" + strings.TrimPrefix(name, "/")})
	}
	return out, nil
}

func sesRequests(region string, r *http.Request, body []byte) ([]request, error) {
	if r.Method != http.MethodPost || r.URL.Path != "/v2/email/outbound-emails" {
		return nil, nil
	}
	var in struct {
		FromEmailAddress, FromEmailAddressIdentityArn, ConfigurationSetName string
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("ses:SendEmail: %w", err)
	}
	// Sent as the domain's identity (the test stack verifies the domain, not the address), and
	// through the configuration set when one is named: IAM must allow each.
	identity := in.FromEmailAddressIdentityArn
	if identity == "" {
		from, err := mail.ParseAddress(in.FromEmailAddress)
		if err != nil {
			return nil, fmt.Errorf("ses:SendEmail from %q: %w", in.FromEmailAddress, err)
		}
		_, domain, _ := strings.Cut(from.Address, "@")
		identity = "arn:aws:ses:" + region + ":" + testAccount + ":identity/" + domain
	}
	out := []request{{action: "ses:SendEmail", resource: identity}}
	if in.ConfigurationSetName != "" {
		out = append(out, request{action: "ses:SendEmail", resource: "arn:aws:ses:" + region + ":" + testAccount + ":configuration-set/" + in.ConfigurationSetName})
	}
	return out, nil
}

func schedulerRequests(region string, r *http.Request, body []byte) ([]request, error) {
	name, ok := strings.CutPrefix(r.URL.Path, "/schedules/")
	if !ok {
		return nil, nil
	}
	name, _ = url.PathUnescape(name)
	var in struct {
		GroupName string
		Target    struct{ RoleArn string }
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, fmt.Errorf("scheduler %s: %w", r.Method, err)
		}
	}
	group := cmp.Or(in.GroupName, r.URL.Query().Get("groupName"), "default")
	op := map[string]string{http.MethodPost: "CreateSchedule", http.MethodDelete: "DeleteSchedule",
		http.MethodGet: "GetSchedule", http.MethodPut: "UpdateSchedule"}[r.Method]
	out := []request{{action: "scheduler:" + op, resource: "arn:aws:scheduler:" + region + ":" + testAccount + ":schedule/" + group + "/" + name}}
	if in.Target.RoleArn != "" {
		// A schedule that assumes a role passes it to the scheduler.
		out = append(out, request{action: "iam:PassRole", resource: in.Target.RoleArn,
			context: map[string][]string{"iam:passedtoservice": {"scheduler.amazonaws.com"}}})
	}
	return out, nil
}

func s3Requests(r *http.Request, body []byte) ([]request, error) {
	// Path style, as s3blobs addresses a bucket behind AWS_ENDPOINT_URL.
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	key, err := url.PathUnescape(key)
	if err != nil {
		return nil, err
	}
	object := func(action, key string) request {
		return request{action: "s3:" + action, resource: "arn:aws:s3:::" + bucket + "/" + key}
	}
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPost && q.Has("delete"):
		var in struct {
			Object []struct{ Key string }
		}
		if err := xml.Unmarshal(body, &in); err != nil {
			return nil, err
		}
		var out []request
		for _, o := range in.Object {
			out = append(out, object("DeleteObject", o.Key))
		}
		return out, nil
	case key == "":
		return nil, nil
	case r.Method == http.MethodPut && q.Has("tagging"):
		return []request{object("PutObjectTagging", key)}, nil
	case r.Method == http.MethodGet && q.Has("tagging"):
		return []request{object("GetObjectTagging", key)}, nil
	case r.Method == http.MethodPut:
		return []request{object("PutObject", key)}, nil
	case r.Method == http.MethodGet, r.Method == http.MethodHead:
		return []request{object("GetObject", key)}, nil
	case r.Method == http.MethodDelete:
		return []request{object("DeleteObject", key)}, nil
	}
	return nil, nil
}

// ---- the proxy

// denyAsAWS answers a refused request as the service would: DynamoDB and SSM with a JSON error
// type, S3 with its XML error, SES and Scheduler with a 403 and the error type header.
func denyAsAWS(w http.ResponseWriter, r *http.Request, msg string) {
	m := signedScope.FindStringSubmatch(r.Header.Get("Authorization"))
	service := ""
	if m != nil {
		service = m[2]
	}
	switch service {
	case "dynamodb", "ssm", "kms":
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":"com.amazonaws.%s#AccessDeniedException","message":%q}`, service, msg)
	case "s3":
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		var b bytes.Buffer
		xml.EscapeText(&b, []byte(msg))
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>%s</Message><RequestId>policy-check</RequestId></Error>`, b.String())
	default:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Errortype", "AccessDeniedException")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"message":%q}`, msg)
	}
}

// callLog records, in order, what IAM was asked for each request a function made and the size
// of the request's body, for tests that compare two runs' work (TestFunctions_SignInSameWork).
type callLog struct {
	mu    sync.Mutex
	calls []call
}

// call is one IAM request of a function's AWS request.
type call struct {
	request
	body []byte
}

func (l *callLog) add(q request, body []byte) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, call{q, body})
}

// take returns the calls recorded since the last take.
func (l *callLog) take() []call {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.calls
	l.calls = nil
	return out
}

// policyCheck returns an endpoint that forwards to upstream what function fn's policies allow
// on the stack called names, and refuses (and fails t for) the rest; each request allowed is
// recorded in calls, if it is not nil.
func policyCheck(t testing.TB, fn, upstream string, names stackNames, calls *callLog) string {
	t.Helper()
	c, err := newCFN(names)
	if err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	pol, err := c.policies(functionResources[fn])
	if err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	nm := namer{indexKeys: c.indexPartitionKeys()}
	var mu sync.Mutex
	var denied []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		refusal := ""
		reqs, err := nm.requestsOf(r, body)
		if err != nil {
			refusal = err.Error()
		}
		if mototest.IsPresigned(r) {
			// What S3 checks of a link and moto does not.
			if err := mototest.CheckPresigned(r, time.Now()); err != nil {
				refusal = fmt.Sprintf("a presigned link to %s: %v", r.URL.Path, err)
			}
		}
		for _, q := range reqs {
			calls.add(q, body)
			if ok, err := pol.decide(q); err != nil {
				refusal = err.Error()
			} else if !ok && refusal == "" {
				refusal = fmt.Sprintf("%s: %s is not allowed by its policies in template.yaml", functionResources[fn], q)
			}
		}
		if refusal != "" {
			mu.Lock()
			denied = append(denied, refusal)
			mu.Unlock()
			denyAsAWS(w, r, refusal)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		mototest.Forward(w, r, upstream)
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
