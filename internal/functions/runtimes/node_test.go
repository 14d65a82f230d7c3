package runtimes_test

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/functions"
)

// nodeCase is one Node.js acceptance case: a function running handler from
// a directory of testdata/node, invoked once or more, and a check of what
// its callers and its log saw.
type nodeCase struct {
	name, dir, handler string
	runtime            string // default nodejs20.x
	env                map[string]string
	timeout            time.Duration
	memory             int
	logFormat          string
	logLevel           string
	check              func(t *testing.T, e *env, fn string)
}

func (c nodeCase) config() functions.Config {
	rt := c.runtime
	if rt == "" {
		rt = "nodejs20.x"
	}
	dir := c.dir
	if dir == "" {
		dir = "basic"
	}
	return functions.Config{Name: c.name, Runtime: rt, Handler: c.handler, Dir: "testdata/node/" + dir, Env: c.env,
		Timeout: c.timeout, MemorySize: c.memory, LogFormat: c.logFormat, LogLevel: c.logLevel, Concurrency: 2}
}

// result returns a check that one invocation with payload succeeds with want.
func result(payload, want string) func(t *testing.T, e *env, fn string) {
	return func(t *testing.T, e *env, fn string) {
		succeeded(t, e.invoke(t, &functions.Invocation{FunctionName: fn, Payload: []byte(payload)}), want)
	}
}

// nodeError returns a check that one invocation fails with errorType,
// errorMessage (a prefix when it ends in "…") and, if not empty, the first
// trace line.
func nodeError(typ, msg, trace0 string) func(t *testing.T, e *env, fn string) {
	return func(t *testing.T, e *env, fn string) {
		checkNodeError(t, e.invoke(t, &functions.Invocation{FunctionName: fn}), typ, msg, trace0)
	}
}

func checkNodeError(t *testing.T, res *functions.Result, typ, msg, trace0 string) {
	t.Helper()
	got := failed(t, res)
	if got.ErrorType != typ {
		t.Errorf("errorType = %q; want %q (body %s)", got.ErrorType, typ, res.Payload)
	}
	if p, ok := strings.CutSuffix(msg, "…"); ok {
		if !strings.HasPrefix(got.ErrorMessage, p) {
			t.Errorf("errorMessage = %q; want it to start with %q", got.ErrorMessage, p)
		}
	} else if got.ErrorMessage != msg {
		t.Errorf("errorMessage = %q; want %q", got.ErrorMessage, msg)
	}
	if got.Trace == nil {
		t.Errorf("no trace in %s", res.Payload)
	}
	if trace0 != "" && (len(got.Trace) == 0 || got.Trace[0] != trace0) {
		t.Errorf("trace = %q; want it to start with %q", got.Trace, trace0)
	}
}

