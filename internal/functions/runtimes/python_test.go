package runtimes_test

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/functions"
	"github.com/apigwdev/apigw/internal/functions/runtimes"
)

// pyCase is one Python acceptance case, as nodeCase.
type pyCase struct {
	name, handler string
	runtime       string // default python3.11
	interpreter   string
	timeout       time.Duration
	logFormat     string
	logLevel      string
	check         func(t *testing.T, e *env, fn string)
}

// pyError returns a check that one invocation fails with exactly the body
// of errorType and message, requestId being the invocation's ("" for init
// errors when init is true) and the stack trace as given (nil: not
// compared).
func pyError(typ, msg string, init bool, stack []string) func(t *testing.T, e *env, fn string) {
	return func(t *testing.T, e *env, fn string) {
		res := e.invoke(t, &functions.Invocation{FunctionName: fn})
		checkPyError(t, res, typ, msg, init, stack)
	}
}

func checkPyError(t *testing.T, res *functions.Result, typ, msg string, init bool, stack []string) lambdaError {
	t.Helper()
	got := failed(t, res)
	wantID := res.RequestID
	if init {
		wantID = ""
	}
	if got.ErrorType != typ || got.ErrorMessage != msg || got.RequestID == nil || *got.RequestID != wantID || got.StackTrace == nil {
		t.Errorf("error body %s; want errorType %q, errorMessage %q, requestId %q", res.Payload, typ, msg, wantID)
	}
	if stack != nil && strings.Join(got.StackTrace, "|") != strings.Join(stack, "|") {
		t.Errorf("stackTrace = %q; want %q", got.StackTrace, stack)
	}
	// Python's encoder: ", " and ": " separators, keys in this order.
	if !strings.HasPrefix(string(res.Payload), `{"errorMessage": `) || !strings.Contains(string(res.Payload), `, "errorType": `) {
		t.Errorf("error body %s is not encoded as the Python runtime does", res.Payload)
	}
	return got
}

