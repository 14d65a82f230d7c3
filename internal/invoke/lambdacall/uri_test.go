package lambdacall

import (
	"errors"
	"testing"
)

func TestParseFunctionURI(t *testing.T) {
	t.Parallel()
	ref := func(name, qual string) FunctionRef {
		return FunctionRef{Region: "us-east-1", AccountID: "123456789012", Name: name, Qualifier: qual}
	}
	tests := []struct {
		uri    string
		vars   map[string]string
		want   FunctionRef
		static bool
	}{
		{uri: "arn:aws:lambda:us-east-1:123456789012:function:pets", want: ref("pets", ""), static: true},
		{uri: "arn:aws:lambda:us-east-1:123456789012:function:pets:live", want: ref("pets", "live"), static: true},
		{uri: "arn:aws:lambda:us-east-1:123456789012:function:pets:7", want: ref("pets", "7"), static: true},
		{uri: "arn:aws:lambda:us-east-1:123456789012:function:pets:$LATEST", want: ref("pets", "$LATEST"), static: true},
		{uri: "arn:aws:lambda:us-east-1:123456789012:function:my_fn-2", want: ref("my_fn-2", ""), static: true},
		{uri: "arn:aws-cn:lambda:us-east-1:123456789012:function:pets", want: ref("pets", ""), static: true},
		{
			uri:  "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:pets/invocations",
			want: ref("pets", ""), static: true,
		},
		{
			uri:  "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:pets:live/invocations",
			want: ref("pets", "live"), static: true,
		},
		{
			uri:  "arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}",
			vars: map[string]string{"fn": "pets"}, want: ref("pets", ""),
		},
		{
			uri:  "arn:aws:lambda:us-east-1:123456789012:function:pets:${stageVariables.alias}",
			vars: map[string]string{"alias": "dev"}, want: ref("pets", "dev"),
		},
		{
			uri:  "arn:aws:lambda:us-east-1:123456789012:function:pets-${stageVariables.env}:v${stageVariables.n}",
			vars: map[string]string{"env": "prod", "n": "2"}, want: ref("pets-prod", "v2"),
		},
		{
			// A name variable holding "name:qualifier" qualifies the function.
			uri:  "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}/invocations",
			vars: map[string]string{"fn": "pets:live"}, want: ref("pets", "live"),
		},
	}
	for _, tt := range tests {
		tmpl, err := ParseFunctionURI(tt.uri)
		if err != nil {
			t.Errorf("ParseFunctionURI(%q): %v", tt.uri, err)
			continue
		}
		if tmpl.String() != tt.uri {
			t.Errorf("String() = %q", tmpl.String())
		}
		got, err := tmpl.Resolve(tt.vars)
		if err != nil || got != tt.want {
			t.Errorf("%q.Resolve(%v) = %+v, %v; want %+v", tt.uri, tt.vars, got, err, tt.want)
		}
		if s, ok := tmpl.Static(); ok != tt.static || (ok && s != tt.want) {
			t.Errorf("%q.Static() = %+v, %v; want static %v", tt.uri, s, ok, tt.static)
		}
	}
}

func TestParseFunctionURIRejects(t *testing.T) {
	t.Parallel()
	for _, uri := range []string{
		"",
		"pets",
		"123456789012:function:pets", // partial ARN
		"arn:aws:lambda:us-east-1:123456789012:function",
		"arn:aws:lambda:us-east-1:123456789012:function:",
		"arn:aws:lambda:us-east-1:123456789012:function:pets:",
		"arn:aws:lambda:us-east-1:123456789012:function:pets:live:extra",
		"arn:aws:lambda:us-east-1:1234:function:pets",
		"arn:aws:lambda::123456789012:function:pets",
		"arn:aws:lambda:us-east-1:123456789012:layer:pets",
		"arn:aws:s3:us-east-1:123456789012:function:pets",
		"arn:azure:lambda:us-east-1:123456789012:function:pets",
		"arn:aws:lambda:us-east-1:123456789012:function:pe ts",
		"arn:aws:lambda:us-east-1:123456789012:function:pets:al/ias",
		"arn:aws:lambda:us-east-1:123456789012:function:" + string(make([]byte, 65)),
		"arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn",
		"arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.}",
		"arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.a-b}",
		"arn:aws:lambda:${stageVariables.region}:123456789012:function:pets",
		"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:pets",
		"arn:aws:apigateway:us-east-1:lambda:path/2021-11-15/functions/arn:aws:lambda:us-east-1:123456789012:function:pets/response-streaming-invocations",
		"arn:aws:apigateway:us-east-1:sqs:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:pets/invocations",
		"https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/pets/invocations",
	} {
		if _, err := ParseFunctionURI(uri); err == nil {
			t.Errorf("ParseFunctionURI(%q) accepted", uri)
		} else if !errors.As(err, new(*URIError)) {
			t.Errorf("ParseFunctionURI(%q) error %T is not a *URIError", uri, err)
		}
	}
}

func TestResolveInvalid(t *testing.T) {
	t.Parallel()
	tmpl, err := ParseFunctionURI("arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}")
	if err != nil {
		t.Fatal(err)
	}
	for _, vars := range []map[string]string{
		nil,                // undefined: empty name
		{"fn": ""},         // empty
		{"fn": "bad name"}, // invalid character
		{"fn": "pets:"},    // empty qualifier after the split
		{"fn": "a:b:c"},    // the qualifier may not contain ":"
		{"fn": string(make([]byte, 70))},
	} {
		if ref, err := tmpl.Resolve(vars); !errors.Is(err, ErrFunctionNotFound) {
			t.Errorf("Resolve(%q) = %+v, %v; want ErrFunctionNotFound", vars, ref, err)
		}
	}
}

func TestFunctionRefARN(t *testing.T) {
	t.Parallel()
	ref := FunctionRef{Region: "eu-west-1", AccountID: "123456789012", Name: "pets", Qualifier: "live"}
	if got, want := ref.ARN(), "arn:aws:lambda:eu-west-1:123456789012:function:pets:live"; got != want {
		t.Errorf("ARN() = %q; want %q", got, want)
	}
	ref.Qualifier = ""
	if got, want := ref.String(), "arn:aws:lambda:eu-west-1:123456789012:function:pets"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
}
