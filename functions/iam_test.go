package functions_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// A model of IAM's decision, small enough to read whole, for the policies template.yaml gives
// the functions: each statement's actions, its resources (template.yaml's !Sub, !GetAtt, !Ref,
// !If, !Select and !Split resolved against the stack a test made) and its conditions
// (StringEquals and StringLike, each alone or with ForAllValues: or ForAnyValue:). Anything else
// the template might write (NotAction, NotResource, another operator) is an error, never
// silently an Allow.

// statement is one policy statement, resolved for a stack.
type statement struct {
	sid        string
	effect     string   // Allow or Deny
	actions    []string // service:Action, wildcards allowed
	resources  []string // ARNs, wildcards allowed
	conditions []condition
}

// condition is one operator, key and its values (any of which may match).
type condition struct {
	op     string // e.g. ForAllValues:StringLike
	key    string // lower case, as IAM compares condition keys
	values []string
}

// request is what IAM is asked about one AWS request, or one item of it (a transaction's or a
// batch's items are each authorised on their own key).
type request struct {
	action   string              // service:Action
	resource string              // the ARN, or "*" for an action with no resource
	context  map[string][]string // condition keys (lower case): dynamodb:leadingkeys, iam:passedtoservice
}

func (q request) String() string {
	s := q.action + " on " + q.resource
	if k, ok := q.context["dynamodb:leadingkeys"]; ok {
		s += " with partition key " + strings.Join(k, ",")
	}
	return s
}

// policy is every statement one function's role holds.
type policy []statement

// decide reports whether IAM allows q: an explicit Deny wins, then any Allow; otherwise the
// implicit deny. The error is a condition the model does not know how to evaluate.
func (p policy) decide(q request) (bool, error) {
	allowed := false
	for _, st := range p {
		ok, err := st.matches(q)
		if err != nil {
			return false, fmt.Errorf("statement %q: %w", st.sid, err)
		}
		switch {
		case ok && st.effect == "Deny":
			return false, nil
		case ok:
			allowed = true
		}
	}
	return allowed, nil
}

