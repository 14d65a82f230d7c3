package rapi

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// roleEnv makes the test binary act as a minimal Lambda runtime (it answers
// every event with the event) instead of running the tests.
const roleEnv = "RAPI_TEST_ROLE"

func TestMain(m *testing.M) {
	if os.Getenv(roleEnv) == "runtime" {
		os.Exit(runtimeMain())
	}
	os.Exit(m.Run())
}

// runtimeMain polls /next and echoes each event to /response, building URLs
// as aws-lambda-go does ("http://" + AWS_LAMBDA_RUNTIME_API + "/2018-06-01/...").
func runtimeMain() int {
	base := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/invocation/"
	for {
		resp, err := http.Get(base + "next")
		if err != nil {
			return 1
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 2
		}
		id := resp.Header.Get(headerRequestID)
		r, err := http.Post(base+id+"/response", "application/json", bytes.NewReader(body))
		if err != nil {
			return 3
		}
		r.Body.Close()
	}
}

// startRuntime starts the test binary as the runtime of s, directly or
// (wrapped) as the grandchild of a shell, and admits the process it started.
func startRuntime(t *testing.T, s *Server, addr string, wrapped bool) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	if wrapped {
		// The shell forks the runtime and waits: the runtime is a
		// descendant of the admitted process, not the process itself.
		cmd = exec.Command("/bin/sh", "-c", `"$0"; exit $?`, self)
	}
	cmd.Env = append(os.Environ(), roleEnv+"=runtime", "AWS_LAMBDA_RUNTIME_API="+addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.Admit(cmd.Process.Pid)
	t.Cleanup(func() {
		_ = s.Close() // the parked /next gets 500 and the runtime exits
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
}

// TestCallerCheck: an event goes to the admitted process tree (the process
// itself, or a child of a wrapper shell); a request from any other process
// (here the test process) is refused unread and never takes an event.
func TestCallerCheck(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the process check is Linux-only; other platforms use the secret path (TestSecretPath)")
	}
	for _, wrapped := range []bool{false, true} {
		t.Run(fmt.Sprintf("wrapped=%v", wrapped), func(t *testing.T) {
			s := New(Config{FunctionName: "fn"})
			addr, err := s.Start()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(addr, "/") {
				t.Fatalf("AWS_LAMBDA_RUNTIME_API = %q; want plain host:port on Linux", addr)
			}
			// A foreign poller, before and while the runtime is there.
			foreign := make(chan string, 1)
			go func() {
				resp, err := http.Get("http://" + addr + "/2018-06-01/runtime/invocation/next")
				if err != nil {
					foreign <- "refused"
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				foreign <- fmt.Sprintf("%d %s", resp.StatusCode, b)
			}()
			startRuntime(t, s, addr, wrapped)
			if got := <-foreign; got != "refused" {
				t.Fatalf("a foreign process's /next got %q; want the connection refused", got)
			}
			for i := range 3 {
				id := fmt.Sprintf("req-%d", i)
				payload := fmt.Sprintf(`{"i":%d}`, i)
				handOff(t, s, &Invocation{RequestID: id, Payload: []byte(payload), Timeout: time.Minute})
				ev := skipToEvent(t, s, EventResult)
				if ev.RequestID != id || string(ev.Payload) != payload {
					t.Fatalf("result = %s %s; want %s %s", ev.RequestID, ev.Payload, id, payload)
				}
			}
		})
	}
}

// handOff hands inv to the runtime's parked /next.
func handOff(t *testing.T, s *Server, inv *Invocation) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case s.Invocations() <- inv:
			return
		case <-s.Events():
		case <-timeout:
			t.Fatal("no runtime took the event")
		}
	}
}

func skipToEvent(t *testing.T, s *Server, kind EventKind) Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-s.Events():
			if ev.Kind == kind {
				return ev
			}
		case <-timeout:
			t.Fatalf("no event of kind %d", kind)
		}
	}
}

// TestSecretPath: where the process check is unavailable, the Runtime API
// is served only under the instance's secret path, which a client that
// concatenates AWS_LAMBDA_RUNTIME_API (aws-lambda-go's way) reaches.
func TestSecretPath(t *testing.T) {
	s := New(Config{FunctionName: "fn"})
	g, err := newGuard(false)
	if err != nil {
		t.Fatal(err)
	}
	h := s.secretHandler(g, s)
	srv := &http.Server{Handler: h}
	ln := listenLoopback(t)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close(); _ = s.Close() })
	addr := g.address(ln.Addr().String())
	if !strings.HasPrefix(addr, ln.Addr().String()+"/") || len(addr) < len(ln.Addr().String())+33 {
		t.Fatalf("address = %q; want host:port/<32 hex digits>", addr)
	}
	for _, path := range []string{
		"http://" + ln.Addr().String() + "/2018-06-01/ping",
		"http://" + ln.Addr().String() + "/" + strings.Repeat("0", 32) + "/2018-06-01/ping",
		"http://" + addr + "x/2018-06-01/ping",
	} {
		resp, err := http.Get(path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d; want 404", path, resp.StatusCode)
		}
	}
	resp, err := http.Get("http://" + addr + "/2018-06-01/ping")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /<secret>/2018-06-01/ping = %d %s; want 200", resp.StatusCode, b)
	}
}

func listenLoopback(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}