// TestPython runs the Python acceptance cases of the managed runtimes on
// the machine's own python3.
func TestPython(t *testing.T) {
	needInterpreter(t, "python3")
	t.Parallel()
	dir := testdata(t, "python", "basic")
	cases := []pyCase{
		{name: "P1", handler: "app.p1", check: result(`{"x":"hi"}`, `{"statusCode": 200, "body": "hi"}`)},
		{name: "P2", handler: "app.p2", check: result(`{}`, `null`)},
		{name: "P3", handler: "app.p3", check: result(`{}`, `"ok"`)},
		{name: "P4", handler: "app.p4", check: result(`{}`, `{"m": "\u00e9\ud83d\ude00"}`)},
		{name: "P4-312", handler: "app.p4", runtime: "python3.12", check: result(`{}`, `{"m": "é😀"}`)},
		{name: "P5", handler: "app.p5", check: result(`{}`, `{"d": 1.10, "e": 1E+2}`)},
		{name: "P6", handler: "app.p6", check: result(`{}`, `{"body": "aGk="}`)},
		{name: "P7", handler: "app.p7", check: result(`{}`, "raw\x00")},
		{name: "P8", handler: "app.p8", check: result(`{}`, `{"x": 1, "y": 2}`)},
		{name: "P9", handler: "app.p9", check: result(`{}`, `{"f": NaN}`)},
		{name: "P10", handler: "app.p10", check: pyError("Runtime.MarshalError", "Unable to marshal response: Object of type set is not JSON serializable", false, []string{})},
		{name: "P11", handler: "app.p11", check: pyError("Exception", "boom", false, []string{`  File "` + dir + `/app.py", line 4, in p11` + "\n" + `    raise Exception("boom")` + "\n"})},
		{name: "P12", handler: "app.p12", check: pyError("KeyError", "'action'", false, nil)},
		{name: "P13", handler: "app.p13", check: func(t *testing.T, e *env, fn string) {
			checkPyError(t, e.invoke(t, &functions.Invocation{FunctionName: fn}), "ValueError", "", false, nil)
			want := "[ERROR] ValueError\nTraceback (most recent call last):\n\u00a0\u00a0File \"" + dir + "/app.py\""
			if !e.logs.waitFor(fn, func(m string) bool { return strings.HasPrefix(m, want) }) {
				t.Errorf("no error log %q in %q", want, e.logs.of(fn))
			}
		}},
		{name: "P14", handler: "app.p11", check: func(t *testing.T, e *env, fn string) {
			e.invoke(t, &functions.Invocation{FunctionName: fn})
			want := "[ERROR] Exception: boom\nTraceback (most recent call last):\n\u00a0\u00a0File \"" + dir + "/app.py\", line 4, in p11\n\u00a0\u00a0\u00a0\u00a0raise Exception(\"boom\")"
			if !e.logs.waitFor(fn, func(m string) bool { return m == want }) {
				t.Errorf("no error log %q in %q", want, e.logs.of(fn))
			}
		}},
		{name: "P15", handler: "nomod.handler", check: func(t *testing.T, e *env, fn string) {
			res := e.invoke(t, &functions.Invocation{FunctionName: fn})
			if want := `{"errorMessage": "Unable to import module 'nomod': No module named 'nomod'", "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}`; string(res.Payload) != want || res.FunctionError != "Unhandled" {
				t.Errorf("result %s; want %s", res.Payload, want)
			}
			want := "[ERROR] Runtime.ImportModuleError: Unable to import module 'nomod': No module named 'nomod'\nTraceback (most recent call last):"
			if !e.logs.waitFor(fn, func(m string) bool { return m == want }) {
				t.Errorf("no error log %q in %q", want, e.logs.of(fn))
			}
		}},
		{name: "P16", handler: "needs.handler", check: pyError("Runtime.ImportModuleError", "Unable to import module 'needs': No module named 'requests_not_here'", true, []string{})},
		{name: "P17", handler: "syn.handler", check: pyError("Runtime.UserCodeSyntaxError", "Syntax error in module 'syn': invalid syntax (syn.py, line 1)", true,
			[]string{`  File "` + dir + `/syn.py" Line 1` + "\n    x = = 1\n"})},
		{name: "P18", handler: "app.nothere", check: pyError("Runtime.HandlerNotFound", "Handler 'nothere' missing on module 'app'", true, []string{})},
		{name: "P19", handler: "app", check: pyError("Runtime.MalformedHandlerName", "Bad handler 'app': not enough values to unpack (expected 2, got 1)", true, []string{})},
		{name: "P20", handler: "sys.handler", check: pyError("Runtime.BuiltInModuleConflict", "Cannot use built-in module sys as a handler module", true, []string{})},
		{name: "P21", handler: "raises.handler", check: func(t *testing.T, e *env, fn string) {
			got := checkPyError(t, e.invoke(t, &functions.Invocation{FunctionName: fn}), "RuntimeError", "cfg", true, nil)
			if n := len(got.StackTrace); n == 0 || !strings.Contains(got.StackTrace[n-1], dir+`/raises.py", line 1, in <module>`) {
				t.Errorf("stackTrace = %q", got.StackTrace)
			}
		}},
		{name: "P22-slash", handler: "src/app.handler", check: result(`{}`, `"src"`)},
		{name: "P22-dot", handler: "src.app.handler", check: result(`{}`, `"src"`)},
		{name: "P23", handler: "pkg.mod.handler", check: result(`{}`, `"helped"`)},
		{name: "P24", handler: "app.p24", check: func(t *testing.T, e *env, fn string) {
			succeeded(t, e.invoke(t, &functions.Invocation{FunctionName: fn}), "1")
			msgs := e.logs.of(fn)
			if i := index(msgs, "a"); i < 0 || i+1 >= len(msgs) || msgs[i] != "a" || msgs[i+1] != "b" {
				t.Errorf("want raw lines a, b in %q", msgs)
			}
		}},
		{name: "P25", handler: "app.p25", check: func(t *testing.T, e *env, fn string) {
			res := e.invoke(t, &functions.Invocation{FunctionName: fn})
			var got []string
			for _, m := range e.logs.of(fn) {
				if strings.HasPrefix(m, "[") {
					got = append(got, m)
				}
			}
			re := regexp.MustCompile(`^\[(WARNING|INFO)\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t` + res.RequestID + `\t(w|j)$`)
			if len(got) != 2 || !re.MatchString(got[0]) || !re.MatchString(got[1]) || !strings.HasSuffix(got[0], "\tw") || !strings.HasSuffix(got[1], "\tj") {
				t.Errorf("log records %q; want [WARNING] w and [INFO] j only", got)
			}
		}},
		{name: "P26", handler: "app.p26", logFormat: "JSON", check: func(t *testing.T, e *env, fn string) {
			res := e.invoke(t, &functions.Invocation{FunctionName: fn})
			re := regexp.MustCompile(`^\{"timestamp": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "level": "WARNING", "message": "w", "logger": "root", "requestId": "` + res.RequestID + `", "k": 1\}$`)
			if !e.logs.waitFor(fn, re.MatchString) {
				t.Errorf("no JSON record in %q", e.logs.of(fn))
			}
		}},
		{name: "P27", handler: "app.p27", logFormat: "JSON", logLevel: "TRACE", check: func(t *testing.T, e *env, fn string) {
			e.invoke(t, &functions.Invocation{FunctionName: fn})
			if !e.logs.waitFor(fn, func(m string) bool { return strings.Contains(m, `"level": "DEBUG", "message": "d"`) }) {
				t.Errorf("no DEBUG record in %q", e.logs.of(fn))
			}
		}},
		{name: "P28", handler: "app.p28", check: result(`{}`, `["128", "$LATEST", null, null, null]`)},
		{name: "P29", handler: "app.p29", timeout: 3 * time.Second, check: func(t *testing.T, e *env, fn string) {
			res := e.invoke(t, &functions.Invocation{FunctionName: fn})
			if n, err := strconv.Atoi(string(res.Payload)); err != nil || n <= 0 || n > 2800 {
				t.Errorf("remaining time %s; want an integer within the timeout less the 200 ms slept", res.Payload)
			}
		}},
		{name: "P30", handler: "app.p30", check: func(t *testing.T, e *env, fn string) {
			res := e.invoke(t, &functions.Invocation{FunctionName: fn, TraceID: "Root=1-5759e988-bd862e3fe1be46a994272793"})
			re := regexp.MustCompile(`^\["Root=1-5759e988-bd862e3fe1be46a994272793", "AWS_Lambda_python3.11", "` + regexp.QuoteMeta(e.dataDir) + `/runtime/[0-9a-f]{12}", true\]$`)
			if !re.MatchString(string(res.Payload)) {
				t.Errorf("result %s", res.Payload)
			}
		}},
		{name: "P31", handler: "app.p31", check: func(t *testing.T, e *env, fn string) {
			res := e.invoke(t, &functions.Invocation{FunctionName: fn})
			if got := failed(t, res); got.ErrorType != "Runtime.ExitError" || got.ErrorMessage != "RequestId: "+res.RequestID+" Error: Runtime exited with error: exit status 2" {
				t.Errorf("error %s", res.Payload)
			}
			failed(t, e.invoke(t, &functions.Invocation{FunctionName: fn}))
			if n := len(startedLines(e, fn)); n != 2 {
				t.Errorf("%d processes started; want 2", n)
			}
		}},
		{name: "P32", handler: "app.p32", timeout: time.Second, check: func(t *testing.T, e *env, fn string) {
			res := e.invoke(t, &functions.Invocation{FunctionName: fn})
			if got := failed(t, res); !strings.Contains(got.ErrorMessage, "Task timed out after 1.00 seconds") {
				t.Errorf("error %s", res.Payload)
			}
			msgs := e.logs.of(fn)
			if b, to := index(msgs, "before"), indexContains(msgs, "Task timed out"); b < 0 || to < 0 || b > to {
				t.Errorf("want 'before' ahead of the timeout line (unbuffered output): %q", msgs)
			}
		}},
		{name: "P33", handler: "app.p33", check: func(t *testing.T, e *env, fn string) {
			succeeded(t, e.invoke(t, &functions.Invocation{FunctionName: fn, Qualifier: "live"}), `"arn:aws:lambda:us-east-1:000000000000:function:P33:live"`)
		}},
		{name: "P34", handler: "app.p34", check: func(t *testing.T, e *env, fn string) {
			for i := 1; i <= 3; i++ {
				succeeded(t, e.invoke(t, &functions.Invocation{FunctionName: fn}), strconv.Itoa(i))
			}
		}},
		{name: "P35", handler: "app.p35", check: func(t *testing.T, e *env, fn string) {
			e.invoke(t, &functions.Invocation{FunctionName: fn})
			if index(e.logs.of(fn), "xy") < 0 {
				t.Errorf("no line xy in %q", e.logs.of(fn))
			}
		}},
		{name: "P36", handler: "app.p36", check: pyError("Runtime.MarshalError", "Unable to marshal response: Object of type datetime is not JSON serializable", false, []string{})},
		{name: "client-context", handler: "app.client", check: func(t *testing.T, e *env, fn string) {
			cc := base64.StdEncoding.EncodeToString([]byte(`{"custom":{"k":"v"},"client":{"app_title":"t"}}`))
			succeeded(t, e.invoke(t, &functions.Invocation{FunctionName: fn, ClientContext: cc}), `[{"k": "v"}, "t"]`)
		}},
		{name: "H6", handler: "app.pid", check: samePID},
		{name: "flood", handler: "app.flood", check: func(t *testing.T, e *env, fn string) {
			succeeded(t, e.invoke(t, &functions.Invocation{FunctionName: fn}), `"flooded"`)
			succeeded(t, e.invoke(t, &functions.Invocation{FunctionName: fn}), `"flooded"`)
		}},
		{name: "H3", handler: "app.p3", interpreter: "/nonexistent/python3", check: func(t *testing.T, e *env, fn string) {
			res := e.invoke(t, &functions.Invocation{FunctionName: fn})
			if got := failed(t, res); got.ErrorType != "Runtime.InvalidEntrypoint" || !strings.Contains(got.ErrorMessage, "/nonexistent/python3") {
				t.Errorf("error %s", res.Payload)
			}
		}},
	}
	cfgs := make([]functions.Config, len(cases))
	for i, c := range cases {
		rt := c.runtime
		if rt == "" {
			rt = "python3.11"
		}
		cfgs[i] = functions.Config{Name: c.name, Runtime: rt, Handler: c.handler, Dir: "testdata/python/basic", Interpreter: c.interpreter,
			Timeout: c.timeout, LogFormat: c.logFormat, LogLevel: c.logLevel, Concurrency: 2}
	}
	e := newEnv(t, functions.Options{}, cfgs...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.check(t, e, c.name)
		})
	}
}