func (st statement) matches(q request) (bool, error) {
	if !anyLike(st.actions, q.action, true) || !anyLike(st.resources, q.resource, false) {
		return false, nil
	}
	for _, c := range st.conditions {
		ok, err := c.holds(q.context)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func anyLike(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold && like(strings.ToLower(p), strings.ToLower(s)) || !fold && like(p, s) {
			return true
		}
	}
	return false
}

// holds evaluates the condition against the request's context as IAM does: ForAllValues holds
// when every value of the key matches one of the condition's (and so when the request has no
// value for it at all: a Scan names no partition); ForAnyValue when at least one does; a plain
// operator needs the key present and, here, every value matching (IAM's single-valued
// operators are not meant for multi-valued keys; this is the strict reading).
func (c condition) holds(ctx map[string][]string) (bool, error) {
	set, op, qualified := strings.Cut(c.op, ":")
	if !qualified {
		set, op = "", c.op
	}
	var match func(pattern, v string) bool
	switch op {
	case "StringEquals":
		match = func(p, v string) bool { return p == v }
	case "StringLike":
		match = like
	default:
		return false, fmt.Errorf("condition operator %s is not modelled", c.op)
	}
	matchesOne := func(v string) bool {
		for _, p := range c.values {
			if match(p, v) {
				return true
			}
		}
		return false
	}
	got, present := ctx[c.key]
	switch set {
	case "ForAllValues":
		for _, v := range got {
			if !matchesOne(v) {
				return false, nil
			}
		}
		return true, nil
	case "ForAnyValue":
		for _, v := range got {
			if matchesOne(v) {
				return true, nil
			}
		}
		return false, nil
	case "":
		if !present || len(got) == 0 {
			return false, nil
		}
		for _, v := range got {
			if !matchesOne(v) {
				return false, nil
			}
		}
		return true, nil
	}
	return false, fmt.Errorf("condition set operator %s is not modelled", set)
}

// like matches s against an IAM pattern: * is any run of characters (slashes included), ? any
// one character.
func like(pattern, s string) bool {
	// The classic two-pointer match, backtracking to the last *.
	p, i, star, mark := 0, 0, -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// ---- template.yaml, resolved for a stack

// stackNames are what a test's stack is called: the physical names and parameter values the
// template's references resolve to.
type stackNames struct {
	region, account, stackName string
	table, scheduleGroup       string
	bucket                     string // the inbound-mail bucket
	schedulerRole, deadLetters string // ARNs
	signInLinkKey              string // ARN
	parameters                 map[string]string
}

var (
	templateOnce sync.Once
	templateDoc  map[string]*yaml.Node // the template's top-level sections
	templateErr  error
)

// loadTemplate reads template.yaml once.
func loadTemplate() (map[string]*yaml.Node, error) {
	templateOnce.Do(func() {
		b, err := os.ReadFile(filepath.Join("..", "template.yaml"))
		if err != nil {
			templateErr = err
			return
		}
		var doc yaml.Node
		if templateErr = yaml.Unmarshal(b, &doc); templateErr != nil {
			return
		}
		templateDoc = map[string]*yaml.Node{}
		top := doc.Content[0]
		for i := 0; i+1 < len(top.Content); i += 2 {
			templateDoc[top.Content[i].Value] = top.Content[i+1]
		}
	})
	return templateDoc, templateErr
}

// cfn resolves template.yaml's intrinsic functions for one stack.
type cfn struct {
	sections map[string]*yaml.Node
	names    stackNames
	// aliases replace a name the template computes by the one the test's stack uses: the
	// bucket is named from the stack id in AWS, and as events/email-s3.json names it here.
	aliases map[string]string
	// bucket is the inbound-mail bucket's name as the template computes it.
	bucket string
}

func newCFN(names stackNames) (*cfn, error) {
	doc, err := loadTemplate()
	if err != nil {
		return nil, err
	}
	c := &cfn{sections: doc, names: names, aliases: map[string]string{}}
	bucket, err := c.eval(c.node("Resources", "MailBucket", "Properties", "BucketName"))
	if err != nil {
		return nil, fmt.Errorf("MailBucket's name: %w", err)
	}
	c.bucket = fmt.Sprint(bucket)
	c.aliases["arn:aws:s3:::"+c.bucket+"/"] = "arn:aws:s3:::" + names.bucket + "/"
	return c, nil
}

// node follows a path of mapping keys from the template's top level; nil if there is none.
func (c *cfn) node(path ...string) *yaml.Node {
	n := c.sections[path[0]]
	for _, k := range path[1:] {
		n = mappingValue(n, k)
	}
	return n
}

func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// noValue is AWS::NoValue: the property or list entry is left out.
type noValue struct{}

// eval resolves n: a string, a []any or a map[string]any, with intrinsics applied.
func (c *cfn) eval(n *yaml.Node) (any, error) {
	if n == nil {
		return nil, fmt.Errorf("missing value")
	}
	if n.Kind == yaml.AliasNode {
		return c.eval(n.Alias)
	}
	switch n.Tag {
	case "!Ref":
		return c.ref(n.Value)
	case "!GetAtt":
		return c.getAtt(n.Value)
	case "!Sub":
		return c.sub(n)
	case "!If":
		if len(n.Content) != 3 {
			return nil, fmt.Errorf("line %d: !If takes three arguments", n.Line)
		}
		yes, err := c.condition(n.Content[0].Value)
		if err != nil {
			return nil, err
		}
		if yes {
			return c.eval(n.Content[1])
		}
		return c.eval(n.Content[2])
	case "!Select":
		args, err := c.evalList(n)
		if err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(fmt.Sprint(args[0]))
		l, ok := args[1].([]any)
		if err != nil || !ok || i < 0 || i >= len(l) {
			return nil, fmt.Errorf("line %d: !Select %v out of %v", n.Line, args[0], args[1])
		}
		return l[i], nil
	case "!Split":
		args, err := c.evalList(n)
		if err != nil {
			return nil, err
		}
		var out []any
		for _, s := range strings.Split(fmt.Sprint(args[1]), fmt.Sprint(args[0])) {
			out = append(out, s)
		}
		return out, nil
	case "!Join":
		args, err := c.evalList(n)
		if err != nil {
			return nil, err
		}
		l, _ := args[1].([]any)
		var parts []string
		for _, e := range l {
			parts = append(parts, fmt.Sprint(e))
		}
		return strings.Join(parts, fmt.Sprint(args[0])), nil
	case "!Equals":
		args, err := c.evalList(n)
		if err != nil {
			return nil, err
		}
		return fmt.Sprint(args[0]) == fmt.Sprint(args[1]), nil
	case "!Not":
		args, err := c.evalList(n)
		if err != nil {
			return nil, err
		}
		b, ok := args[0].(bool)
		if !ok {
			return nil, fmt.Errorf("line %d: !Not of %v", n.Line, args[0])
		}
		return !b, nil
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return nil, fmt.Errorf("line %d: %s is not modelled", n.Line, n.Tag)
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Value, nil
	case yaml.SequenceNode:
		return c.evalList(n)
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i].Value; k == "Ref" || strings.HasPrefix(k, "Fn::") {
				return nil, fmt.Errorf("line %d: the long form %s is not modelled; write the short one", n.Line, k)
			}
			v, err := c.eval(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	}
	return nil, fmt.Errorf("line %d: unexpected node", n.Line)
}

// evalList evaluates a sequence's entries, leaving out AWS::NoValue.
func (c *cfn) evalList(n *yaml.Node) ([]any, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: %s wants a list", n.Line, n.Tag)
	}
	var out []any
	for _, e := range n.Content {
		v, err := c.eval(e)
		if err != nil {
			return nil, err
		}
		if _, skip := v.(noValue); !skip {
			out = append(out, v)
		}
	}
	return out, nil
}

func (c *cfn) condition(name string) (bool, error) {
	v, err := c.eval(c.node("Conditions", name))
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("condition %s is %v, not a boolean", name, v)
	}
	return b, nil
}

