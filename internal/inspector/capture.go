package inspector

import (
	"io"
	"net/http"
	"sync"
)

// capture keeps the first max bytes of a stream and counts the rest.
type capture struct {
	buf   []byte
	total int64
	max   int
}

func (c *capture) write(p []byte) {
	c.total += int64(len(p))
	if room := c.max - len(c.buf); room > 0 {
		if len(p) > room {
			p = p[:room]
		}
		c.buf = append(c.buf, p...)
	}
}

// captureBody is the request body as the integration reads it, keeping a
// copy. An HTTP transport may still read it after the response was sent,
// so the copy is guarded; once sealed it stops growing.
type captureBody struct {
	rc io.ReadCloser

	mu     sync.Mutex
	c      capture // guarded by mu
	sealed bool    // guarded by mu
}

func (b *captureBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.mu.Lock()
		if !b.sealed {
			b.c.write(p[:n])
		}
		b.mu.Unlock()
	}
	return n, err
}

func (b *captureBody) Close() error { return b.rc.Close() }

// seal stops the copy and returns it.
func (b *captureBody) seal() capture {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sealed = true
	return b.c
}

// captureWriter keeps a copy of the response body as it is written. It is
// used by the handler's goroutine only. Unwrap lets
// http.ResponseController reach the connection's Flush.
type captureWriter struct {
	http.ResponseWriter
	c capture
}

func (w *captureWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.c.write(p[:n])
	return n, err
}

// Unwrap returns the underlying ResponseWriter.
func (w *captureWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
