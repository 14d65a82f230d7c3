package runtimes_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/functions/runtimes"
)

// TestBootstrapsSecretPathAndChunked runs each bootstrap directly against a
// fake Runtime API that only answers under a secret path prefix
// (AWS_LAMBDA_RUNTIME_API=host:port/secret, the form the gateway uses where
// it cannot check the caller's process) and sends the event chunked: the
// bootstraps' hand-written HTTP clients must handle both.
func TestBootstrapsSecretPathAndChunked(t *testing.T) {
	for _, c := range []struct{ interpreter, runtime, dir, handler, want string }{
		{"node", "nodejs20.x", "testdata/node/basic", "index.echo", `{"n":1}`},
		{"python3", "python3.11", "testdata/python/basic", "app.echo", `{"n": 1}`},
	} {
		t.Run(c.interpreter, func(t *testing.T) {
			needInterpreter(t, c.interpreter)
			t.Parallel()
			var (
				mu      sync.Mutex
				nexts   int
				got     string
				strayed []string
			)
			done := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				const base = "/secret/2018-06-01/runtime"
				switch {
				case r.Method == "GET" && r.URL.Path == base+"/invocation/next":
					mu.Lock()
					nexts++
					n := nexts
					mu.Unlock()
					if n > 1 {
						http.Error(w, "no more events", http.StatusInternalServerError) // the runtime must exit
						return
					}
					w.Header().Set("Lambda-Runtime-Aws-Request-Id", "req-1")
					w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10))
					w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:f")
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusOK)
					w.(http.Flusher).Flush() // no Content-Length: the body is chunked
					_, _ = io.WriteString(w, `{"n"`)
					w.(http.Flusher).Flush()
					_, _ = io.WriteString(w, `:1}`)
				case r.Method == "POST" && r.URL.Path == base+"/invocation/req-1/response":
					b, _ := io.ReadAll(r.Body)
					mu.Lock()
					got = string(b)
					mu.Unlock()
					w.WriteHeader(http.StatusAccepted)
					_, _ = io.WriteString(w, `{"status":"OK"}`)
					close(done)
				default:
					// After the failed /next, Node.js reports the error against the
					// last invocation (as AWS's client does), which the real server
					// refuses; anything outside the prefix is a bug.
					if !strings.HasPrefix(r.URL.Path, "/secret/2018-06-01/runtime/") {
						mu.Lock()
						strayed = append(strayed, r.Method+" "+r.URL.Path)
						mu.Unlock()
					}
					http.Error(w, `{"errorType":"InvalidRequestID"}`, http.StatusBadRequest)
				}
			}))
			defer srv.Close()

			rt, err := runtimes.Lookup(c.runtime)
			if err != nil {
				t.Fatal(err)
			}
			found := runtimes.Discover(t.Context(), rt, runtimes.DiscoverOptions{})
			if found.Err != nil {
				t.Fatal(found.Err)
			}
			runtimeDir, err := runtimes.Extract(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			dir := testdata(t, strings.Split(c.dir, "/")[1:]...)
			spec := runtimes.Spec{Runtime: rt, Handler: c.handler, Interpreter: found.Interpreter.Path, RuntimeDir: runtimeDir, TaskRoot: dir, MemorySize: 128}
			argv := spec.Command()
			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Dir = dir
			cmd.Env = append(spec.Environ(os.Getenv("PATH")),
				"AWS_LAMBDA_RUNTIME_API="+strings.TrimPrefix(srv.URL, "http://")+"/secret", "LAMBDA_TASK_ROOT="+dir, "HOME="+os.Getenv("HOME"))
			out, err := cmd.CombinedOutput()
			select {
			case <-done:
			default:
				t.Fatalf("no response posted; exit %v; output:\n%s", err, out)
			}
			if err == nil {
				t.Errorf("the runtime exited 0 after the Runtime API failed; want a failure")
			}
			mu.Lock()
			defer mu.Unlock()
			if got != c.want || len(strayed) > 0 {
				t.Errorf("response %q, requests outside the prefix %q; want %q and none", got, strayed, c.want)
			}
		})
	}
}