func (c *cfn) ref(name string) (any, error) {
	n := c.names
	switch name {
	case "AWS::Partition":
		return "aws", nil
	case "AWS::Region":
		return n.region, nil
	case "AWS::AccountId":
		return n.account, nil
	case "AWS::StackName":
		return n.stackName, nil
	case "AWS::StackId":
		return "arn:aws:cloudformation:" + n.region + ":" + n.account + ":stack/" + n.stackName + "/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::NoValue":
		return noValue{}, nil
	}
	physical := map[string]string{"Table": n.table, "ScheduleGroup": n.scheduleGroup, "MailBucket": n.bucket}
	if v, ok := physical[name]; ok {
		return v, nil
	}
	p := c.node("Parameters", name)
	if p == nil {
		return nil, fmt.Errorf("!Ref %s: no parameter, and no physical name in the test's stack", name)
	}
	v, ok := n.parameters[name]
	if !ok {
		d := mappingValue(p, "Default")
		if d == nil {
			return nil, fmt.Errorf("!Ref %s: the parameter has no default and the test's stack gives it no value", name)
		}
		v = d.Value
	}
	if t := mappingValue(p, "Type"); t != nil && t.Value == "CommaDelimitedList" {
		var l []any
		for _, s := range strings.Split(v, ",") {
			l = append(l, s)
		}
		return l, nil
	}
	return v, nil
}

func (c *cfn) getAtt(name string) (any, error) {
	n := c.names
	atts := map[string]string{
		"Table.Arn":           "arn:aws:dynamodb:" + n.region + ":" + n.account + ":table/" + n.table,
		"MailBucket.Arn":      "arn:aws:s3:::" + n.bucket,
		"SchedulerRole.Arn":   n.schedulerRole,
		"DeadLetterQueue.Arn": n.deadLetters,
		"SignInLinkKey.Arn":   n.signInLinkKey,
	}
	v, ok := atts[name]
	if !ok {
		return nil, fmt.Errorf("!GetAtt %s: not known to the test's stack", name)
	}
	return v, nil
}

var subVariable = regexp.MustCompile(`\$\{([^}]*)\}`)

