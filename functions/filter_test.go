package functions_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"gopkg.in/yaml.v3"
)

// notifierFilters are the notifier's stream filter patterns, read from template.yaml, decoded.
var notifierFilters = sync.OnceValues(func() ([]map[string]any, error) {
	b, err := os.ReadFile(filepath.Join("..", "template.yaml"))
	if err != nil {
		return nil, err
	}
	var doc struct {
		Resources struct {
			Notifier struct {
				Properties struct {
					Events struct {
						CaseChanges struct {
							Properties struct {
								FilterCriteria struct {
									Filters []struct {
										Pattern string `yaml:"Pattern"`
									} `yaml:"Filters"`
								} `yaml:"FilterCriteria"`
							} `yaml:"Properties"`
						} `yaml:"CaseChanges"`
					} `yaml:"Events"`
				} `yaml:"Properties"`
			} `yaml:"NotifierFunction"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("template.yaml: %w", err)
	}
	var out []map[string]any
	for i, f := range doc.Resources.Notifier.Properties.Events.CaseChanges.Properties.FilterCriteria.Filters {
		var p map[string]any
		if err := json.Unmarshal([]byte(f.Pattern), &p); err != nil {
			return nil, fmt.Errorf("template.yaml: the notifier's filter %d: %w", i, err)
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("template.yaml: the notifier's stream has no filter")
	}
	return out, nil
})

// invokesNotifier reports whether Lambda would hand the stream record r to the notifier: it
// evaluates template.yaml's filter patterns (any one matching is enough) against the record
// as Lambda sees it, in JSON.
func invokesNotifier(t testing.TB, r events.DynamoDBEventRecord) bool {
	t.Helper()
	filters, err := notifierFilters()
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	for _, p := range filters {
		ok, err := matchPattern(p, rec)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return true
		}
	}
	return false
}

// matchPattern is Lambda's event filtering (EventBridge's pattern syntax) for the parts the
// template uses: nested objects, a list of values any of which may equal the field (a field
// that is a list matches if any element does), and {"exists": bool} and {"prefix": s}. Any
// other operator is an error, so that a new one in the template is not silently misread.
func matchPattern(pattern, rec map[string]any) (bool, error) {
	for k, want := range pattern {
		got, present := rec[k]
		switch w := want.(type) {
		case map[string]any:
			sub, _ := got.(map[string]any)
			if sub == nil {
				sub = map[string]any{} // an absent object: only "exists": false can match in it
			}
			ok, err := matchPattern(w, sub)
			if err != nil || !ok {
				return false, err
			}
		case []any:
			ok, err := matchValues(w, got, present)
			if err != nil || !ok {
				return false, err
			}
		default:
			return false, fmt.Errorf("filter pattern: %s must be an object or a list, not %v", k, want)
		}
	}
	return true, nil
}

func matchValues(wants []any, got any, present bool) (bool, error) {
	values := []any{got}
	if l, ok := got.([]any); ok {
		values = l
	}
	for _, w := range wants {
		op, isOp := w.(map[string]any)
		if !isOp {
			for _, v := range values {
				if present && reflect.DeepEqual(v, w) {
					return true, nil
				}
			}
			continue
		}
		for name, arg := range op {
			switch name {
			case "exists":
				_, isObject := got.(map[string]any)
				if arg == (present && !isObject) {
					return true, nil
				}
			case "prefix":
				for _, v := range values {
					if s, ok := v.(string); ok && present && len(s) >= len(arg.(string)) && s[:len(arg.(string))] == arg {
						return true, nil
					}
				}
			default:
				return false, fmt.Errorf("filter pattern: operator %q is not understood by this test", name)
			}
		}
	}
	return false, nil
}

// TestMatchPattern holds the evaluator to Lambda's rules, the leaf-only exists included: an
// attribute of a DynamoDB image is an object ({"S": "…"}), so "exists" must name its type.
func TestMatchPattern(t *testing.T) {
	leaf, intermediate := map[string]any{}, map[string]any{}
	json.Unmarshal([]byte(`{"dynamodb": {"NewImage": {"p": {"S": ["P"]}}, "OldImage": {"p": {"S": [{"exists": false}]}}}, "eventName": [{"prefix": "INS"}, "MODIFY"]}`), &leaf)
	json.Unmarshal([]byte(`{"dynamodb": {"OldImage": {"p": [{"exists": false}]}}}`), &intermediate)
	for _, c := range []struct {
		pattern map[string]any
		rec     string
		want    bool
	}{
		{leaf, `{"eventName": "INSERT", "dynamodb": {"NewImage": {"p": {"S": "P"}}}}`, true},
		{leaf, `{"eventName": "MODIFY", "dynamodb": {"NewImage": {"p": {"S": "P"}}, "OldImage": {"q": {"S": "P"}}}}`, true},
		{leaf, `{"eventName": "MODIFY", "dynamodb": {"NewImage": {"p": {"S": "P"}}, "OldImage": {"p": {"S": "P"}}}}`, false},
		{leaf, `{"eventName": "INSERT", "dynamodb": {"NewImage": {"p": {"S": "Q"}}}}`, false},
		{leaf, `{"eventName": "REMOVE", "dynamodb": {"NewImage": {"p": {"S": "P"}}}}`, false},
		{leaf, `{"eventName": "INSERT", "dynamodb": {}}`, false},
		// "exists" on an intermediate node never sees it: the attribute counts as absent.
		{intermediate, `{"dynamodb": {"OldImage": {"p": {"S": "P"}}}}`, true},
	} {
		var rec map[string]any
		json.Unmarshal([]byte(c.rec), &rec)
		if got, err := matchPattern(c.pattern, rec); got != c.want || err != nil {
			t.Errorf("match(%v, %s) = %v, %v; want %v", c.pattern, c.rec, got, err, c.want)
		}
	}
}
