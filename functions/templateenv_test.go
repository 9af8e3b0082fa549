package functions_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/council/intake/internal/config"
	"github.com/council/intake/internal/lambdatest"
	"github.com/council/intake/internal/mototest"
)

// templateEnv is function fn's environment as template.yaml sets it for the stack called names
// (its parameters given there, the rest at their defaults): Globals' variables, then the
// function's own. The inbound-mail bucket, named from the stack id in AWS, is the stack's.
func templateEnv(t testing.TB, fn string, names stackNames) []string {
	t.Helper()
	c, err := newCFN(names)
	if err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	vars := map[string]string{}
	for _, path := range [][]string{
		{"Globals", "Function", "Environment", "Variables"},
		{"Resources", functionResources[fn], "Properties", "Environment", "Variables"},
	} {
		n := c.node(path...)
		if n == nil {
			continue
		}
		v, err := c.eval(n)
		if err != nil {
			t.Fatalf("template.yaml: %s's environment: %v", functionResources[fn], err)
		}
		m, _ := v.(map[string]any)
		for name, value := range m {
			if _, none := value.(noValue); none {
				delete(vars, name)
				continue
			}
			vars[name] = fmt.Sprint(value)
			if vars[name] == c.bucket {
				vars[name] = names.bucket
			}
		}
	}
	var env []string
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		env = append(env, name+"="+vars[name])
	}
	return env
}

// deployed returns the stack's names with the template's parameters the stack deploys with: the
// settings' defaults where a parameter has none in the template, the stack's staff directory,
// and then those given.
func (s *stack) deployed(t testing.TB, parameters map[string]string) stackNames {
	t.Helper()
	defaults, err := config.Load(config.Map(nil))
	if err != nil {
		t.Fatal(err)
	}
	names := s.names()
	maps.Copy(names.parameters, map[string]string{
		"CouncilName": defaults.CouncilName, "FromAddress": defaults.FromAddress, "OfficerRouting": defaults.Routing,
		"TriageMailbox": defaults.TriageMailbox, "MailAddresses": defaults.MailAddresses,
		"StaffDirectory": staffDirectory, "ConsoleUrl": "https://intake.example.gov.uk",
	})
	maps.Copy(names.parameters, parameters)
	return names
}

// startDeployed starts function fn as template.yaml deploys it on the stack with these
// parameters: with the environment the template gives it (and the AWS credentials Lambda
// gives), reaching AWS, as start does, through the check of its policies.
func (s *stack) startDeployed(t testing.TB, fn string, parameters map[string]string) *lambdatest.Fn {
	t.Helper()
	names := s.deployed(t, parameters)
	env := append(templateEnv(t, fn, names),
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_REGION="+mototest.Region,
		"AWS_ENDPOINT_URL="+policyCheck(t, fn, s.endpoint, names, s.calls))
	return lambdatest.Start(t, lambdatest.Build(t, "github.com/council/intake/functions/"+fn), env)
}
