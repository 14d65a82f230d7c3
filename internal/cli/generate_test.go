package cli

import (
	"bytes"
	"encoding/json"
	"flag"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/apigwdev/apigw/internal/goldentest"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files")

// TestGenerateEventGolden: each kind, for a fixed request, against its
// golden file.
func TestGenerateEventGolden(t *testing.T) {
	t.Parallel()
	fixed := []string{"--method", "POST", "--path", "/pets/7?verbose=1&tag=a&tag=b", "--route-key", "POST /pets/{id}",
		"--header", "Authorization: Bearer abc.def.ghi", "--header", "Cookie: a=1; b=2", "--body", `{"name":"rex"}`,
		"--time", "2026-01-02T03:04:05Z", "--request-id", "JKJaXmPLvHcESHA="}
	for _, k := range eventKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			if code := Main(append([]string{"generate-event", k.name}, fixed...), &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, out.Bytes()); err != nil {
				t.Fatal(err)
			}
			goldentest.AssertJSON(t, filepath.Join("testdata", "generate-event", k.name+".json"), compact.Bytes(), *updateGolden)
		})
	}
}

// TestGenerateEventDecodes: the events decode into aws-lambda-go's types
// with the values asked for.
func TestGenerateEventDecodes(t *testing.T) {
	t.Parallel()
	gen := func(kind string, args ...string) []byte {
		var out, errOut bytes.Buffer
		if code := Main(append([]string{"generate-event", kind}, args...), &out, &errOut); code != 0 {
			t.Fatalf("%s: exit %d: %s", kind, code, errOut.String())
		}
		return out.Bytes()
	}
	var v2 events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(gen("http-api-v2", "--path", "/pets/7", "--route-key", "GET /pets/{id}", "--stage", "prod"), &v2); err != nil {
		t.Fatal(err)
	}
	if v2.RouteKey != "GET /pets/{id}" || v2.PathParameters["id"] != "7" || v2.RawPath != "/prod/pets/7" || v2.RequestContext.Stage != "prod" {
		t.Errorf("v2 event %+v", v2)
	}
	var v1 events.APIGatewayProxyRequest
	if err := json.Unmarshal(gen("http-api-v1", "--method", "POST", "--body", "hi"), &v1); err != nil {
		t.Fatal(err)
	}
	if v1.HTTPMethod != "POST" || v1.Body != "hi" {
		t.Errorf("v1 event %+v", v1)
	}
	var a2 events.APIGatewayV2CustomAuthorizerV2Request
	if err := json.Unmarshal(gen("authorizer-v2", "--header", "Authorization: t0k"), &a2); err != nil {
		t.Fatal(err)
	}
	if a2.Type != "REQUEST" || len(a2.IdentitySource) != 1 || a2.IdentitySource[0] != "t0k" || a2.RouteArn == "" {
		t.Errorf("authorizer v2 event %+v", a2)
	}
	var a1 events.APIGatewayCustomAuthorizerRequestTypeRequest
	if err := json.Unmarshal(gen("authorizer-v1", "--header", "Authorization: t0k"), &a1); err != nil {
		t.Fatal(err)
	}
	if a1.Type != "REQUEST" || a1.MethodArn == "" {
		t.Errorf("authorizer v1 event %+v", a1)
	}
	var out, errOut bytes.Buffer
	if code := Main([]string{"generate-event", "s3-put"}, &out, &errOut); code != 2 {
		t.Errorf("unknown kind: exit %d; want 2", code)
	}
}
