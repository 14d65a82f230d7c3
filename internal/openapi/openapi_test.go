package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/model"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata")

// golden is what a golden file holds: the imported definition and the
// diagnostics rendered as strings.
type golden struct {
	Definition  model.Definition `json:"definition"`
	Diagnostics []string         `json:"diagnostics"`
}

func TestImportGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file string
		opts       Options
	}{
		{"f8-example", "f8-example.json", Options{}},
		{"sam-http-api", "sam-http-api.yaml", Options{Region: "eu-west-1", AccountID: "123456789012"}},
		{"yaml-features", "yaml-features.yaml", Options{}},
		{"yaml-features-prepend", "yaml-features.yaml", Options{Basepath: "prepend"}},
		{"yaml-features-split", "yaml-features.yaml", Options{Basepath: "split"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			tt.opts.Filename = tt.file
			res, err := Import(doc, tt.opts)
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			g := golden{Definition: res.Definition, Diagnostics: []string{}}
			for _, d := range res.Diagnostics {
				g.Diagnostics = append(g.Diagnostics, d.String())
			}
			got, err := json.MarshalIndent(g, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", tt.name+".golden.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("import of %s differs from %s (run go test -update and review the diff):\n%s", tt.file, path, got)
			}
			// Importing twice gives the same ids.
			again, err := Import(doc, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal(again.Definition)
			b, _ := json.Marshal(res.Definition)
			if !bytes.Equal(a, b) {
				t.Errorf("second import differs from the first")
			}
		})
	}
}

// TestF8Expectations checks the expected import result of the f8-example
// document directly, independently of the golden file.
func TestF8Expectations(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("testdata/f8-example.json")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Import(doc, Options{Region: "us-east-1", AccountID: "111122223333"})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Definition
	byKey := map[string]model.Route{}
	for _, r := range d.Routes {
		byKey[r.RouteKey] = r
	}
	auth := map[string]model.Authorizer{}
	for _, a := range d.Authorizers {
		auth[a.AuthorizerID] = a
	}
	integ := map[string]model.Integration{}
	for _, in := range d.Integrations {
		integ["integrations/"+in.IntegrationID] = in
	}
	type want struct {
		authType, authorizer string
		scopes               []string
		integrationType      string
	}
	wants := map[string]want{
		"GET /orders/{orderId}":    {model.AuthJWT, "userJwt", []string{"orders/read"}, model.IntegrationAWSProxy},
		"DELETE /orders/{orderId}": {model.AuthIAM, "", nil, model.IntegrationAWSProxy},
		"POST /events":             {model.AuthCustom, "edgeLambda", nil, model.IntegrationAWSProxy},
		"ANY /legacy/{proxy+}":     {model.AuthNone, "", nil, model.IntegrationHTTPProxy},
		"$default":                 {model.AuthNone, "", nil, model.IntegrationHTTPProxy},
	}
	if len(d.Routes) != len(wants) {
		t.Fatalf("got %d routes; want %d", len(d.Routes), len(wants))
	}
	for key, w := range wants {
		r, ok := byKey[key]
		if !ok {
			t.Errorf("route %s missing", key)
			continue
		}
		if r.AuthorizationType != w.authType || auth[r.AuthorizerID].Name != w.authorizer || strings.Join(r.AuthorizationScopes, ",") != strings.Join(w.scopes, ",") {
			t.Errorf("route %s: auth %s authorizer %q scopes %v; want %s %q %v", key, r.AuthorizationType, auth[r.AuthorizerID].Name, r.AuthorizationScopes, w.authType, w.authorizer, w.scopes)
		}
		if integ[r.Target].IntegrationType != w.integrationType {
			t.Errorf("route %s: integration %+v; want type %s", key, integ[r.Target], w.integrationType)
		}
	}
	if byKey["GET /orders/{orderId}"].Target != byKey["DELETE /orders/{orderId}"].Target || len(d.Integrations) != 4 {
		t.Errorf("the ordersFn integration is not shared: %d integrations", len(d.Integrations))
	}
	if in := integ[byKey["POST /events"].Target]; in.IntegrationSubtype != "EventBridge-PutEvents" {
		t.Errorf("POST /events: subtype %q", in.IntegrationSubtype)
	}
	if in := integ[byKey["ANY /legacy/{proxy+}"].Target]; in.ConnectionType != model.ConnectionVPCLink || in.TLSConfig == nil {
		t.Errorf("legacy integration not private over HTTPS: %+v", in)
	}
	edge := auth[byKey["POST /events"].AuthorizerID]
	if got := strings.Join(edge.IdentitySource, ","); got != "$request.header.X-Api-Token,$context.routeKey" || *edge.AuthorizerResultTTLInSeconds != 120 {
		t.Errorf("edgeLambda: identity sources %q ttl %d", got, *edge.AuthorizerResultTTLInSeconds)
	}
	if want := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:111122223333:function:edge-auth/invocations"; edge.AuthorizerURI != want {
		t.Errorf("edgeLambda URI %q; want %q", edge.AuthorizerURI, want)
	}
	if d.API.Tags["team"] != "payments" || d.API.CORSConfiguration == nil || *d.API.CORSConfiguration.MaxAge != 600 || d.API.Name != "orders-api" {
		t.Errorf("API: %+v", d.API)
	}
}

func TestFailOnWarnings(t *testing.T) {
	t.Parallel()
	doc := []byte("openapi: 3.0.1\ninfo: {title: t}\npaths: {}\nx-amazon-apigateway-policy: {}\n")
	res, err := Import(doc, Options{Filename: "w.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(res.Definition.API.Warnings, "|"), "line 4, column 1: unsupported extension x-amazon-apigateway-policy in the document root ignored: it is not supported for HTTP APIs"; got != want {
		t.Errorf("warnings %q; want %q", got, want)
	}
	_, err = Import(doc, Options{Filename: "w.yaml", FailOnWarnings: true})
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("got %v; want *ImportError", err)
	}
	if got, want := err.Error(), "w.yaml:4:1: warning: unsupported extension x-amazon-apigateway-policy in the document root ignored: it is not supported for HTTP APIs"; got != want {
		t.Errorf("error %q; want %q", got, want)
	}
}

func TestDiagnosticString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    Diagnostic
		want string
	}{
		{Diagnostic{File: "a.yaml", Line: 3, Column: 5, Severity: Error, Message: "m"}, "a.yaml:3:5: m"},
		{Diagnostic{File: "a.yaml", Line: 3, Severity: Error, Message: "m"}, "a.yaml:3: m"},
		{Diagnostic{File: "a.yaml", Severity: Error, Message: "m"}, "a.yaml: m"},
		{Diagnostic{Line: 1, Column: 2, Severity: Warning, Message: "m"}, "1:2: warning: m"},
		{Diagnostic{Severity: Info, Message: "m"}, "info: m"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := tt.d.String(); got != tt.want {
				t.Errorf("String() = %q; want %q", got, tt.want)
			}
		})
	}
}
