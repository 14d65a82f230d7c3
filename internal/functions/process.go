package functions

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
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
			o.f.Close()
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
// wrote it and lands in its log tail before END and REPORT.
type outputPipe struct {
	f      *os.File
	stream string
	out    func(stream, line string)
	syncs  chan chan struct{} // sync requests; buffered 1
	done   chan struct{}      // closed when run returns
	buf    []byte
	line   []byte // an incomplete last line
}

// maxLine is the longest line passed on in one piece; longer lines are split.
const maxLine = 64 * 1024

func newOutputPipe(f *os.File, stream string, out func(stream, line string)) *outputPipe {
	return &outputPipe{f: f, stream: stream, out: out, syncs: make(chan chan struct{}, 1), done: make(chan struct{}), buf: make([]byte, maxLine)}
}

// run reads until every writer (the process group) is gone.
func (p *outputPipe) run() {
	defer close(p.done)
	defer p.f.Close()
	for {
		n, err := p.f.Read(p.buf)
		p.take(p.buf[:n])
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// sync woke us: read what is already in the pipe, then answer.
			_ = p.f.SetReadDeadline(time.Time{})
			drainPipe(p.f, p.buf, p.take)
			select {
			case ack := <-p.syncs:
				close(ack)
			default:
			}
			continue
		}
		if err != nil {
			if len(p.line) > 0 {
				p.out(p.stream, string(p.line))
			}
			return
		}
	}
}

// take passes on the complete lines of b and keeps the rest.
func (p *outputPipe) take(b []byte) {
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
		p.line = p.line[:0:0] // drop the consumed backing array
	}
}

// sync returns once everything written to the pipe before the call has been
// passed on (or the reader has ended). It wakes the reader by expiring its
// read deadline; on systems whose pipes have no deadlines it returns at once.
func (p *outputPipe) sync() {
	ack := make(chan struct{})
	select {
	case p.syncs <- ack:
	case <-p.done:
		return
	}
	if p.f.SetReadDeadline(time.Now()) != nil {
		return
	}
	select {
	case <-ack:
	case <-p.done:
	}
}

func closeAll(cs ...io.Closer) {
	for _, c := range cs {
		_ = c.Close()
	}
}
