package config

import (
	"errors"
	"strings"
	"testing"
)

// TestRemoteName covers functions.*.remoteName: accepted in every form the
// Lambda Invoke API takes, refused when malformed or on a local function.
func TestRemoteName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value string
		command     bool   // a local function instead of an endpoint
		want        string // the problem, "" when accepted
	}{
		{name: "plain name", value: "function"},
		{name: "qualified name", value: "pets:live"},
		{name: "latest", value: "pets:$LATEST"},
		{name: "partial ARN", value: "123456789012:function:pets"},
		{name: "ARN with version", value: "arn:aws:lambda:eu-west-1:123456789012:function:pets:7"},
		{name: "GovCloud ARN", value: "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:pets"},
		{name: "space", value: "my pets", want: `c.yaml:4:17: functions.f.remoteName: "my pets" is not a Lambda function name, partial ARN or ARN (with an optional :qualifier)`},
		{name: "wrong service", value: "arn:aws:s3:::bucket", want: `c.yaml:4:17: functions.f.remoteName: "arn:aws:s3:::bucket" is not a Lambda function name, partial ARN or ARN (with an optional :qualifier)`},
		{name: "too long", value: strings.Repeat("a", 171), want: `c.yaml:4:17: functions.f.remoteName: "` + strings.Repeat("a", 171) + `" is not a Lambda function name, partial ARN or ARN (with an optional :qualifier)`},
		{name: "local function", value: "x", command: true, want: "c.yaml:4:5: functions.f: remoteName applies only to functions with an endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			target := "    endpoint: http://127.0.0.1:9001\n"
			if tt.command {
				target = "    command: [./bootstrap]\n"
			}
			doc := "functions:\n  f:\n" + target + "    remoteName: \"" + tt.value + "\"\n"
			c, err := Parse([]byte(doc), "c.yaml")
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if got := c.Functions["f"].RemoteName; got != tt.value {
					t.Errorf("RemoteName = %q; want %q", got, tt.value)
				}
				return
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %v; want *Error", err)
			}
			if err.Error() != tt.want {
				t.Errorf("problems:\n%s\nwant:\n%s", err, tt.want)
			}
		})
	}
	t.Run("default", func(t *testing.T) {
		t.Parallel()
		c, err := Parse([]byte("functions:\n  f: {endpoint: \"http://127.0.0.1:9001\"}\n"), "c.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Functions["f"].RemoteName; got != "" {
			t.Errorf("RemoteName = %q; want \"\" (the functions package sends Name)", got)
		}
	})
}
