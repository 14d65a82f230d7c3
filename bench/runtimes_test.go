package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/functions"
	"github.com/apigwdev/apigw/internal/functions/runtimes"
)

// runtimeLangs are the two managed-runtime languages the benchmarks run,
// with the interpreter each needs, the runtime identifier and the command
// that calls the same handler in-process.
var runtimeLangs = []struct {
	name, interpreter, runtime string
	inProcess                  []string // + event file, iterations
}{
	{"node", "node", "nodejs20.x", []string{"node", "inprocess.mjs"}},
	{"python", "python3", "python3.11", []string{"python3", "inprocess.py"}},
}

// runtimeGateway serves, on ephemeral ports, the node and python handlers
// of testdata/runtimes behind POST /{lang}/{id} (payload 2.0), plus the
// routes that capture the event they get and report their process id.
func runtimeGateway(b *testing.B) *app.Gateway {
	b.Helper()
	dir := b.TempDir()
	root, err := filepath.Abs("testdata/runtimes")
	if err != nil {
		b.Fatal(err)
	}
	var doc, fns strings.Builder
	doc.WriteString("openapi: \"3.0.1\"\ninfo: {title: bench, version: \"1\"}\npaths:\n")
	fns.WriteString("functions:\n")
	for _, l := range runtimeLangs {
		for _, p := range []string{"/" + l.name + "/{id}", "/cap" + l.name + "/{id}", "/pid/" + l.name} {
			fmt.Fprintf(&doc, "  %s:\n    post:\n      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, payloadFormatVersion: \"2.0\", uri: \"arn:aws:lambda:us-east-1:000000000000:function:%s\"}\n", p, l.name)
		}
		fmt.Fprintf(&fns, "  %s: {runtime: %s, handler: app.handler, dir: %q, concurrency: 1}\n", l.name, l.runtime, filepath.Join(root, l.name))
	}
	files := map[string]string{"api.yaml": doc.String(), "apigw.yaml": fns.String() + "apis:\n  - {id: bench00002, openapi: ./api.yaml, default: true}\n"}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	cfg, err := config.Load(filepath.Join(dir, "apigw.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	if err := cfg.Apply(config.Overrides{Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: filepath.Join(dir, ".apigw")}); err != nil {
		b.Fatal(err)
	}
	g, err := app.New(cfg, app.Options{Stderr: io.Discard, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	if err := g.Start(); err != nil {
		g.Close()
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := g.Shutdown(ctx); err != nil {
			b.Errorf("shutdown: %v", err)
		}
	})
	return g
}

// BenchmarkRuntimeWarm measures a warm invocation of a Node.js and a Python
// function through the gateway at one connection (the request of
// BenchmarkLambdaGateway), and reports, besides ns/op: the median and 99th
// percentile latency (p50-ns, p99-ns); the median of the same handler
// called in-process in its own language with the event the gateway sends,
// its result serialised (inproc-p50-ns); their difference, the overhead
// apigw adds (added-p50-ns); and the resident memory of the warm function
// process (rss-MB).
func BenchmarkRuntimeWarm(b *testing.B) {
	for _, l := range runtimeLangs {
		b.Run(l.name, func(b *testing.B) {
			if _, err := exec.LookPath(l.interpreter); err != nil {
				b.Skipf("%s is not on PATH", l.interpreter)
			}
			g := runtimeGateway(b)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			b.Cleanup(client.CloseIdleConnections)
			url := g.DataURL() + "/" + l.name + "/42?verbose=1"
			if got := string(lambdaRoundTrip(b, client, url)); !strings.Contains(got, `"received":`) { // cold start, and a check
				b.Fatalf("body %s", got)
			}
			took := make([]time.Duration, 0, 1024)
			for b.Loop() {
				start := time.Now()
				lambdaRoundTrip(b, client, url)
				took = append(took, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(took)
			p50 := float64(took[len(took)/2])
			b.ReportMetric(p50, "p50-ns")
			b.ReportMetric(float64(took[len(took)*99/100]), "p99-ns")

			var captured struct {
				Event json.RawMessage `json:"event"`
			}
			if err := json.Unmarshal(lambdaRoundTrip(b, client, g.DataURL()+"/cap"+l.name+"/42?verbose=1"), &captured); err != nil {
				b.Fatal(err)
			}
			event := filepath.Join(b.TempDir(), "event.json")
			if err := os.WriteFile(event, bytes.ReplaceAll(captured.Event, []byte("/cap"+l.name+"/"), []byte("/"+l.name+"/")), 0o644); err != nil {
				b.Fatal(err)
			}
			cmd := exec.Command(l.inProcess[0], append(l.inProcess[1:], event, "20000")...)
			cmd.Dir = filepath.Join("testdata", "runtimes", l.name)
			out, err := cmd.Output()
			if err != nil {
				b.Fatalf("%v: %v", cmd.Args, err)
			}
			fields := strings.Fields(string(out))
			inproc, err := strconv.ParseFloat(fields[0], 64)
			if err != nil || len(fields) != 2 {
				b.Fatalf("in-process run printed %q", out)
			}
			b.ReportMetric(inproc, "inproc-p50-ns")
			b.ReportMetric(p50-inproc, "added-p50-ns")

			pid := strings.TrimSpace(string(lambdaRoundTrip(b, client, g.DataURL()+"/pid/"+l.name)))
			if rss, err := rssMB(pid); err == nil {
				b.ReportMetric(rss, "rss-MB")
			}
		})
	}
}

// rssMB reads a process's resident set size (Linux).
func rssMB(pid string) (float64, error) {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %s", pid)
}

// BenchmarkRuntimeColdStart measures a cold start to the first answer of a
// Node.js and a Python function: each iteration retires the warm instance
// (functions.Manager.Restart, untimed) and times one invocation, which
// starts the interpreter, loads the bootstrap and the handler, and answers.
// It reports the median (p50-ms) besides ns/op, and the median start of the
// bare interpreter running an empty program (floor-p50-ms: `node -e 0`,
// `python3 -c pass`, measured between the iterations), the part of a cold
// start that no bootstrap can remove.
func BenchmarkRuntimeColdStart(b *testing.B) {
	for _, l := range runtimeLangs {
		b.Run(l.name, func(b *testing.B) {
			if _, err := exec.LookPath(l.interpreter); err != nil {
				b.Skipf("%s is not on PATH", l.interpreter)
			}
			m, err := functions.New(functions.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), DataDir: b.TempDir()},
				[]functions.Config{{Name: l.name, Runtime: l.runtime, Handler: "app.handler", Dir: filepath.Join("testdata", "runtimes", l.name), Concurrency: 1}})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = m.Close(context.Background()) })
			ctx := context.Background()
			in := &functions.Invocation{FunctionName: l.name, Payload: []byte(`{"rawPath":"/` + l.name + `/1","routeKey":"POST /x","body":"{}","pathParameters":{"id":"1"}}`)}
			rt, err := runtimes.Lookup(l.runtime)
			if err != nil {
				b.Fatal(err)
			}
			found := runtimes.Discover(ctx, rt, runtimes.DiscoverOptions{})
			if found.Err != nil {
				b.Fatal(found.Err)
			}
			empty := []string{"-e", "0"}
			if l.name == "python" {
				empty = []string{"-c", "pass"}
			}
			var took, floor []time.Duration
			for b.Loop() {
				b.StopTimer()
				if err := m.Restart(ctx, l.name); err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				if err := exec.Command(found.Interpreter.Path, empty...).Run(); err != nil {
					b.Fatal(err)
				}
				floor = append(floor, time.Since(start))
				time.Sleep(50 * time.Millisecond) // let the retired process go
				b.StartTimer()
				start = time.Now()
				res, err := m.Invoke(ctx, in)
				took = append(took, time.Since(start))
				if err != nil || res.FunctionError != "" {
					b.Fatalf("invoke: %v %s", err, res.Payload)
				}
			}
			slices.Sort(took)
			slices.Sort(floor)
			b.ReportMetric(float64(took[len(took)/2])/1e6, "p50-ms")
			b.ReportMetric(float64(floor[len(floor)/2])/1e6, "floor-p50-ms")
		})
	}
}