// TestNode runs the Node.js acceptance cases of the managed runtimes on the
// machine's own node.
func TestNode(t *testing.T) {
	needInterpreter(t, "node")
	t.Parallel()
	basic := testdata(t, "node", "basic")
	cases := []nodeCase{
		{name: "N1", dir: "esm", handler: "index.handler", check: result(`{"x":"hi"}`, `{"statusCode":200,"body":"hi"}`)},
		{name: "N2", handler: "index.n2", check: result(`{}`, `"ok"`)},
		{name: "N3", handler: "index.n3", check: result(`{}`, `null`)},
		{name: "N4", handler: "index.n4", check: result(`{}`, `null`)},
		{name: "N5", handler: "index.n5", check: result(`{}`, `7`)},
		{name: "N6", handler: "index.n6", check: func(t *testing.T, e *env, fn string) {
			succeeded(t, e.invoke(t, &functions.Invocation{FunctionName: fn}), `{"a":1}`)
			if i := index(e.logs.of(fn), "WARN: AWS Lambda has removed support for callback-based function handlers"); i >= 0 {
				t.Errorf("warning printed raw, without the log prefix")
			}
			re := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\tundefined\tWARN\tWARN: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24\.`)
			if !e.logs.waitFor(fn, re.MatchString) {
				t.Errorf("no callback warning at init in %q", e.logs.of(fn))
			}
		}},
		{name: "N6-quiet", handler: "index.n6", env: map[string]string{"AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING": "1"}, check: func(t *testing.T, e *env, fn string) {
			succeeded(t, e.invoke(t, &functions.Invocation{FunctionName: fn}), `{"a":1}`)
			for _, m := range e.logs.of(fn) {
				if strings.Contains(m, "callback-based") {
					t.Errorf("warning printed although disabled: %q", m)
				}
			}
		}},
		{name: "N7", handler: "index.n7", check: func(t *testing.T, e *env, fn string) {
			succeeded(t, e.invoke(t, &functions.Invocation{FunctionName: fn}), `"x"`)
			msgs := e.logs.of(fn)
			late, end := -1, index(msgs, "END RequestId:")
			for i, m := range msgs {
				if strings.HasSuffix(m, "\tINFO\tlate") {
					late = i
				}
			}
			if late < 0 || end < 0 || late > end {
				t.Errorf("want the timer's line before END (the callback waits for the event loop): %q", msgs)
			}
		}},
		{name: "N8", handler: "index.n8", check: func(t *testing.T, e *env, fn string) {
			succeeded(t, e.invoke(t, &functions.Invocation{FunctionName: fn}), `"x"`)
			if !e.logs.waitFor(fn, func(m string) bool { return strings.HasSuffix(m, "\tINFO\tlate") }) {
				t.Fatalf("the timer never ran: %q", e.logs.of(fn))
			}
			msgs := e.logs.of(fn)
			late := -1
			for i, m := range msgs {
				if strings.HasSuffix(m, "\tINFO\tlate") {
					late = i
				}
			}
			if end := index(msgs, "END RequestId:"); end < 0 || late < end {
				t.Errorf("want the timer's line after END (callbackWaitsForEmptyEventLoop = false): %q", msgs)
			}
		}},
		{name: "N9", handler: "index.n9", check: func(t *testing.T, e *env, fn string) {
			checkNodeError(t, e.invoke(t, &functions.Invocation{FunctionName: fn}), "Error", "bad", "Error: bad")
			re := regexp.MustCompile(`\tERROR\tInvoke Error \t\{"errorType":"Error","errorMessage":"bad","stack":\["Error: bad",`)
			if !e.logs.waitFor(fn, re.MatchString) {
				t.Errorf("no Invoke Error line in %q", e.logs.of(fn))
			}
		}},
		{name: "N10", handler: "index.n10", check: result2(`{"errorType":"string","errorMessage":"oops","trace":[]}`)},
		{name: "N11-succeed", handler: "index.n11a", check: result(`{}`, `{"a":1}`)},
		{name: "N11-fail", handler: "index.n11b", check: result2(`{"errorType":"string","errorMessage":"handled","trace":[]}`)},
		{name: "N11-done", handler: "index.n11c", check: result(`{}`, `"r"`)},
		{name: "N12", handler: "index.n12", check: result(`{}`, `"a"`)},
		{name: "N13", handler: "index.n13", check: nodeError("TypeError", "t", "TypeError: t")},
		{name: "N14", handler: "index.n14a", check: nodeError("Error", "v", "Error: v")},
		{name: "N14-named", handler: "index.n14b", check: nodeError("ValidationError", "v", "ValidationError: v")},
		{name: "N15", handler: "index.n15", check: result2(`{"errorType":"object","errorMessage":"[object Object]","trace":[]}`)},
		{name: "N16", handler: "index.n16", check: func(t *testing.T, e *env, fn string) {
			for range 2 {
				checkNodeError(t, e.invoke(t, &functions.Invocation{FunctionName: fn}), "Runtime.NodeJsExit",
					"The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes", "")
			}
			if n := len(startedLines(e, fn)); n != 1 {
				t.Errorf("%d processes started; want 1 (the process stays warm)", n)
			}
		}},
		{name: "N17", handler: "index.n17", timeout: time.Second, check: func(t *testing.T, e *env, fn string) {
			res := e.invoke(t, &functions.Invocation{FunctionName: fn})
			if got := failed(t, res); !strings.Contains(got.ErrorMessage, "Task timed out after 1.00 seconds") {
				t.Errorf("error = %+v; want the timeout", got)
			}
			succeededish := e.invoke(t, &functions.Invocation{FunctionName: fn})
			failed(t, succeededish)
			if n := len(startedLines(e, fn)); n != 2 {
				t.Errorf("%d processes started; want 2 (a timed-out instance is replaced)", n)
			}
		}},
		{name: "N18", handler: "index.n18", check: func(t *testing.T, e *env, fn string) {
			checkNodeError(t, e.invoke(t, &functions.Invocation{FunctionName: fn, Payload: []byte(`{"boom":true}`)}), "Error", "boom", "Error: boom")
			if !e.logs.waitFor(fn, func(m string) bool {
				return strings.Contains(m, "\tERROR\tUncaught Exception \t{\"errorType\":\"Error\",\"errorMessage\":\"boom\"")
			}) {
				t.Errorf("no Uncaught Exception line in %q", e.logs.of(fn))
			}
			succeeded(t, e.invoke(t, &functions.Invocation{FunctionName: fn}), `1`)
			if reports := reportLines(e, fn); len(reports) != 2 || !strings.Contains(reports[1], "Init Duration") {
				t.Errorf("REPORT lines %q; want the second to show a new init", reports)
			}
		}},
		{name: "N19", handler: "index.n19", check: nodeError("Runtime.UnhandledPromiseRejection", "Error: r", "Runtime.UnhandledPromiseRejection: Error: r")},
		{name: "N20", handler: "index.n20", check: func(t *testing.T, e *env, fn string) {
			res := e.invoke(t, &functions.Invocation{FunctionName: fn})
			if got := failed(t, res); got.ErrorType != "Runtime.ExitError" || got.ErrorMessage != "RequestId: "+res.RequestID+" Error: Runtime exited with error: exit status 3" {
				t.Errorf("error = %s", res.Payload)
			}
		}},
		{name: "N21", handler: "index.n21a", check: nodeError("Error", "Unable to stringify response body", "Error: Unable to stringify response body")},
		{name: "N21-bigint", handler: "index.n21b", check: nodeError("Error", "Unable to stringify response body", "")},
		{name: "N22", handler: "index.n22", check: result(`{}`, `{"d":"1970-01-01T00:00:00.000Z","n":null}`)},
		{name: "N23", handler: "lib/app.handlers.get", check: result(`{}`, `"g"`)},
		{name: "N24", dir: "typemodule", handler: "index.handler", check: result(`{}`, `{"flag":true}`)},
		{name: "N25-js-before-mjs", dir: "prec1", handler: "p.handler", check: result(`{}`, `"js"`)},
		{name: "N25-mjs-before-cjs", dir: "prec2", handler: "p.handler", check: result(`{}`, `"mjs"`)},
		{name: "N25-extensionless", dir: "prec3", handler: "p.handler", check: result(`{}`, `"extensionless"`)},
		{name: "N26", handler: "app.handler", check: result(`{}`, `"cjs"`)},
		{name: "N27", handler: "nope.handler", check: func(t *testing.T, e *env, fn string) {
			for range 2 {
				res := e.invoke(t, &functions.Invocation{FunctionName: fn})
				got := failed(t, res)
				re := regexp.MustCompile(`^Error: Cannot find module 'nope'\nRequire stack:\n- ` + regexp.QuoteMeta(e.dataDir) + `/runtime/[0-9a-f]{12}/index\.mjs$`)
				if got.ErrorType != "Runtime.ImportModuleError" || !re.MatchString(got.ErrorMessage) {
					t.Errorf("error = %s", res.Payload)
				}
				if len(got.Trace) == 0 || got.Trace[0] != "Runtime.ImportModuleError: Error: Cannot find module 'nope'" {
					t.Errorf("trace = %q", got.Trace)
				}
			}
			re := regexp.MustCompile(`\tundefined\tERROR\tUncaught Exception \t\{"errorType":"Runtime.ImportModuleError","errorMessage":"Error: Cannot find module 'nope'`)
			if !e.logs.waitFor(fn, re.MatchString) {
				t.Errorf("no init error line in %q", e.logs.of(fn))
			}
			if n := len(startedLines(e, fn)); n != 2 {
				t.Errorf("%d processes started; want 2 (a failed init is retried by the next request)", n)
			}
		}},
		{name: "N28", handler: "needs.handler", check: nodeError("Runtime.ImportModuleError", "Error: Cannot find module 'left-pad'\nRequire stack:\n- "+basic+"/needs.js…", "")},
		{name: "N29", handler: "needsesm.handler", check: nodeError("Error", "Cannot find package 'left-pad' imported from "+basic+"/needsesm.mjs", "")},
		{name: "N30", handler: "bad.handler", check: nodeError("Runtime.UserCodeSyntaxError", "SyntaxError: Unexpected token '}'", "")},
		{name: "N31-module-exports", handler: "modexp.handler", check: nodeError("Runtime.HandlerNotFound", "modexp.handler is undefined or not exported", "")},
		{name: "N31-not-a-function", handler: "num.handler", check: nodeError("Runtime.HandlerNotFound", "num.handler is not a function", "")},
		{name: "N32-no-dot", handler: "index", check: nodeError("Runtime.MalformedHandlerName", "Bad handler", "")},
		{name: "N32-dotdot", handler: "../x.handler", check: nodeError("Runtime.MalformedHandlerName", "'../x.handler' is not a valid handler name. Use absolute paths when specifying root directories in handler names.", "")},
		{name: "N33", handler: "throws.handler", check: nodeError("RangeError", "top", "RangeError: top")},
		{name: "N34", dir: "dirclash", handler: "hello.handler", check: func(t *testing.T, e *env, fn string) {
			// Lambda's Node.js takes the directory and fails; a Node.js that
			// can require() an ES module finds hello.js through it and works.
			// Either way apigw names the directory.
			res := e.invoke(t, &functions.Invocation{FunctionName: fn})
			if res.FunctionError != "" {
				checkNodeError(t, res, "Runtime.ImportModuleError", "Error: …", "")
			} else {
				succeeded(t, res, `"file"`)
			}
			if !e.logs.waitFor(fn, func(m string) bool { return strings.Contains(m, "testdata/node/dirclash/hello is a directory") }) {
				t.Errorf("no hint about the directory in %q", e.logs.of(fn))
			}
		}},
		{name: "N35", handler: "index.n35", memory: 256, check: func(t *testing.T, e *env, fn string) {
			res := e.invoke(t, &functions.Invocation{FunctionName: fn})
			var s string
			if err := json.Unmarshal(res.Payload, &s); err != nil {
				t.Fatalf("%s: %v", res.Payload, err)
			}
			re := regexp.MustCompile(`^\{"callbackWaitsForEmptyEventLoop":true,"functionVersion":"\$LATEST","functionName":"N35","memoryLimitInMB":"256","logGroupName":"/aws/lambda/N35","logStreamName":"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}","invokedFunctionArn":"arn:aws:lambda:us-east-1:000000000000:function:N35","awsRequestId":"` + res.RequestID + `"\}$`)
			if !re.MatchString(s) {
				t.Errorf("JSON.stringify(context) = %s", s)
			}
		}},
		{name: "N36", handler: "index.n36", timeout: 3 * time.Second, check: func(t *testing.T, e *env, fn string) {
			res := e.invoke(t, &functions.Invocation{FunctionName: fn})
			var got []*float64
			if err := json.Unmarshal(res.Payload, &got); err != nil || len(got) != 3 || got[0] == nil || got[2] == nil {
				t.Fatalf("%s: %v", res.Payload, err)
			}
			if first, last := *got[0], *got[2]; first > 3000 || first <= 0 || last > first-200 {
				t.Errorf("remaining times %v, %v; want the first within the 3 s timeout and the last at least 200 ms less", first, last)
			}
		}},
		{name: "N37", handler: "index.n37", check: func(t *testing.T, e *env, fn string) {
			res := e.invoke(t, &functions.Invocation{FunctionName: fn})
			succeeded(t, res, "null")
			prefix := `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t` + res.RequestID + `\t`
			for _, want := range []string{"INFO\ta\nb { x: 1 }", "WARN\tw", "ERROR\te", "DEBUG\td", "TRACE\tt"} {
				re := regexp.MustCompile(prefix + regexp.QuoteMeta(want) + `$`)
				if !e.logs.waitFor(fn, re.MatchString) {
					t.Errorf("no line %q in %q", want, e.logs.of(fn))
				}
			}
		}},
		{name: "N38", handler: "index.n37", logFormat: "JSON", logLevel: "WARN", check: func(t *testing.T, e *env, fn string) {
			res := e.invoke(t, &functions.Invocation{FunctionName: fn})
			var levels []string
			for _, m := range e.logs.of(fn) {
				var r struct{ Timestamp, Level, RequestID, Message string }
				if json.Unmarshal([]byte(m), &r) == nil && r.Level != "" {
					if r.RequestID != res.RequestID || r.Timestamp == "" {
						t.Errorf("record %s", m)
					}
					levels = append(levels, r.Level+":"+r.Message)
				}
			}
			if strings.Join(levels, ",") != "WARN:w,ERROR:e" {
				t.Errorf("JSON records %q; want WARN w and ERROR e only", levels)
			}
		}},
		{name: "N39", handler: "index.n39", check: func(t *testing.T, e *env, fn string) {
			res := e.invoke(t, &functions.Invocation{FunctionName: fn, TraceID: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"})
			succeeded(t, res, `["Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1","AWS_Lambda_nodejs20.x","index.n39",true,"`+basic+`",":UTC"]`)
		}},
		{name: "N40", handler: "index.n40", check: func(t *testing.T, e *env, fn string) {
			cc := base64.StdEncoding.EncodeToString([]byte(`{"custom":{"k":"v"}}`))
			succeeded(t, e.invoke(t, &functions.Invocation{FunctionName: fn, ClientContext: cc}), `[{"custom":{"k":"v"}},null]`)
		}},
		{name: "N41", handler: "index.n6", runtime: "nodejs24.x", check: nodeError("Runtime.CallbackHandlerDeprecated",
			"ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.", "")},
		{name: "N42", handler: "index.n42", check: result(`{"rawPath":"/hi"}`, `{"statusCode":201,"body":"/hi"}`)},
		{name: "H6", handler: "index.pid", check: samePID},
		{name: "flood", handler: "index.flood", check: func(t *testing.T, e *env, fn string) {
			succeeded(t, e.invoke(t, &functions.Invocation{FunctionName: fn}), `"flooded"`)
			succeeded(t, e.invoke(t, &functions.Invocation{FunctionName: fn}), `"flooded"`)
		}},
		{name: "H7", handler: "index.n2", env: map[string]string{"AWS_LAMBDA_EXEC_WRAPPER": "./missing.sh"}, check: func(t *testing.T, e *env, fn string) {
			res := e.invoke(t, &functions.Invocation{FunctionName: fn})
			if got := failed(t, res); got.ErrorType != "Runtime.ExitError" || !strings.HasSuffix(got.ErrorMessage, "exit status 127") {
				t.Errorf("error = %s", res.Payload)
			}
			if index(e.logs.of(fn), "./missing.sh: does not exist") < 0 {
				t.Errorf("no wrapper line in %q", e.logs.of(fn))
			}
		}},
	}
	cfgs := make([]functions.Config, len(cases))
	for i, c := range cases {
		cfgs[i] = c.config()
	}
	e := newEnv(t, functions.Options{}, cfgs...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.check(t, e, c.name)
		})
	}
}

// result2 returns a check that one invocation fails with exactly body.
func result2(body string) func(t *testing.T, e *env, fn string) {
	return func(t *testing.T, e *env, fn string) {
		res := e.invoke(t, &functions.Invocation{FunctionName: fn})
		if res.FunctionError != functions.FunctionErrorUnhandled || string(res.Payload) != body {
			t.Errorf("result = %s (%q); want error %s", res.Payload, res.FunctionError, body)
		}
	}
}

// samePID checks that two invocations in a row run in one process (warm
// reuse).
func samePID(t *testing.T, e *env, fn string) {
	a := e.invoke(t, &functions.Invocation{FunctionName: fn})
	b := e.invoke(t, &functions.Invocation{FunctionName: fn})
	if a.FunctionError != "" || string(a.Payload) != string(b.Payload) {
		t.Errorf("pids %s, %s; want one warm process", a.Payload, b.Payload)
	}
}

func startedLines(e *env, fn string) []string {
	var out []string
	for _, m := range e.logs.of(fn) {
		if m == "function instance started" {
			out = append(out, m)
		}
	}
	return out
}

func reportLines(e *env, fn string) []string {
	var out []string
	for _, m := range e.logs.of(fn) {
		if strings.HasPrefix(m, "REPORT ") {
			out = append(out, m)
		}
	}
	return out
}
