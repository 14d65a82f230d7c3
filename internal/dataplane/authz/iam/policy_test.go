package iam

import (
	"errors"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"*", "", true},
		{"*", "anything/with/slashes", true},
		{"a*", "a", true},
		{"a*c", "abc/def/c", true},
		{"a*c", "abcd", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a?c", "abbc", false},
		{"a?c", "aüc", true}, // ? is one character, not one byte
		{"*/GET/pets/*", "api/$default/GET/pets/1", true},
		{"*/GET/pets/*", "api/$default/GET/pets", false},
		{"*/GET/pets*", "api/$default/GET/pets", true},
		{"**a**b**", "xxaxxbxx", true},
		{"*a*a*a*a*a*b", strings.Repeat("a", 200), false},
		{"exact", "Exact", false},
		{"?", "", false},
		{"*?", "x", true},
	}
	for _, c := range cases {
		if got := Match(c.pattern, c.s); got != c.want {
			t.Errorf("Match(%q, %q) = %v; want %v", c.pattern, c.s, got, c.want)
		}
	}
}

const arnPets1 = "arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/pets/1"

func TestEvaluate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		policy string
		action string
		arns   []string
		want   Decision
	}{
		{"allow exact", `{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"` + arnPets1 + `"}]}`, InvokeAction, []string{arnPets1}, Allow},
		{"allow star", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, InvokeAction, []string{arnPets1}, Allow},
		{"action case-insensitive", `{"Statement":[{"Effect":"Allow","Action":"EXECUTE-API:invoke","Resource":"*"}]}`, InvokeAction, []string{arnPets1}, Allow},
		{"action wildcard", `{"Statement":[{"Effect":"Allow","Action":"execute-api:*","Resource":"*"}]}`, InvokeAction, []string{arnPets1}, Allow},
		{"action ? wildcard", `{"Statement":[{"Effect":"Allow","Action":"execute-api:Invok?","Resource":"*"}]}`, InvokeAction, []string{arnPets1}, Allow},
		{"other action", `{"Statement":[{"Effect":"Allow","Action":"execute-api:ManageConnections","Resource":"*"}]}`, InvokeAction, []string{arnPets1}, ImplicitDeny},
		{"other service", `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, InvokeAction, []string{arnPets1}, ImplicitDeny},
		{"action list", `{"Statement":[{"Effect":"Allow","Action":["s3:GetObject","execute-api:Invoke"],"Resource":["arn:aws:s3:::b","` + arnPets1 + `"]}]}`, InvokeAction, []string{arnPets1}, Allow},
		{"resource wildcard stage", `{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:api1/*/GET/pets/*"}]}`, InvokeAction, []string{arnPets1}, Allow},
		{"resource wildcards region account", `{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:api1/*"}]}`, InvokeAction, []string{arnPets1}, Allow},
		{"resource ?", `{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/pets/?"}]}`, InvokeAction, []string{arnPets1}, Allow},
		{"resource case-sensitive", `{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:api1/prod/get/pets/1"}]}`, InvokeAction, []string{arnPets1}, ImplicitDeny},
		{"other api", `{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:api2/*"}]}`, InvokeAction, []string{arnPets1}, ImplicitDeny},
		{"deny wins", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"` + arnPets1 + `"}]}`, InvokeAction, []string{arnPets1}, ExplicitDeny},
		{"deny first", `{"Statement":[{"Effect":"Deny","Action":"execute-api:*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"}]}`, InvokeAction, []string{arnPets1}, ExplicitDeny},
		{"deny other resource", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"arn:aws:execute-api:*:*:api1/*/DELETE/*"}]}`, InvokeAction, []string{arnPets1}, Allow},
		{"deny case-insensitive", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"arn:aws:execute-api:*:*:api1/*/GET/PETS/*"}]}`, InvokeAction, []string{arnPets1}, ExplicitDeny},
		{"default deny", `{"Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`, InvokeAction, []string{arnPets1}, ImplicitDeny},
		{"not action", `{"Statement":[{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}]}`, InvokeAction, []string{arnPets1}, Allow},
		{"not action excludes", `{"Statement":[{"Effect":"Allow","NotAction":"execute-api:*","Resource":"*"}]}`, InvokeAction, []string{arnPets1}, ImplicitDeny},
		{"not resource", `{"Statement":[{"Effect":"Allow","Action":"*","NotResource":"arn:aws:execute-api:*:*:api1/*/DELETE/*"}]}`, InvokeAction, []string{arnPets1}, Allow},
		{"not resource excludes", `{"Statement":[{"Effect":"Allow","Action":"*","NotResource":"arn:aws:execute-api:*:*:api1/*/GET/*"}]}`, InvokeAction, []string{arnPets1}, ImplicitDeny},
		{"not resource excludes other case", `{"Statement":[{"Effect":"Allow","Action":"*","NotResource":"arn:aws:execute-api:*:*:api1/*/GET/PETS/*"}]}`, InvokeAction, []string{arnPets1}, ImplicitDeny},
		{"deny not resource", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","NotResource":"arn:aws:execute-api:*:*:api1/*/GET/public"}]}`, InvokeAction, []string{arnPets1}, ExplicitDeny},
		{"deny not resource other case", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","NotResource":"arn:aws:execute-api:*:*:api1/*/GET/PETS/1"}]}`, InvokeAction, []string{arnPets1}, ExplicitDeny},
		{"every variant must be allowed", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:*:*:api1/*/GET/pets/a/*"}]}`, InvokeAction,
			[]string{"arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/pets/a/../b", "arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/pets/b"}, ImplicitDeny},
		{"any variant denied", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"arn:aws:execute-api:*:*:api1/*/GET/admin"}]}`, InvokeAction,
			[]string{"arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/x/../admin", "arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/admin"}, ExplicitDeny},
		{"no resources", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, InvokeAction, nil, ImplicitDeny},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := ParsePolicy([]byte(c.policy), ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Evaluate(c.action, c.arns...); got != c.want {
				t.Errorf("Evaluate = %v; want %v", got, c.want)
			}
		})
	}
	var nilPolicy *Policy
	if nilPolicy.Evaluate(InvokeAction, arnPets1) != ImplicitDeny {
		t.Error("nil policy allowed")
	}
}

