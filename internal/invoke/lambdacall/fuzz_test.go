package lambdacall

import (
	"errors"
	"testing"
)

func FuzzParseFunctionURI(f *testing.F) {
	for _, s := range []string{
		"arn:aws:lambda:us-east-1:123456789012:function:pets",
		"arn:aws:lambda:us-east-1:123456789012:function:pets:live",
		"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}/invocations",
		"arn:aws:lambda:us-east-1:123456789012:function:a${stageVariables.x}b:${stageVariables.y}",
		"arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.",
	} {
		f.Add(s, "pets:live")
	}
	f.Fuzz(func(t *testing.T, uri, value string) {
		tmpl, err := ParseFunctionURI(uri)
		if err != nil {
			if !errors.As(err, new(*URIError)) {
				t.Fatalf("error %T is not a *URIError", err)
			}
			return
		}
		if ref, ok := tmpl.Static(); ok {
			if err := validateRef(ref); err != nil {
				t.Fatalf("static URI %q names an invalid function: %v", uri, err)
			}
		}
		ref, err := tmpl.Resolve(map[string]string{"fn": value, "x": value, "y": value})
		if err != nil {
			if !errors.Is(err, ErrFunctionNotFound) {
				t.Fatalf("Resolve error %v does not wrap ErrFunctionNotFound", err)
			}
			return
		}
		if validateRef(ref) != nil || !validRegion(ref.Region) || !validAccountID(ref.AccountID) {
			t.Fatalf("Resolve returned an invalid function %+v", ref)
		}
	})
}
