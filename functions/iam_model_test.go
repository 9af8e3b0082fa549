package functions_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// Tests of the policy check itself (iam_test.go, policy_test.go), so that it cannot pass what
// IAM would refuse, nor refuse what it would allow. They need no server.

func TestLike(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"CASE#*", "CASE#FB-2026-000001", true},
		{"CASE#*", "CASE#", true},
		{"CASE#*", "RESTRICTIONS", false},
		{"CASE#*", "XCASE#1", false},
		{"QUOTA#ack:*", "QUOTA#ack:3f2a", true},
		{"QUOTA#ack:*", "QUOTA#signin:3f2a", false},
		{"????-??", "2026-12", true},
		{"????-??", "2026-123", false},
		{"arn:aws:s3:::b/cases/*", "arn:aws:s3:::b/cases/FB-1/a/b.pdf", true},
		{"arn:aws:s3:::b/cases/*", "arn:aws:s3:::b/inbound/x", false},
		{"arn:aws:dynamodb:r:1:table/t", "arn:aws:dynamodb:r:1:table/t/index/pending", false},
		{"*a*b", "xxaxxbxxb", true},
		{"*a*b", "xxaxxbxxc", false},
		{"", "", true},
	}
	for _, tt := range tests {
		if got := like(tt.pattern, tt.s); got != tt.want {
			t.Errorf("like(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestCondition_Holds(t *testing.T) {
	keys := func(v ...string) map[string][]string { return map[string][]string{"dynamodb:leadingkeys": v} }
	tests := []struct {
		name    string
		c       condition
		ctx     map[string][]string
		want    bool
		wantErr bool
	}{
		{"all like: match", condition{"ForAllValues:StringLike", "dynamodb:leadingkeys", []string{"CASE#*", "IDEM#*"}}, keys("CASE#FB-1"), true, false},
		{"all like: one of two keys outside", condition{"ForAllValues:StringLike", "dynamodb:leadingkeys", []string{"CASE#*"}}, keys("CASE#FB-1", "RESTRICTIONS"), false, false},
		{"all like: no key at all (a Scan) passes, as in AWS", condition{"ForAllValues:StringLike", "dynamodb:leadingkeys", []string{"CASE#*"}}, nil, true, false},
		{"all equals: a wildcard is literal", condition{"ForAllValues:StringEquals", "dynamodb:leadingkeys", []string{"CASE#*"}}, keys("CASE#FB-1"), false, false},
		{"all equals: match", condition{"ForAllValues:StringEquals", "dynamodb:leadingkeys", []string{"RESTRICTIONS"}}, keys("RESTRICTIONS"), true, false},
		{"any like: none", condition{"ForAnyValue:StringLike", "dynamodb:leadingkeys", []string{"CASE#*"}}, nil, false, false},
		{"any like: one", condition{"ForAnyValue:StringLike", "dynamodb:leadingkeys", []string{"CASE#*"}}, keys("X", "CASE#1"), true, false},
		{"plain equals: absent key", condition{"StringEquals", "iam:passedtoservice", []string{"scheduler.amazonaws.com"}}, nil, false, false},
		{"plain equals: match", condition{"StringEquals", "iam:passedtoservice", []string{"scheduler.amazonaws.com"}},
			map[string][]string{"iam:passedtoservice": {"scheduler.amazonaws.com"}}, true, false},
		{"plain equals: other service", condition{"StringEquals", "iam:passedtoservice", []string{"scheduler.amazonaws.com"}},
			map[string][]string{"iam:passedtoservice": {"lambda.amazonaws.com"}}, false, false},
		{"unknown operator is an error", condition{"StringNotEquals", "dynamodb:leadingkeys", []string{"X"}}, keys("Y"), false, true},
		{"unknown set operator is an error", condition{"ForSomeValues:StringLike", "dynamodb:leadingkeys", []string{"X"}}, keys("X"), false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.c.holds(tt.ctx)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("holds = %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestPolicy_Decide(t *testing.T) {
	const table = "arn:aws:dynamodb:eu-west-2:123456789012:table/t"
	p := policy{
		{sid: "Cases", effect: "Allow", actions: []string{"dynamodb:GetItem", "dynamodb:PutItem"}, resources: []string{table},
			conditions: []condition{{"ForAllValues:StringLike", "dynamodb:leadingkeys", []string{"CASE#*"}}}},
		{sid: "Pending", effect: "Allow", actions: []string{"dynamodb:Query"}, resources: []string{table + "/index/pending"},
			conditions: []condition{{"ForAllValues:StringEquals", "dynamodb:leadingkeys", []string{"PENDING"}}}},
		{sid: "Files", effect: "Allow", actions: []string{"s3:Get*"}, resources: []string{"arn:aws:s3:::b/cases/*"}},
		{sid: "NotSecret", effect: "Deny", actions: []string{"s3:GetObject"}, resources: []string{"arn:aws:s3:::b/cases/secret"}},
	}
	pk := func(v string) map[string][]string { return map[string][]string{"dynamodb:leadingkeys": {v}} }
	tests := []struct {
		name string
		q    request
		want bool
	}{
		{"action and resource and key", request{"dynamodb:PutItem", table, pk("CASE#FB-1")}, true},
		{"action not granted", request{"dynamodb:DeleteItem", table, pk("CASE#FB-1")}, false},
		{"action names are case-insensitive", request{"DynamoDB:getitem", table, pk("CASE#FB-1")}, true},
		{"key outside the families", request{"dynamodb:PutItem", table, pk("RESTRICTIONS")}, false},
		{"another table", request{"dynamodb:PutItem", table + "2", pk("CASE#FB-1")}, false},
		{"query of the granted index", request{"dynamodb:Query", table + "/index/pending", pk("PENDING")}, true},
		{"query of the granted index, another partition", request{"dynamodb:Query", table + "/index/pending", pk("open")}, false},
		{"query of another index", request{"dynamodb:Query", table + "/index/cases", pk("PENDING")}, false},
		{"query of the table, where only an index is granted", request{"dynamodb:Query", table, pk("PENDING")}, false},
		{"wildcard action", request{"s3:GetObject", "arn:aws:s3:::b/cases/FB-1/x", nil}, true},
		{"wildcard resource, another prefix", request{"s3:GetObject", "arn:aws:s3:::b/inbound/x", nil}, false},
		{"explicit deny wins", request{"s3:GetObject", "arn:aws:s3:::b/cases/secret", nil}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := p.decide(tt.q); got != tt.want || err != nil {
				t.Errorf("decide(%s) = %v, %v; want %v", tt.q, got, err, tt.want)
			}
		})
	}
}

// sampleNames is a stack for the tests of the template's resolution.
var sampleNames = stackNames{
	region: "eu-west-2", account: testAccount, stackName: "intake", table: "cases-t", scheduleGroup: "reminders-g",
	bucket: "mail-b", schedulerRole: "arn:aws:iam::123456789012:role/intake-scheduler", deadLetters: "arn:aws:sqs:eu-west-2:123456789012:dlq",
	signInLinkKey: "arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
	parameters:    map[string]string{"MailDomain": "intake.example.gov.uk", "SessionKeyParameter": "/intake/session-key"},
}

// signed returns a request signed (in its header's scope only: the proxy reads no signature)
// for service.
func signed(t *testing.T, service, method, target, path, body string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, "http://aws.test"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20261207/eu-west-2/"+service+"/aws4_request, SignedHeaders=host, Signature=0")
	if target != "" {
		r.Header.Set("X-Amz-Target", target)
	}
	return r
}

func TestNamer_RequestsOf(t *testing.T) {
	c, err := newCFN(sampleNames)
	if err != nil {
		t.Fatal(err)
	}
	nm := namer{indexKeys: c.indexPartitionKeys()}
	const table = "arn:aws:dynamodb:eu-west-2:123456789012:table/cases-t"
	tests := []struct {
		name                       string
		service, method, target, p string
		body                       string
		want                       []string
	}{
		{"get item", "dynamodb", "POST", "DynamoDB_20120810.GetItem", "/",
			`{"TableName":"cases-t","Key":{"PK":{"S":"IDEM#k"},"SK":{"S":"IDEM"}}}`,
			[]string{"dynamodb:GetItem on " + table + " with partition key IDEM#k"}},
		{"put item", "dynamodb", "POST", "DynamoDB_20120810.PutItem", "/",
			`{"TableName":"cases-t","Item":{"PK":{"S":"CASE#FB-1"},"SK":{"S":"CASE"},"n":{"N":"1"}}}`,
			[]string{"dynamodb:PutItem on " + table + " with partition key CASE#FB-1"}},
		{"transaction: each item its own action and key", "dynamodb", "POST", "DynamoDB_20120810.TransactWriteItems", "/",
			`{"TransactItems":[{"Put":{"TableName":"cases-t","Item":{"PK":{"S":"CASE#FB-1"}}}},{"Update":{"TableName":"cases-t","Key":{"PK":{"S":"SEQ#ref"}}}},{"Delete":{"TableName":"cases-t","Key":{"PK":{"S":"IDEM#k"}}}}]}`,
			[]string{"dynamodb:PutItem on " + table + " with partition key CASE#FB-1", "dynamodb:UpdateItem on " + table + " with partition key SEQ#ref",
				"dynamodb:DeleteItem on " + table + " with partition key IDEM#k"}},
		{"batch get: each key", "dynamodb", "POST", "DynamoDB_20120810.BatchGetItem", "/",
			`{"RequestItems":{"cases-t":{"Keys":[{"PK":{"S":"CASE#FB-1"}},{"PK":{"S":"CASE#FB-2"}}]}}}`,
			[]string{"dynamodb:BatchGetItem on " + table + " with partition key CASE#FB-1", "dynamodb:BatchGetItem on " + table + " with partition key CASE#FB-2"}},
		{"query of the table", "dynamodb", "POST", "DynamoDB_20120810.Query", "/",
			`{"TableName":"cases-t","KeyConditionExpression":"#pk = :pk","ExpressionAttributeNames":{"#pk":"PK"},"ExpressionAttributeValues":{":pk":{"S":"RESTRICTIONS"}}}`,
			[]string{"dynamodb:Query on " + table + " with partition key RESTRICTIONS"}},
		{"query of an index: its own partition key", "dynamodb", "POST", "DynamoDB_20120810.Query", "/",
			`{"TableName":"cases-t","IndexName":"cases","KeyConditionExpression":"gsi_cases = :pk AND gsi_cases_sk < :next","ExpressionAttributeValues":{":pk":{"S":"open"},":next":{"S":"2027"}}}`,
			[]string{"dynamodb:Query on " + table + "/index/cases with partition key open"}},
		{"ssm parameter", "ssm", "POST", "AmazonSSM.GetParameter", "/", `{"Name":"/intake/session-key","WithDecryption":true}`,
			[]string{"ssm:GetParameter on arn:aws:ssm:eu-west-2:123456789012:parameter/intake/session-key"}},
		{"ses as the sender's domain, through the configuration set", "ses", "POST", "", "/v2/email/outbound-emails",
			`{"FromEmailAddress":"Example Council <feedback@intake.example.gov.uk>","ConfigurationSetName":"events"}`,
			[]string{"ses:SendEmail on arn:aws:ses:eu-west-2:123456789012:identity/intake.example.gov.uk",
				"ses:SendEmail on arn:aws:ses:eu-west-2:123456789012:configuration-set/events"}},
		{"schedule in its group, passing its role", "scheduler", "POST", "", "/schedules/stage1-FB-1",
			`{"GroupName":"reminders-g","Target":{"Arn":"arn:aws:lambda:x","RoleArn":"arn:aws:iam::123456789012:role/intake-scheduler"}}`,
			[]string{"scheduler:CreateSchedule on arn:aws:scheduler:eu-west-2:123456789012:schedule/reminders-g/stage1-FB-1",
				"iam:PassRole on arn:aws:iam::123456789012:role/intake-scheduler"}},
		{"schedule deleted, group in the query", "scheduler", "DELETE", "", "/schedules/stage1-FB-1?groupName=reminders-g", "",
			[]string{"scheduler:DeleteSchedule on arn:aws:scheduler:eu-west-2:123456789012:schedule/reminders-g/stage1-FB-1"}},
		{"s3 object, escaped key", "s3", "PUT", "", "/mail-b/cases/FB-1/a%20b.pdf", "x",
			[]string{"s3:PutObject on arn:aws:s3:::mail-b/cases/FB-1/a b.pdf"}},
		{"s3 tagging", "s3", "PUT", "", "/mail-b/inbound/m1?tagging", "<Tagging/>",
			[]string{"s3:PutObjectTagging on arn:aws:s3:::mail-b/inbound/m1"}},
		{"s3 delete of several objects: each key", "s3", "POST", "", "/mail-b?delete", "<Delete><Object><Key>cases/a</Key></Object><Object><Key>inbound/b</Key></Object></Delete>",
			[]string{"s3:DeleteObject on arn:aws:s3:::mail-b/cases/a", "s3:DeleteObject on arn:aws:s3:::mail-b/inbound/b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs, err := nm.requestsOf(signed(t, tt.service, tt.method, tt.target, tt.p, tt.body), []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, q := range reqs {
				got = append(got, q.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("requests:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestNamer_RequestsOf_Refuses: what the check cannot name is refused, never forwarded.
func TestNamer_RequestsOf_Refuses(t *testing.T) {
	c, err := newCFN(sampleNames)
	if err != nil {
		t.Fatal(err)
	}
	nm := namer{indexKeys: c.indexPartitionKeys()}
	tests := []struct{ name, service, method, target, path, body string }{
		{"unknown DynamoDB call", "dynamodb", "POST", "DynamoDB_20120810.DeleteTable", "/", `{"TableName":"cases-t"}`},
		{"query of an undeclared index", "dynamodb", "POST", "DynamoDB_20120810.Query", "/",
			`{"TableName":"cases-t","IndexName":"secret","KeyConditionExpression":"x = :x","ExpressionAttributeValues":{":x":{"S":"a"}}}`},
		{"query not by the partition key", "dynamodb", "POST", "DynamoDB_20120810.Query", "/",
			`{"TableName":"cases-t","KeyConditionExpression":"SK = :x","ExpressionAttributeValues":{":x":{"S":"a"}}}`},
		{"item with no partition key", "dynamodb", "POST", "DynamoDB_20120810.GetItem", "/", `{"TableName":"cases-t","Key":{"SK":{"S":"CASE"}}}`},
		{"a bucket listing", "s3", "GET", "", "/mail-b?list-type=2", ""},
		{"an SES call not modelled", "ses", "GET", "", "/v2/email/identities", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if reqs, err := nm.requestsOf(signed(t, tt.service, tt.method, tt.target, tt.path, tt.body), []byte(tt.body)); err == nil {
				t.Errorf("requestsOf = %v; want an error", reqs)
			}
		})
	}
}

// TestTemplatePolicies_Decide holds a few requests to the policies template.yaml gives, resolved
// for a stack: what each function needs is allowed, and what lies just outside it is not.
func TestTemplatePolicies_Decide(t *testing.T) {
	const table = "arn:aws:dynamodb:eu-west-2:123456789012:table/cases-t"
	pk := func(v string) map[string][]string { return map[string][]string{"dynamodb:leadingkeys": {v}} }
	purpose := func(v string) map[string][]string {
		return map[string][]string{"kms:encryptioncontext:purpose": {v}, "kms:encryptioncontext:link": {"ab12"}}
	}
	tests := []struct {
		fn   string
		q    request
		want bool
	}{
		// The daily sweep's restriction work (issue 26, point 1).
		{"RemindersFunction", request{"dynamodb:Query", table, pk("RESTRICTIONS")}, true},
		{"RemindersFunction", request{"dynamodb:Query", table + "/index/pending", pk("PENDING")}, true},
		{"RemindersFunction", request{"dynamodb:Query", table + "/index/contact", pk("a@example.com")}, false},
		{"RemindersFunction", request{"dynamodb:Query", table, pk("MARKERS")}, false},
		{"RemindersFunction", request{"dynamodb:PutItem", table, pk("CRED#session#x")}, false},
		// The public functions store cases, and nothing of the registers or sign-in.
		{"WebFormFunction", request{"dynamodb:PutItem", table, pk("CASE#FB-1")}, true},
		{"WebFormFunction", request{"dynamodb:PutItem", table, pk("IDEM#k")}, true},
		{"WebFormFunction", request{"dynamodb:UpdateItem", table, pk("SEQ#ref-2026")}, true},
		{"WebFormFunction", request{"dynamodb:UpdateItem", table, pk("SEQ#marker-2026")}, false},
		{"WebFormFunction", request{"dynamodb:UpdateItem", table, pk("CASE#FB-1")}, false},
		{"WebFormFunction", request{"dynamodb:Query", table, pk("RESTRICTIONS")}, true},
		{"WebFormFunction", request{"dynamodb:PutItem", table, pk("RESTRICTIONS")}, false},
		{"WebFormFunction", request{"dynamodb:PutItem", table, pk("MARKERS")}, false},
		{"WebFormFunction", request{"dynamodb:PutItem", table, pk("CRED#link#x")}, false},
		{"WebFormFunction", request{"dynamodb:UpdateItem", table, pk("QUOTA#signin:x")}, false},
		{"WebFormFunction", request{"dynamodb:PutItem", table, pk("DESTROYED#2026-12")}, false},
		{"SocialFunction", request{"dynamodb:PutItem", table, pk("CRED#session#x")}, false},
		{"EmailFunction", request{"dynamodb:UpdateItem", table, pk("RESTRICTIONS")}, false},
		{"EmailFunction", request{"s3:GetObject", "arn:aws:s3:::mail-b/inbound/m1", nil}, true},
		{"EmailFunction", request{"s3:GetObject", "arn:aws:s3:::another/inbound/m1", nil}, false},
		// The notifier logs destructions, and cannot touch sign-in or markers.
		{"NotifierFunction", request{"dynamodb:PutItem", table, pk("DESTROYED#2026-12")}, true},
		{"NotifierFunction", request{"dynamodb:PutItem", table, pk("MARKERS")}, false},
		{"NotifierFunction", request{"dynamodb:DeleteItem", table, pk("CRED#session#x")}, false},
		// It opens sealed sign-in links and marks them sent: never a link or a session itself.
		{"NotifierFunction", request{"kms:Decrypt", sampleNames.signInLinkKey, purpose("sign-in-link")}, true},
		{"NotifierFunction", request{"kms:Decrypt", sampleNames.signInLinkKey, purpose("other")}, false},
		{"NotifierFunction", request{"kms:Decrypt", sampleNames.signInLinkKey, nil}, false},
		{"NotifierFunction", request{"kms:Encrypt", sampleNames.signInLinkKey, purpose("sign-in-link")}, false},
		{"NotifierFunction", request{"dynamodb:PutItem", table, pk("CRED#link-sent#x")}, true},
		{"NotifierFunction", request{"dynamodb:DeleteItem", table, pk("CRED#link-sent#x")}, true},
		{"NotifierFunction", request{"dynamodb:PutItem", table, pk("CRED#link#x")}, false},
		{"NotifierFunction", request{"dynamodb:GetItem", table, pk("CRED#link#x")}, false},
		{"NotifierFunction", request{"dynamodb:PutItem", table, pk("CRED#session#x")}, false},
		{"NotifierFunction", request{"ses:SendEmail", "arn:aws:ses:eu-west-2:123456789012:identity/intake.example.gov.uk", nil}, true},
		{"NotifierFunction", request{"ses:SendEmail", "arn:aws:ses:eu-west-2:123456789012:identity/example.com", nil}, false},
		{"NotifierFunction", request{"scheduler:CreateSchedule", "arn:aws:scheduler:eu-west-2:123456789012:schedule/reminders-g/x", nil}, true},
		{"NotifierFunction", request{"scheduler:DeleteSchedule", "arn:aws:scheduler:eu-west-2:123456789012:schedule/default/x", nil}, false},
		{"NotifierFunction", request{"iam:PassRole", sampleNames.schedulerRole, map[string][]string{"iam:passedtoservice": {"scheduler.amazonaws.com"}}}, true},
		{"NotifierFunction", request{"iam:PassRole", sampleNames.schedulerRole, map[string][]string{"iam:passedtoservice": {"lambda.amazonaws.com"}}}, false},
		// The officer's deletes and queries are scoped too.
		{"OfficerFunction", request{"dynamodb:DeleteItem", table, pk("CRED#link#x")}, true},
		{"OfficerFunction", request{"dynamodb:DeleteItem", table, pk("RESTRICTIONS")}, false},
		{"OfficerFunction", request{"dynamodb:DeleteItem", table, pk("DESTROYED#2026-12")}, false},
		{"OfficerFunction", request{"dynamodb:Query", table, pk("MARKERS")}, true},
		{"OfficerFunction", request{"dynamodb:Query", table, pk("CRED#session#x")}, false},
		{"OfficerFunction", request{"dynamodb:Query", table + "/index/contact", pk("a@example.com")}, true},
		{"OfficerFunction", request{"dynamodb:Query", table + "/index/pending", pk("PENDING")}, false},
		{"OfficerFunction", request{"ssm:GetParameter", "arn:aws:ssm:eu-west-2:123456789012:parameter/intake/session-key", nil}, true},
		{"OfficerFunction", request{"ssm:GetParameter", "arn:aws:ssm:eu-west-2:123456789012:parameter/intake/other", nil}, false},
		// It seals sign-in links, and can neither open them nor mail anyone.
		{"OfficerFunction", request{"kms:Encrypt", sampleNames.signInLinkKey, purpose("sign-in-link")}, true},
		{"OfficerFunction", request{"kms:Encrypt", "arn:aws:kms:eu-west-2:123456789012:key/other", purpose("sign-in-link")}, false},
		{"OfficerFunction", request{"kms:Decrypt", sampleNames.signInLinkKey, purpose("sign-in-link")}, false},
		{"OfficerFunction", request{"ses:SendEmail", "arn:aws:ses:eu-west-2:123456789012:identity/intake.example.gov.uk", nil}, false},
		{"OfficerFunction", request{"dynamodb:PutItem", table, pk("CRED#link-sent#x")}, false},
	}
	c, err := newCFN(sampleNames)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		p, err := c.policies(tt.fn)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := p.decide(tt.q); got != tt.want || err != nil {
			t.Errorf("%s: %s: allowed %v, %v; want %v", tt.fn, tt.q, got, err, tt.want)
		}
	}
}
