package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// NewPlain returns a handler that writes each record's message alone on a
// line, as a function's own output reads (`apigw invoke` shows a
// function's log lines as `sam local invoke` does); records at warn and
// above get their level and attributes too, since they are the gateway's
// words rather than the function's. Records below level are dropped.
func NewPlain(w io.Writer, level slog.Leveler) slog.Handler {
	return &plain{out: &plainOut{w: w}, level: level}
}

type plainOut struct {
	mu sync.Mutex
	w  io.Writer // guarded by mu
}

type plain struct {
	out   *plainOut
	level slog.Leveler
	attrs []slog.Attr
}

func (p *plain) Enabled(_ context.Context, l slog.Level) bool { return l >= p.level.Level() }

func (p *plain) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	if r.Level >= slog.LevelWarn {
		b.WriteString(strings.ToLower(r.Level.String()))
		b.WriteString(": ")
	}
	b.WriteString(r.Message)
	if r.Level >= slog.LevelWarn {
		add := func(a slog.Attr) bool {
			fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
			return true
		}
		for _, a := range p.attrs {
			add(a)
		}
		r.Attrs(add)
	}
	b.WriteByte('\n')
	p.out.mu.Lock()
	defer p.out.mu.Unlock()
	_, err := io.WriteString(p.out.w, b.String())
	return err
}

func (p *plain) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &plain{out: p.out, level: p.level, attrs: append(append([]slog.Attr{}, p.attrs...), attrs...)}
}

func (p *plain) WithGroup(string) slog.Handler { return p }