func TestConservativePolicies(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, policy string
		want         Decision
	}{
		{"allow with condition never allows", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`, ImplicitDeny},
		{"deny with condition always denies", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"arn:aws:execute-api:*:*:other/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`, ExplicitDeny},
		{"deny with condition on another action", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"x":"y"}}}]}`, Allow},
		{"allow with policy variable never allows", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:*:*:api1/*/GET/users/${aws:username}"}]}`, ImplicitDeny},
		{"deny with policy variable always denies", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"arn:aws:execute-api:*:*:${aws:username}/*"}]}`, ExplicitDeny},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := ParsePolicy([]byte(c.policy), ParseOptions{}); err == nil {
				t.Error("strict parse accepted the policy")
			}
			p, err := ParsePolicy([]byte(c.policy), ParseOptions{Conservative: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Evaluate(InvokeAction, arnPets1); got != c.want {
				t.Errorf("Evaluate = %v; want %v", got, c.want)
			}
		})
	}
}

func TestParsePolicyRejects(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, policy, path string }{
		{"empty", ``, ""},
		{"not object", `[]`, ""},
		{"trailing data", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}} {}`, ""},
		{"no statement", `{"Version":"2012-10-17"}`, "Statement"},
		{"empty statement list", `{"Statement":[]}`, "Statement"},
		{"statement string", `{"Statement":"Allow"}`, "Statement"},
		{"bad version", `{"Version":"2020-01-01","Statement":[]}`, "Version"},
		{"unknown element", `{"Statment":[]}`, "Statment"},
		{"no effect", `{"Statement":[{"Action":"*","Resource":"*"}]}`, "Statement[0].Effect"},
		{"bad effect", `{"Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}`, "Statement[0].Effect"},
		{"no action", `{"Statement":[{"Effect":"Allow","Resource":"*"}]}`, "Statement[0].Action"},
		{"no resource", `{"Statement":[{"Effect":"Allow","Action":"*"}]}`, "Statement[0].Resource"},
		{"action and not action", `{"Statement":[{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}]}`, ""},
		{"empty action", `{"Statement":[{"Effect":"Allow","Action":"","Resource":"*"}]}`, "Statement[0].Action"},
		{"empty action list", `{"Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}`, "Statement[0].Action"},
		{"number action", `{"Statement":[{"Effect":"Allow","Action":1,"Resource":"*"}]}`, "Statement[0].Action"},
		{"principal", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`, "Statement[0].Principal"},
		{"condition", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}}]}`, "Statement[0].Condition"},
		{"unknown statement element", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Resorce":"x"}}`, "Statement.Resorce"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Conservative parsing refuses the same malformed shapes;
			// only Condition needs the strict mode.
			_, err := ParsePolicy([]byte(c.policy), ParseOptions{Conservative: c.name != "condition"})
			if err == nil {
				t.Fatal("accepted")
			}
			var pe *PolicyError
			if c.path != "" && (!errors.As(err, &pe) || pe.Path != c.path) {
				t.Errorf("error %v; want path %q", err, c.path)
			}
		})
	}
}

