package inspector

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"strconv"
)

// PathPrefix is where the inspector is served on the admin listener.
const PathPrefix = "/_inspector"

//go:embed web
var webFS embed.FS

// Handler serves the inspector on the admin listener:
//
//	GET /_inspector                          the web page
//	GET /_inspector/assets/{file}            its script and style sheet
//	GET /_inspector/api/requests             summaries, newest first (?after=seq, ?limit=n)
//	GET /_inspector/api/requests/{requestId} one request in detail; 404 when unknown
func (r *Recorder) Handler() http.Handler {
	assets, err := fs.Sub(webFS, "web")
	if err != nil {
		panic(err) // the embedded tree always has web/
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathPrefix+"/{$}", func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, PathPrefix, http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET "+PathPrefix, func(w http.ResponseWriter, _ *http.Request) {
		page, _ := fs.ReadFile(assets, "index.html")
		pageHeaders(w.Header())
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	})
	files := http.StripPrefix(PathPrefix+"/assets/", http.FileServerFS(assets))
	mux.Handle("GET "+PathPrefix+"/assets/", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		pageHeaders(w.Header())
		files.ServeHTTP(w, req)
	}))
	mux.HandleFunc("GET "+PathPrefix+"/api/requests", r.serveList)
	mux.HandleFunc("GET "+PathPrefix+"/api/requests/{id}", r.serveDetail)
	return mux
}

// pageHeaders keep the page to its own assets: no script from elsewhere,
// no framing.
func pageHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
}

// serveList answers the summaries newer than ?after (default all), newest
// first, at most ?limit (default all kept).
func (r *Recorder) serveList(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	var after uint64
	if s := q.Get("after"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, message{"after must be a sequence number"})
			return
		}
		after = n
	}
	limit := len(r.ring)
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			writeJSON(w, http.StatusBadRequest, message{"limit must be a positive number"})
			return
		}
		limit = min(n, limit)
	}
	entries := r.list(after, limit)
	out := make([]Summary, len(entries))
	for i, e := range entries {
		out[i] = e.summary(r.maskerFor(e))
	}
	writeJSON(w, http.StatusOK, out)
}

// serveDetail answers one request in detail.
func (r *Recorder) serveDetail(w http.ResponseWriter, req *http.Request) {
	id := req.PathValue("id")
	e := r.find(id)
	if e == nil {
		writeJSON(w, http.StatusNotFound, message{"no recorded request has id " + strconv.Quote(id)})
		return
	}
	writeJSON(w, http.StatusOK, e.detail(r.maskerFor(e)))
}

type message struct {
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"message":"rendering failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