func indexContains(msgs []string, s string) int {
	for i, m := range msgs {
		if strings.Contains(m, s) {
			return i
		}
	}
	return -1
}

func mustRuntime(t *testing.T, id string) runtimes.Runtime {
	t.Helper()
	r, err := runtimes.Lookup(id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestPythonVersions checks the version policy with the machine's python3
// (H1, H2) and, when pyenv holds a Python 3.12, an interpreter given by path
// (H5).
func TestPythonVersions(t *testing.T) {
	needInterpreter(t, "python3")
	t.Parallel()
	found := runtimes.Discover(context.Background(), mustRuntime(t, "python3.11"), runtimes.DiscoverOptions{Interpreter: "python3"})
	if found.Err != nil {
		t.Fatal(found.Err)
	}
	// A runtime whose version python3 does not have.
	other := "python3.12"
	if found.Interpreter.Minor == 12 {
		other = "python3.11"
	}
	rt := mustRuntime(t, other)
	lenient := runtimes.Discover(context.Background(), rt, runtimes.DiscoverOptions{Interpreter: "python3"})
	if lenient.Err != nil || !strings.Contains(lenient.Warning, "runtime "+other+" but ") || !strings.Contains(lenient.Warning, found.Interpreter.Version) {
		t.Errorf("H1: %+v; want a warning naming %s and %s", lenient, other, found.Interpreter.Version)
	}
	strict := runtimes.Discover(context.Background(), rt, runtimes.DiscoverOptions{Interpreter: "python3", Strict: true})
	if strict.Err == nil {
		t.Errorf("H2: %+v; want a refusal", strict)
	}
	e := newEnv(t, functions.Options{StrictRuntimeVersions: true},
		functions.Config{Name: "strict", Runtime: other, Handler: "app.p3", Dir: "testdata/python/basic", Interpreter: "python3"})
	res := e.invoke(t, &functions.Invocation{FunctionName: "strict"})
	if got := failed(t, res); got.ErrorType != "Runtime.InvalidEntrypoint" || !strings.Contains(got.ErrorMessage, "strictRuntimeVersions") {
		t.Errorf("H2: %s", res.Payload)
	}

	home, _ := os.UserHomeDir()
	roots := []string{os.Getenv("PYENV_ROOT"), filepath.Join(home, ".pyenv")}
	var py312 string
	for _, r := range roots {
		if m, _ := filepath.Glob(filepath.Join(r, "versions", "3.12*", "bin", "python3")); r != "" && len(m) > 0 {
			py312 = m[0]
			break
		}
	}
	if py312 == "" {
		t.Log("H5 skipped: no pyenv Python 3.12")
		return
	}
	h5 := runtimes.Discover(context.Background(), mustRuntime(t, "python3.12"), runtimes.DiscoverOptions{Interpreter: py312})
	if h5.Err != nil || h5.Warning != "" || h5.Interpreter.Minor != 12 {
		t.Errorf("H5: %+v", h5)
	}
	e = newEnv(t, functions.Options{}, functions.Config{Name: "p312", Runtime: "python3.12", Handler: "app.p4", Dir: "testdata/python/basic", Interpreter: py312})
	succeeded(t, e.invoke(t, &functions.Invocation{FunctionName: "p312"}), `{"m": "é😀"}`)
}

// TestRuntimeClientAWSMissing: runtimeClient aws without AWS's client
// installed fails every invocation, never falling back to the builtin (H8).
func TestRuntimeClientAWSMissing(t *testing.T) {
	needInterpreter(t, "node")
	t.Parallel()
	e := newEnv(t, functions.Options{}, functions.Config{Name: "aws", Runtime: "nodejs20.x", Handler: "index.n2", Dir: "testdata/node/basic", RuntimeClient: "aws"})
	res := e.invoke(t, &functions.Invocation{FunctionName: "aws"})
	if got := failed(t, res); got.ErrorType != "Runtime.InvalidEntrypoint" || !strings.Contains(got.ErrorMessage, "aws-lambda-ric") {
		t.Errorf("%s", res.Payload)
	}
}
