package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// announce prints a line that tools and people read whatever the log
// level: the listening lines and the startup summary. It is a plain line
// on Stderr, or with Options.JSONLines an info record of the gateway's log
// (written past the level check, as `--log-level warn` must not hide where
// the gateway listens).
func (g *Gateway) announce(line string) {
	if !g.opts.JSONLines {
		fmt.Fprintln(g.opts.Stderr, line)
		return
	}
	_ = g.log.Handler().Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, line, 0))
}
