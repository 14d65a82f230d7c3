package functions

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// procSpec is what to run for one instance.
type procSpec struct {
	argv []string
	dir  string
	env  []string
	// out receives every line the process writes, with the stream name
	// ("stdout" or "stderr").
	out func(stream, line string)
}

// process is a running function process, the leader of its own process
// group so that stopping it also stops what it started (`go run` runs the
// program as a child, shells run pipelines).
type process struct {
	cmd *exec.Cmd
	pid int
	// exited is closed once the process has been reaped and its group
	// killed; waitErr is set before.
	exited  chan struct{}
	waitErr error
	// stdout and stderr read the process's output.
	stdout, stderr *outputPipe
}

// syncOutput returns once the output the process wrote so far has been
// logged.
func (p *process) syncOutput() {
	p.stdout.sync()
	p.stderr.sync()
}

// startProcess starts spec with its stdout and stderr on pipes read line by
// line (see outputPipe), and a goroutine that reaps it. All three goroutines belong to g; if g
// is closing, nothing is left running and ErrClosed is returned.
func startProcess(g *routines, spec procSpec) (*process, error) {
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("creating stdout pipe: %w", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		closeAll(outR, outW)
		return nil, fmt.Errorf("creating stderr pipe: %w", err)
	}
	cmd := exec.Command(spec.argv[0], spec.argv[1:]...) //nolint:gosec // running the configured function is the point
	cmd.Dir = spec.dir
	cmd.Env = spec.env
	cmd.Stdout, cmd.Stderr = outW, errW // *os.File: no copying goroutines inside os/exec
	setProcAttr(cmd)
	err = cmd.Start()
	closeAll(outW, errW) // the child holds its own copies
	if err != nil {
		closeAll(outR, errR)
		return nil, err
	}
	p := &process{cmd: cmd, pid: cmd.Process.Pid, exited: make(chan struct{})}
	reap := func() {
		p.waitErr = cmd.Wait()
		// The leader is gone; take down anything it left in its group, which
		// also closes the pipes the readers wait on.
		_ = killGroup(p.pid)
		close(p.exited)
	}
	if !g.Go(reap) {
		_ = killGroup(p.pid)
		reap()
		closeAll(outR, errR)
		return nil, ErrClosed
	}
	p.stdout, p.stderr = newOutputPipe(outR, "stdout", spec.out), newOutputPipe(errR, "stderr", spec.out)
	for _, o := range []*outputPipe{p.stdout, p.stderr} {
		if !g.Go(o.run) {
			o.mu.Lock()
			o.closeLocked()
			o.mu.Unlock()
			close(o.done)
		}
	}
	return p, nil
}

// stop ends the process: SIGTERM to its group, SIGKILL after grace if it is
// still there, then waits until it has been reaped.
func (p *process) stop(grace time.Duration) {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = terminateGroup(p.pid)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.exited:
	case <-t.C:
		_ = killGroup(p.pid)
		<-p.exited
	}
}

// outputPipe reads one output stream of a process and passes it on line by
// line. Output arrives asynchronously: a function prints, then posts its
// response, and the print may still sit in the pipe when the response is in.
// sync closes that gap, so that output is attributed to the invocation that
// wrote it and lands in its log tail before END and REPORT. Reading and
// passing on happen under mu, so whoever holds mu has seen everything taken
// out of the pipe so far (see pipe_unix.go).
type outputPipe struct {
	f      *os.File
	stream string
	out    func(stream, line string)
	done   chan struct{} // closed when run returns

	mu     sync.Mutex
	buf    []byte // guarded by mu
	line   []byte // guarded by mu; an incomplete last line
	closed bool   // guarded by mu; f is closed
	fd     int    // the pipe's descriptor (non-blocking), -1 if unknown
}

// maxLine is the longest line passed on in one piece; longer lines are split.
const maxLine = 64 * 1024

func newOutputPipe(f *os.File, stream string, out func(stream, line string)) *outputPipe {
	return &outputPipe{f: f, stream: stream, out: out, done: make(chan struct{}), buf: make([]byte, maxLine), fd: pipeFD(f)}
}

// takeLocked passes on the complete lines of b and keeps the rest.
func (p *outputPipe) takeLocked(b []byte) {
	p.line = append(p.line, b...)
	for {
		i := bytes.IndexByte(p.line, '\n')
		if i < 0 {
			break
		}
		p.out(p.stream, strings.TrimSuffix(string(p.line[:i]), "\r"))
		p.line = p.line[i+1:]
	}
	if len(p.line) >= maxLine {
		p.out(p.stream, string(p.line))
		p.line = p.line[:0]
	}
	if len(p.line) == 0 {
		p.line = nil // drop the consumed backing array
	}
}

// closeLocked passes on an incomplete last line and closes the pipe.
func (p *outputPipe) closeLocked() {
	if len(p.line) > 0 {
		p.out(p.stream, string(p.line))
		p.line = nil
	}
	p.closed = true
	_ = p.f.Close()
}

// runBlocking reads with plain blocking reads, for pipes the poller cannot
// watch; sync then has nothing to add.
func (p *outputPipe) runBlocking() {
	buf := make([]byte, maxLine)
	for {
		n, err := p.f.Read(buf)
		p.mu.Lock()
		p.takeLocked(buf[:n])
		if err != nil {
			p.closeLocked()
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
	}
}

func closeAll(cs ...io.Closer) {
	for _, c := range cs {
		_ = c.Close()
	}
}
