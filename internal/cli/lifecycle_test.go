package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/testbin"
)

func TestHelpOnEveryCommand(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"serve", "validate", "token", "ca", "version"} {
		for _, h := range []string{"-h", "--help"} {
			var out, errOut bytes.Buffer
			code := Main([]string{cmd, h}, &out, &errOut)
			all := out.String() + errOut.String()
			if code != 0 {
				t.Errorf("apigw %s %s: exit %d; want 0\n%s", cmd, h, code, all)
			}
			if !strings.Contains(all, "usage: apigw "+cmd) {
				t.Errorf("apigw %s %s: no usage line:\n%s", cmd, h, all)
			}
		}
		var out bytes.Buffer
		if code := Main([]string{"help", cmd}, &out, &out); code != 0 || !strings.Contains(out.String(), "usage: apigw "+cmd) {
			t.Errorf("apigw help %s: exit %d\n%s", cmd, code, out.String())
		}
	}
}

func TestVersionLine(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if code := Main([]string{"version"}, &out, &out); code != 0 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	re := regexp.MustCompile(`^apigw \S+ \((commit [0-9a-f]{1,12}(-dirty)?, )?(\S+, )?go1\.\d+\S* \w+/\w+\)\n$`)
	if !re.MatchString(out.String()) {
		t.Errorf("version line %q does not match %s", out.String(), re)
	}
}

// TestVersionStamped builds the binary as a release is built and checks
// that the version, the commit and the Go release are printed.
func TestVersionStamped(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "apigw")
	build := exec.Command("go", "build", "-trimpath", "-o", bin,
		"-ldflags", "-X github.com/apigwdev/apigw/internal/cli.version=v9.8.7 -X github.com/apigwdev/apigw/internal/cli.commit=0123456789abcdef0123",
		"github.com/apigwdev/apigw/cmd/apigw")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^apigw v9\.8\.7 \(commit 0123456789ab(-dirty)?, .*go1\.\d+`).Match(out) {
		t.Errorf("version: %q", out)
	}
}

// lockedBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) WriteString(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(s)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitListening reads the "listening on" lines of a started serve process
// from stderr and returns both URLs; log keeps collecting every line of
// stderr.
func waitListening(t *testing.T, stderr *bufio.Scanner) (dataURL, adminURL string, log *lockedBuffer) {
	t.Helper()
	lines := make(chan string, 64)
	log = &lockedBuffer{}
	go func() {
		for stderr.Scan() {
			log.WriteString(stderr.Text() + "\n")
			lines <- stderr.Text()
		}
		close(lines)
	}()
	re := regexp.MustCompile(`(data plane|admin) listening on (http://[0-9.:]+)`)
	deadline := time.After(3 * time.Minute)
	for dataURL == "" || adminURL == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve exited before listening; stderr:\n%s", log)
			}
			if m := re.FindStringSubmatch(l); m != nil {
				if m[1] == "admin" {
					adminURL = m[2]
				} else {
					dataURL = m[2]
				}
			}
		case <-deadline:
			t.Fatalf("no listening lines within 3 minutes; stderr:\n%s", log)
		}
	}
	go func() {
		for range lines {
		}
	}()
	return dataURL, adminURL, log
}

// serveProcess starts `apigw serve` (bin) in dir with args and ephemeral
// listeners, and returns it once it listens.
func serveProcess(t *testing.T, bin, dir string, args ...string) (cmd *exec.Cmd, dataURL, adminURL string, log *lockedBuffer) {
	t.Helper()
	cmd = exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"}, args...)...)
	cmd.Dir = dir
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	dataURL, adminURL, log = waitListening(t, bufio.NewScanner(pipe))
	return cmd, dataURL, adminURL, log
}

// eventually polls cond every 20 ms for up to 10 s.
func eventually(cond func() bool) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return false
}

// children returns the pids of pid's child processes (Linux /proc).
func children(t *testing.T, pid int) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	var out []int
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, p)
		}
	}
	return out
}

// alive reports whether pid is a process that has not exited (a zombie
// has).
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}

// waitRefused waits until nothing accepts connections at url.
func waitRefused(t *testing.T, url string, within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", strings.TrimPrefix(url, "http://"))
		if err != nil {
			if ctx.Err() != nil {
				t.Fatalf("%s still accepting after %v", url, within)
			}
			return
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServeSIGINTStopsFunctions runs the real binary with a warm function
// instance, sends SIGINT, and checks that the process exits 0 and that the
// function process is gone.
func TestServeSIGINTStopsFunctions(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	dir := t.TempDir()
	bin := buildBinary(t)
	cmd, dataURL, adminURL, _ := serveProcess(t, bin, dir, "--function", "echo="+testbin.Path(t, "echo"))
	resp, err := http.Post(adminURL+"/2015-03-31/functions/echo/invocations", "application/json", strings.NewReader(`{"hi":1}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("invoke: %s", resp.Status)
	}
	kids := children(t, cmd.Process.Pid)
	if len(kids) == 0 {
		t.Fatal("no function process after an invocation")
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit after SIGINT: %v; want 0", err)
	}
	waitRefused(t, dataURL, 5*time.Second)
	for _, k := range kids {
		if alive(k) {
			t.Errorf("function process %d still running after the gateway exited", k)
		}
	}
}

// TestGoRunSIGTERM runs the gateway the way the README's quick start does,
// under `go run`, and sends SIGTERM to the go command alone, which exits at
// once without passing the signal on: the gateway must notice and stop.
func TestGoRunSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go run")
	}
	t.Parallel()
	dir := t.TempDir()
	cmd := exec.Command("go", "run", "github.com/apigwdev/apigw/cmd/apigw", "serve",
		"--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// The test owns the pipe, so that it stays open after the go command
	// exits: a closed pipe would end the gateway with SIGPIPE at its next
	// log line, and the test would pass for the wrong reason.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd.Stderr = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	pgid := cmd.Process.Pid
	t.Cleanup(func() { _ = syscall.Kill(-pgid, syscall.SIGKILL); _ = cmd.Wait() })
	dataURL, _, log := waitListening(t, bufio.NewScanner(r))
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Process.Wait(); err != nil {
		t.Fatal(err)
	}
	waitRefused(t, dataURL, 20*time.Second)
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := syscall.Kill(-pgid, 0)
		if errors.Is(err, syscall.ESRCH) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes of the go run group still alive 20s after SIGTERM (kill: %v); log:\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestGoRunPath(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		exe  string
		want bool
	}{
		{"/root/.cache/go-build/21/2124f0784ab507ceec942d4fa125cd3e49b27820dda6d8a219ba3527208382cf-d/apigw", true},
		{"/tmp/go-build1234/b001/exe/apigw", true},
		{"/usr/local/bin/apigw", false},
		{"/home/me/go/bin/apigw", false},
		{"/tmp/exe/apigw", false},
	} {
		if got := goRunPath(tt.exe); got != tt.want {
			t.Errorf("goRunPath(%q) = %v; want %v", tt.exe, got, tt.want)
		}
	}
}

// execIn returns a command that runs bin with args in dir.
func execIn(dir, bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	return cmd
}

func bufioScanner(r io.Reader) *bufio.Scanner { return bufio.NewScanner(r) }
