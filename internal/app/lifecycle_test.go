package app_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/app"
	"github.com/apigwdev/apigw/internal/config"
	"github.com/apigwdev/apigw/internal/leaktest"
	"github.com/apigwdev/apigw/internal/store"
)

// The lifecycle tests start gateways that fail at each step (a port taken,
// a broken config, a broken store) and one that serves and stops, and check
// that nothing is left open: listeners, the store's file lock (a later
// store.Open of the data dir succeeds), function processes and goroutines.
// They are not parallel, so that the goroutines and processes they count are
// their own.

// lifecycleGateway writes a config with one local function behind one route
// into a fresh directory and loads it, listening on the given addresses.
func lifecycleGateway(t *testing.T, listen, adminListen string) (*config.Config, string) {
	t.Helper()
	dir := t.TempDir()
	doc := `openapi: "3.0.1"
info: {title: lifecycle, version: "1"}
paths:
  /echo:
    get:
      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, payloadFormatVersion: "2.0", uri: "` + fnARN("echo") + `"}
`
	cfgText := fmt.Sprintf("functions:\n  echo: {command: [%q]}\napis:\n  - id: lifecycle1\n    openapi: ./api.yaml\n    default: true\n", fnPath("echo"))
	for name, content := range map[string]string{"api.yaml": doc, "apigw.yaml": cfgText} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(filepath.Join(dir, "apigw.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Apply(config.Overrides{Listen: listen, AdminListen: adminListen, DataDir: filepath.Join(dir, ".apigw")}); err != nil {
		t.Fatal(err)
	}
	return cfg, cfg.DataDir
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// leakCheck records the goroutines that exist now; its check method fails
// the test if new ones of the gateway remain, among other resources.
type leakCheck struct {
	goroutines leaktest.Snapshot
}

func newLeakCheck() *leakCheck { return &leakCheck{goroutines: leaktest.Take()} }

// check fails t if, within a few seconds, goroutines of this module's
// packages started since newLeakCheck are still running, or a process of the
// test functions is still a child of this one, or addrs cannot be bound, or
// the store of dataDir cannot be opened.
func (lc *leakCheck) check(t *testing.T, dataDir string, addrs ...string) {
	t.Helper()
	leaked := leaktest.Leaked(lc.goroutines, 10*time.Second, "github.com/apigwdev/apigw/internal/")
	for _, s := range leaked {
		t.Errorf("goroutine left running:\n%s", s)
	}
	if pids := functionProcesses(t); len(pids) > 0 {
		t.Errorf("function processes left running: %v", pids)
	}
	for _, a := range addrs {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			t.Errorf("listener %s left open: %v", a, err)
			continue
		}
		ln.Close()
	}
	if dataDir != "" {
		s, err := store.Open(dataDir)
		if err != nil {
			t.Errorf("the store of %s is still held: %v", dataDir, err)
		} else {
			s.Close()
		}
	}
}

// functionProcesses lists the children of this process that run a test
// function (Linux: read from /proc; elsewhere nil).
func functionProcesses(t *testing.T) []int {
	t.Helper()
	if runtime.GOOS != "linux" {
		return nil
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		_, rest, ok := strings.Cut(string(stat), ") ")
		f := strings.Fields(rest)
		if !ok || len(f) < 2 || f[1] != strconv.Itoa(os.Getpid()) || f[0] == "Z" {
			continue
		}
		if exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err == nil && strings.HasPrefix(exe, bin) {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	return pids
}

func TestLifecyclePortTaken(t *testing.T) {
	lc := newLeakCheck()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dataAddr := freeAddr(t)
	cfg, dataDir := lifecycleGateway(t, dataAddr, taken.Addr().String())
	g, err := app.New(cfg, app.Options{Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	// The data plane listener is bound, then the admin listener fails.
	if err := g.Start(); err == nil || !strings.Contains(err.Error(), "admin listener") {
		t.Fatalf("Start = %v; want the admin listener's error", err)
	}
	lc.check(t, dataDir, dataAddr)
	g.Close() // a second release does nothing
}

func TestLifecycleBrokenConfig(t *testing.T) {
	lc := newLeakCheck()
	cfg, dataDir := lifecycleGateway(t, "127.0.0.1:0", "127.0.0.1:0")
	// A certificate file that does not exist fails New at its last step,
	// once the functions, the access logs and the store are open.
	missing := filepath.Join(t.TempDir(), "missing.pem")
	cfg.TLS = config.TLS{Listen: "127.0.0.1:0", Certificates: map[string]config.CertificateFiles{
		"arn:aws:acm:us-east-1:000000000000:certificate/x": {Cert: missing, Key: missing},
	}}
	if _, err := app.New(cfg, app.Options{Stderr: io.Discard}); err == nil {
		t.Fatal("New accepted a certificate file that does not exist")
	}
	lc.check(t, dataDir)
}

func TestLifecycleBrokenStore(t *testing.T) {
	lc := newLeakCheck()
	cfg, dataDir := lifecycleGateway(t, "127.0.0.1:0", "127.0.0.1:0")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dataDir, "apigw.db")
	if err := os.WriteFile(db, []byte("this is not a bbolt file, and it is long enough to be read as one"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := app.New(cfg, app.Options{Stderr: io.Discard}); err == nil {
		t.Fatal("New opened a broken store")
	}
	if err := os.Remove(db); err != nil {
		t.Fatal(err)
	}
	lc.check(t, dataDir)
}

// TestLifecycleServeAndStop runs a gateway that has a function process
// running, stops it, and finds nothing left.
func TestLifecycleServeAndStop(t *testing.T) {
	lc := newLeakCheck()
	dataAddr, adminAddr := freeAddr(t), freeAddr(t)
	cfg, dataDir := lifecycleGateway(t, dataAddr, adminAddr)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, cfg, app.Options{Stderr: io.Discard, ShutdownTimeout: 5 * time.Second}) }()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	var resp *http.Response
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err = client.Get("http://" + dataAddr + "/echo"); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		cancel()
		<-done
		t.Fatalf("the gateway does not answer: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /echo = %d; want 200", resp.StatusCode)
	}
	if len(functionProcesses(t)) == 0 && runtime.GOOS == "linux" {
		t.Error("no function process runs after an invocation: the check below would prove nothing")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	lc.check(t, dataDir, dataAddr, adminAddr)
}