func TestRouteARNs(t *testing.T) {
	t.Parallel()
	const pfx = "arn:aws:execute-api:us-east-1:123456789012:api1/$default/"
	cases := []struct {
		method, path string
		want         []string
	}{
		{"GET", "/pets/1", []string{pfx + "GET/pets/1"}},
		{"GET", "/", []string{pfx + "GET/"}},
		{"GET", "", []string{pfx + "GET/"}},
		{"GET", "/pets/", []string{pfx + "GET/pets/"}},
		{"POST", "/pets/a b", []string{pfx + "POST/pets/a b"}},
		{"get", "/pets", []string{pfx + "get/pets", pfx + "GET/pets"}},
		{"GET", "/pets//admin", []string{pfx + "GET/pets//admin", pfx + "GET/pets/admin"}},
		{"GET", "/pets/./admin", []string{pfx + "GET/pets/./admin", pfx + "GET/pets/admin"}},
		{"GET", "/pets/x/../admin", []string{pfx + "GET/pets/x/../admin", pfx + "GET/pets/admin"}},
		{"GET", "/../../admin", []string{pfx + "GET/../../admin", pfx + "GET/admin"}},
		{"GET", "/pets/%61dmin", []string{pfx + "GET/pets/%61dmin", pfx + "GET/pets/admin"}},
		{"GET", "/pets/%252e%252e/admin", []string{pfx + "GET/pets/%252e%252e/admin", pfx + "GET/admin"}},
		{"GET", `/pets\admin`, []string{pfx + `GET/pets\admin`, pfx + "GET/pets/admin"}},
		{"GET", "/pets/100%", []string{pfx + "GET/pets/100%"}},
		{"GET", "/pets//", []string{pfx + "GET/pets//", pfx + "GET/pets/"}},
	}
	for _, c := range cases {
		got := RouteARNs("us-east-1", "123456789012", "api1", "$default", c.method, c.path)
		if strings.Join(got, " | ") != strings.Join(c.want, " | ") {
			t.Errorf("RouteARNs(%s %q) = %q; want %q", c.method, c.path, got, c.want)
		}
	}
	if got := RouteARN("eu-west-1", "000000000000", "x", "prod", "GET", "/a/b"); got != "arn:aws:execute-api:eu-west-1:000000000000:x/prod/GET/a/b" {
		t.Errorf("RouteARN = %q", got)
	}
}

func TestNewStore(t *testing.T) {
	t.Parallel()
	s, err := NewStore([]Credentials{alice, bob, {AccessKeyID: "AKIAROOT", SecretAccessKey: "s", ARN: "arn:aws:iam::123456789012:root"},
		{AccessKeyID: "AKIAROLE", SecretAccessKey: "s", ARN: "arn:aws:iam::123456789012:role/tester"}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 4 {
		t.Errorf("Len %d", s.Len())
	}
	b, _ := s.Lookup("ASIABOB")
	role, _ := s.Lookup("AKIAROLE")
	root, _ := s.Lookup("AKIAROOT")
	if !strings.HasPrefix(b.UserID, role.UserID+":") || b.UserID != role.UserID+":bob-session" {
		t.Errorf("assumed role id %q does not extend role id %q", b.UserID, role.UserID)
	}
	if root.UserID != "123456789012" {
		t.Errorf("root user id %q", root.UserID)
	}
	if a, _ := s.Lookup("AKIAALICE"); strings.Contains(a.String(), "alice-secret") {
		t.Error("String shows the secret")
	}
	if _, ok := s.Lookup("nobody"); ok {
		t.Error("unknown key found")
	}
	var nilStore *Store
	if _, ok := nilStore.Lookup("AKIAALICE"); ok {
		t.Error("nil store found a key")
	}

	bad := []struct {
		name string
		ids  []Credentials
	}{
		{"duplicate", []Credentials{alice, alice}},
		{"no secret", []Credentials{{AccessKeyID: "A", ARN: alice.ARN}}},
		{"no key", []Credentials{{SecretAccessKey: "s", ARN: alice.ARN}}},
		{"bad arn", []Credentials{{AccessKeyID: "A", SecretAccessKey: "s", ARN: "arn:aws:s3:::bucket"}}},
		{"no arn", []Credentials{{AccessKeyID: "A", SecretAccessKey: "s"}}},
		{"condition", []Credentials{{AccessKeyID: "A", SecretAccessKey: "s", ARN: alice.ARN, Line: 12,
			PolicyJSON: []byte(`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"a":"b"}}}]}`)}}},
	}
	for _, c := range bad {
		_, err := NewStore(c.ids)
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		if strings.Contains(err.Error(), "alice-secret") {
			t.Errorf("%s: error shows the secret: %v", c.name, err)
		}
		if c.name == "condition" && !strings.Contains(err.Error(), "line 12") {
			t.Errorf("condition error does not say where: %v", err)
		}
	}
}
