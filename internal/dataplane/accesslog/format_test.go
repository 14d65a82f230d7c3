package accesslog

import (
	"encoding/json"
	"encoding/xml"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/invoke/contextvars"
)

func testRequest() *invoke.Request {
	r := httptest.NewRequest("GET", "http://a1b2c3d4e5.execute-api.localhost/dev/pets/6", nil)
	r.Header.Set("User-Agent", "curl/8.0")
	return &invoke.Request{
		HTTP:         r,
		RequestID:    "AbCdEfGhIjKlMnO=",
		Time:         time.Date(2024, time.March, 5, 7, 8, 9, 0, time.UTC),
		AccountID:    "000000000000",
		APIID:        "a1b2c3d4e5",
		Stage:        "dev",
		RouteKey:     "GET /pets/{id}",
		DomainName:   "a1b2c3d4e5.execute-api.localhost",
		DomainPrefix: "a1b2c3d4e5",
		Path:         "/pets/6",
		RawPath:      "/dev/pets/6",
		SourceIP:     "192.0.2.1",
	}
}

func testOutcome() *invoke.Outcome {
	return &invoke.Outcome{Status: 200, ResponseLength: 17, Latency: 12 * time.Millisecond, IntegrationLatency: 9 * time.Millisecond, IntegrationStatus: 200}
}

func TestPresets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format string
		want   string
		check  func(t *testing.T, line string)
	}{
		{name: "CLF", format: FormatCLF,
			want: `192.0.2.1 - - [05/Mar/2024:07:08:09 +0000] "GET GET /pets/{id} HTTP/1.1" 200 17 AbCdEfGhIjKlMnO=`},
		{name: "JSON", format: FormatJSON,
			want: `{ "requestId":"AbCdEfGhIjKlMnO=", "ip": "192.0.2.1", "requestTime":"05/Mar/2024:07:08:09 +0000", "httpMethod":"GET","routeKey":"GET /pets/{id}", "status":"200","protocol":"HTTP/1.1", "responseLength":"17" }`,
			check: func(t *testing.T, line string) {
				var m map[string]string
				if err := json.Unmarshal([]byte(line), &m); err != nil || m["status"] != "200" {
					t.Errorf("JSON entry does not parse: %v (%v)", err, m)
				}
			}},
		{name: "XML", format: FormatXML,
			want: `<request id="AbCdEfGhIjKlMnO="> <ip>192.0.2.1</ip> <requestTime>05/Mar/2024:07:08:09 +0000</requestTime> <httpMethod>GET</httpMethod> <routeKey>GET /pets/{id}</routeKey> <status>200</status> <protocol>HTTP/1.1</protocol> <responseLength>17</responseLength> </request>`,
			check: func(t *testing.T, line string) {
				var v struct {
					ID     string `xml:"id,attr"`
					Status int    `xml:"status"`
				}
				if err := xml.Unmarshal([]byte(line), &v); err != nil || v.Status != 200 || v.ID != "AbCdEfGhIjKlMnO=" {
					t.Errorf("XML entry does not parse: %v (%+v)", err, v)
				}
			}},
		{name: "CSV", format: FormatCSV,
			want: `192.0.2.1,05/Mar/2024:07:08:09 +0000,GET,GET /pets/{id},HTTP/1.1,200,17,AbCdEfGhIjKlMnO=`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tmpl, err := ParseFormat(tt.format)
			if err != nil {
				t.Fatal(err)
			}
			got := string(tmpl.Append(nil, testRequest(), testOutcome()))
			if got != tt.want {
				t.Errorf("entry\n got %s\nwant %s", got, tt.want)
			}
			if tt.check != nil {
				tt.check(t, got)
			}
			if tmpl.Format() != tt.format || len(tmpl.Unknown()) != 0 {
				t.Errorf("Format, Unknown = %q, %v", tmpl.Format(), tmpl.Unknown())
			}
		})
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	req := testRequest()
	req.Authorizer = &invoke.AuthorizerContext{JWT: &invoke.JWTContext{Claims: map[string]string{"sub": "u1", "bad": "a\nb\rc", "ctl": "\x1b[31m\a\x00\t\x7fz"}}}
	tests := []struct {
		name, format string
		out          *invoke.Outcome
		want         string
		unknown      []string
	}{
		{name: "plain text", format: "hello", want: "hello"},
		{name: "adjacent variables", format: "$context.stage$context.status", want: "dev200"},
		{name: "trailing dot is text", format: "$context.status.", want: "200."},
		{name: "dots and text", format: "[$context.stage...]", want: "[dev...]"},
		{name: "prefix without a name", format: "$context. and $context", want: "$context. and $context"},
		{name: "unknown variable", format: "a $context.nope b", want: "a - b", unknown: []string{"nope"}},
		{name: "invalid name is unknown", format: "$context.a..b", want: "-", unknown: []string{"a..b"}},
		{name: "absent value", format: "$context.authorizer.claims.missing|$context.error.message", want: "-|-"},
		{name: "claims", format: "$context.authorizer.claims.sub", want: "u1"},
		{name: "line breaks escaped", format: "$context.authorizer.claims.bad", want: `a\nb\rc`},
		{name: "control bytes escaped", format: "$context.authorizer.claims.ctl", want: `\u001b[31m\u0007\u0000\t\u007fz`},
		{name: "literal text kept", format: "a\tb", want: "a\tb"},
		{name: "braced form is text", format: "${context.stage}", want: "${context.stage}"},
		{name: "no outcome", format: "$context.status $context.requestId", out: &invoke.Outcome{}, want: "- AbCdEfGhIjKlMnO="},
		{name: "stage variables are text", format: "$stageVariables.x", want: "$stageVariables.x"},
		{name: "all the latencies", format: "$context.responseLatency/$context.integrationLatency/$context.integration.latency", want: "12/9/9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tmpl, err := ParseFormat(tt.format)
			if err != nil {
				t.Fatal(err)
			}
			out := tt.out
			if out == nil {
				out = testOutcome()
			}
			if got := string(tmpl.Append([]byte("x"), req, out)); got != "x"+tt.want {
				t.Errorf("entry = %q; want %q", got, "x"+tt.want)
			}
			if got := tmpl.Unknown(); strings.Join(got, ",") != strings.Join(tt.unknown, ",") {
				t.Errorf("Unknown() = %v; want %v", got, tt.unknown)
			}
		})
	}
}

