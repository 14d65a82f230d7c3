// Package clustertest gives tests the real engines of cluster mode: an
// etcd and a Redis on loopback ports.
//
// A test asks for one with Etcd or Redis. The engine named by the
// environment (APIGW_ETCD, APIGW_REDIS: what scripts/etcd.sh start and
// scripts/redis.sh start print, and what .ci/run exports) is shared by
// every test, each under keys of its own; otherwise, when the server's
// program is installed (Debian's etcd-server, redis-server), the test
// starts a private one in its temporary directory, stopped when it ends.
// StartEtcd always starts a private one, for tests that stop and restart
// it. Without either, the test is skipped with a message, or fails when
// APIGW_CI=1 (CI must not skip them).
package clustertest

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// unavailable skips t, or fails it in CI.
func unavailable(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("APIGW_CI") == "1" {
		t.Fatalf("%s is not available (APIGW_CI=1: failing instead of skipping)", what)
	}
	t.Skipf("%s is not available; skipping", what)
}

// Prefix returns an etcd key prefix no other test uses.
func Prefix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "/apigw-test-" + hex.EncodeToString(b[:]) + "/"
}

// Etcd returns the client URL of an etcd for t.
func Etcd(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("APIGW_ETCD"); u != "" {
		return u
	}
	return StartEtcd(t).URL
}

// EtcdServer is a private etcd started by StartEtcd.
type EtcdServer struct {
	URL  string
	t    testing.TB
	dir  string
	args []string
	cmd  *exec.Cmd
}

// StartEtcd starts a private single-member etcd for t, stopped when t
// ends.
func StartEtcd(t testing.TB) *EtcdServer {
	t.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil {
		unavailable(t, "etcd (scripts/etcd.sh start installs it; or set APIGW_ETCD)")
	}
	dir := t.TempDir()
	ports := freePorts(t, 2)
	client, peer := ports[0], ports[1]
	e := &EtcdServer{URL: "http://127.0.0.1:" + client, t: t, dir: dir}
	e.args = []string{bin, "--name", "t", "--data-dir", filepath.Join(dir, "data"),
		"--listen-client-urls", e.URL, "--advertise-client-urls", e.URL,
		"--listen-peer-urls", "http://127.0.0.1:" + peer, "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
		"--initial-cluster", "t=http://127.0.0.1:" + peer,
		"--max-txn-ops", "100000", "--max-request-bytes", "33554432", "--log-level", "error"}
	e.Start()
	t.Cleanup(e.Stop)
	return e
}

// Start starts the server again after Stop, with the same data and ports.
func (e *EtcdServer) Start() {
	e.t.Helper()
	if e.cmd != nil {
		return
	}
	cmd := exec.Command(e.args[0], e.args[1:]...)
	logf, err := os.OpenFile(filepath.Join(e.dir, "etcd.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		e.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		e.t.Fatalf("starting etcd: %v", err)
	}
	logf.Close()
	e.cmd = cmd
	if !waitHealthy(e.URL) {
		log, _ := os.ReadFile(filepath.Join(e.dir, "etcd.log"))
		e.t.Fatalf("etcd did not start listening on %s:\n%s", e.URL, log)
	}
}

// Stop stops the server (SIGKILL, as a crash would).
func (e *EtcdServer) Stop() {
	if e.cmd == nil {
		return
	}
	_ = e.cmd.Process.Kill()
	_ = e.cmd.Wait()
	e.cmd = nil
}

// Redis returns the URL of a Redis for t, and the database t may use
// (its own, when the server is private).
func Redis(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("APIGW_REDIS"); u != "" {
		return u
	}
	return StartRedis(t).URL
}

// RedisServer is a private Redis started by StartRedis.
type RedisServer struct {
	URL  string
	t    testing.TB
	args []string
	cmd  *exec.Cmd
}

// StartRedis starts a private Redis for t, stopped when t ends.
func StartRedis(t testing.TB) *RedisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		unavailable(t, "redis-server (scripts/redis.sh start installs it; or set APIGW_REDIS)")
	}
	port := freePorts(t, 1)[0]
	r := &RedisServer{URL: "redis://127.0.0.1:" + port + "/0", t: t,
		args: []string{bin, "--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no", "--dir", t.TempDir()}}
	r.Start()
	t.Cleanup(r.Stop)
	return r
}

// Start starts the server again after Stop, on the same port (empty).
func (r *RedisServer) Start() {
	r.t.Helper()
	if r.cmd != nil {
		return
	}
	cmd := exec.Command(r.args[0], r.args[1:]...)
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("starting redis-server: %v", err)
	}
	r.cmd = cmd
	if addr := r.URL[len("redis://") : len(r.URL)-2]; !waitPort(addr) {
		r.t.Fatalf("redis-server did not start listening on %s", addr)
	}
}

// Stop stops the server.
func (r *RedisServer) Stop() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

// freePorts returns n distinct free ports (held open together while
// picked, so that they differ).
func freePorts(t testing.TB, n int) []string {
	t.Helper()
	var out []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		out = append(out, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	}
	return out
}

// waitHealthy waits until etcd at url answers its health check (it has a
// leader and serves requests).
func waitHealthy(url string) bool {
	c := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := c.Get(url + "/health"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.Contains(string(b), `"true"`) {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func waitPort(addr string) bool {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}
