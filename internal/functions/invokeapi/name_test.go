package invokeapi

import (
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/functions"
)

func TestParseFunctionName(t *testing.T) {
	t.Parallel()
	const region, account = "us-east-1", "000000000000"
	tests := []struct {
		in   string
		want functionRef
		ok   bool
	}{
		{in: "pets", want: functionRef{Name: "pets"}, ok: true},
		{in: "pets:live", want: functionRef{Name: "pets", Qualifier: "live"}, ok: true},
		{in: "pets:$LATEST", want: functionRef{Name: "pets", Qualifier: "$LATEST"}, ok: true},
		{in: "000000000000:function:pets", want: functionRef{Name: "pets"}, ok: true},
		{in: "000000000000:function:pets:3", want: functionRef{Name: "pets", Qualifier: "3"}, ok: true},
		{in: "111111111111:function:pets", want: functionRef{Name: "pets", Foreign: true}, ok: true},
		{in: "arn:aws:lambda:us-east-1:000000000000:function:pets", want: functionRef{Name: "pets"}, ok: true},
		{in: "arn:aws:lambda:us-east-1:000000000000:function:pets:prod", want: functionRef{Name: "pets", Qualifier: "prod"}, ok: true},
		{in: "arn:aws:lambda:eu-west-1:000000000000:function:pets", want: functionRef{Name: "pets", Foreign: true}, ok: true},
		{in: "", ok: false},
		{in: "pets:", ok: false},
		{in: "pets:a:b", ok: false},
		{in: "pe/ts", ok: false},
		{in: strings.Repeat("a", 65), ok: false},
		{in: "arn:aws:lambda:us-east-1:000000000000:layer:pets", ok: false},
		{in: "arn:aws:s3:us-east-1:000000000000:function:pets", ok: false},
		{in: "0000:function:pets", ok: false},
	}
	for _, tt := range tests {
		got, ok := parseFunctionName(tt.in, region, account)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("parseFunctionName(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzParseFunctionName checks that FunctionName parsing never panics, only
// accepts names Lambda's syntax allows, and reads back the ARNs the gateway
// itself builds.
func FuzzParseFunctionName(f *testing.F) {
	for _, s := range []string{"pets", "pets:live", "000000000000:function:pets:1",
		"arn:aws:lambda:us-east-1:000000000000:function:pets:$LATEST", "arn:aws-cn:lambda:cn-north-1:000000000000:function:x", ":::", "a:function:b:c:d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, ok := parseFunctionName(s, "us-east-1", "000000000000")
		if !ok {
			return
		}
		if !namePart.MatchString(ref.Name) || (ref.Qualifier != "" && !qualifierPart.MatchString(ref.Qualifier)) {
			t.Fatalf("accepted %q as %+v", s, ref)
		}
		arn := functions.FunctionARN("us-east-1", "000000000000", ref.Name, ref.Qualifier)
		back, ok := parseFunctionName(arn, "us-east-1", "000000000000")
		if !ok || back.Name != ref.Name || back.Qualifier != ref.Qualifier || back.Foreign {
			t.Fatalf("ARN %q of %q reads back as %+v, %v", arn, s, back, ok)
		}
	})
}