func (c *cfn) sub(n *yaml.Node) (any, error) {
	text, vars := n, map[string]any{}
	if n.Kind == yaml.SequenceNode {
		if len(n.Content) != 2 {
			return nil, fmt.Errorf("line %d: !Sub takes a string and a map", n.Line)
		}
		text = n.Content[0]
		v, err := c.eval(n.Content[1])
		if err != nil {
			return nil, err
		}
		vars, _ = v.(map[string]any)
	}
	var failed error
	out := subVariable.ReplaceAllStringFunc(text.Value, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") {
			return "${" + name[1:] + "}"
		}
		var v any
		var err error
		switch x, ok := vars[name]; {
		case ok:
			v = x
		case strings.Contains(name, "."):
			v, err = c.getAtt(name)
		default:
			v, err = c.ref(name)
		}
		if err != nil && failed == nil {
			failed = fmt.Errorf("line %d: %w", n.Line, err)
		}
		return fmt.Sprint(v)
	})
	return out, failed
}

// policies returns the function resource's statements, its own and those of the managed
// policies it names (!Ref), resolved for the stack.
func (c *cfn) policies(function string) (policy, error) {
	list := c.node("Resources", function, "Properties", "Policies")
	if list == nil {
		return nil, fmt.Errorf("%s has no Policies in template.yaml", function)
	}
	var out policy
	for _, p := range list.Content {
		doc := p
		if p.Tag == "!Ref" {
			doc = c.node("Resources", p.Value, "Properties", "PolicyDocument")
		}
		sts := mappingValue(doc, "Statement")
		if sts == nil {
			return nil, fmt.Errorf("%s: a policy with no Statement (a SAM policy template?) is not modelled", function)
		}
		for _, st := range sts.Content {
			s, err := c.statement(st)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", function, err)
			}
			out = append(out, s)
		}
	}
	return out, nil
}

func (c *cfn) statement(n *yaml.Node) (statement, error) {
	v, err := c.eval(n)
	if err != nil {
		return statement{}, err
	}
	m, _ := v.(map[string]any)
	st := statement{effect: fmt.Sprint(m["Effect"])}
	st.sid, _ = m["Sid"].(string)
	for _, k := range []string{"NotAction", "NotResource", "NotPrincipal"} {
		if _, ok := m[k]; ok {
			return st, fmt.Errorf("statement %q: %s is not modelled", st.sid, k)
		}
	}
	if st.effect != "Allow" && st.effect != "Deny" {
		return st, fmt.Errorf("statement %q: Effect %q", st.sid, st.effect)
	}
	st.actions = strings1(m["Action"])
	for _, r := range strings1(m["Resource"]) {
		for from, to := range c.aliases {
			r = strings.Replace(r, from, to, 1)
		}
		st.resources = append(st.resources, r)
	}
	if len(st.actions) == 0 || len(st.resources) == 0 {
		return st, fmt.Errorf("statement %q names no action or no resource", st.sid)
	}
	conds, _ := m["Condition"].(map[string]any)
	for op, keys := range conds {
		km, _ := keys.(map[string]any)
		for k, vals := range km {
			st.conditions = append(st.conditions, condition{op: op, key: strings.ToLower(k), values: strings1(vals)})
		}
	}
	return st, nil
}

// strings1 is a policy field that may be one string or a list of them.
func strings1(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, strings1(e)...)
		}
		return out
	}
	return nil
}

// indexPartitionKeys returns each global secondary index's partition key attribute, and the
// table's own under "", as template.yaml declares them.
func (c *cfn) indexPartitionKeys() map[string]string {
	hash := func(schema *yaml.Node) string {
		for _, k := range schema.Content {
			if t := mappingValue(k, "KeyType"); t != nil && t.Value == "HASH" {
				return mappingValue(k, "AttributeName").Value
			}
		}
		return ""
	}
	table := c.node("Resources", "Table", "Properties")
	out := map[string]string{"": hash(mappingValue(table, "KeySchema"))}
	for _, ix := range mappingValue(table, "GlobalSecondaryIndexes").Content {
		out[mappingValue(ix, "IndexName").Value] = hash(mappingValue(ix, "KeySchema"))
	}
	return out
}
