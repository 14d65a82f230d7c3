package dataplane

import (
	"log/slog"
	"net/http"
)

// logRequest writes the request's line to the request log (`apigw serve`
// writes it on stderr at info level): time, method, path, status,
// latency, route key, API, stage and request id; route, API and stage are
// left out when the request did not get that far. The record goes to the
// handler directly, without the caller's program counter that
// slog.Logger would look up, and only after the level check, so that
// `--log-level warn` costs the request path one call.
func (h *Handler) logRequest(r *http.Request, w *countingWriter, x *exchange) {
	ctx := r.Context()
	if !h.reqLog.Enabled(ctx, slog.LevelInfo) {
		return
	}
	now := h.now()
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	rec := slog.NewRecord(now, slog.LevelInfo, "request", 0)
	rec.AddAttrs(
		slog.String("method", r.Method),
		slog.String("path", r.URL.EscapedPath()),
		slog.Int("status", status),
		slog.Duration("latency", now.Sub(x.start)),
	)
	if x.req != nil {
		if x.req.RouteKey != "" {
			rec.AddAttrs(slog.String("route", x.req.RouteKey))
		}
		rec.AddAttrs(slog.String("api", x.req.APIID), slog.String("stage", x.req.Stage))
	}
	rec.AddAttrs(slog.String("request_id", x.reqID))
	_ = h.reqLog.Handle(ctx, rec)
}