// TestRequestTimePerSecond checks that the per-second cache of
// $context.requestTime renders what the variable does, across seconds, time
// zones, sub-second times and the zero time, also under concurrent use.
func TestRequestTimePerSecond(t *testing.T) {
	t.Parallel()
	tmpl, err := ParseFormat("[$context.requestTime] $context.requestTime")
	if err != nil {
		t.Fatal(err)
	}
	v, err := contextvars.Compile("requestTime")
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2024, time.March, 5, 7, 8, 9, 0, time.UTC)
	paris := time.FixedZone("CET", 3600)
	times := []time.Time{
		base, base.Add(999 * time.Millisecond), base.Add(time.Second), base.Add(time.Second).In(paris),
		base, {}, base.Add(-time.Nanosecond), base.Add(24 * time.Hour).In(paris), {}, base.Add(time.Hour),
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := testRequest()
			for i := range 200 {
				req.Time = times[(g+i)%len(times)]
				want, ok := v.Value(req, nil)
				if !ok {
					want = absentValue
				}
				if got := string(tmpl.Append(nil, req, nil)); got != "["+want+"] "+want {
					t.Errorf("time %v: entry %q; want %q twice", req.Time, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestParseFormatErrors(t *testing.T) {
	t.Parallel()
	if _, err := ParseFormat(""); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty format: %v", err)
	}
	if _, err := ParseFormat(strings.Repeat("x", MaxFormatBytes+1)); err == nil || !strings.Contains(err.Error(), "more than 3072") {
		t.Errorf("long format: %v", err)
	}
	if _, err := ParseFormat(strings.Repeat("x", MaxFormatBytes)); err != nil {
		t.Errorf("3 KB format: %v", err)
	}
}

func BenchmarkAppendCLF(b *testing.B) {
	tmpl, err := ParseFormat(FormatCLF)
	if err != nil {
		b.Fatal(err)
	}
	req, out := testRequest(), testOutcome()
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = tmpl.Append(buf[:0], req, out)
	}
}
