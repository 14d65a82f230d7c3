package metrics

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Names of the gateway's health metrics, registered by the components that
// own the values.
const (
	// NameFunctionInstances is a gauge of running function instances, with
	// a "function" label (and optionally "state").
	NameFunctionInstances = "apigw_function_instances"
	// NameFunctionColdStarts counts function instance starts, with a
	// "function" label.
	NameFunctionColdStarts = "apigw_function_cold_starts_total"
	// NameAccessLogDropped counts access log entries dropped because a
	// destination's queue was full (accesslog.Sinks.Dropped).
	NameAccessLogDropped = "apigw_access_log_dropped_total"
)

// ContentType is the media type of the exposition format served.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// metricType is a family's TYPE.
type metricType string

const (
	typeCounter   metricType = "counter"
	typeGauge     metricType = "gauge"
	typeHistogram metricType = "histogram"
)

// family is one metric family: its TYPE and HELP lines and its samples.
type family interface {
	// writeSamples writes the family's sample lines.
	writeSamples(w *bufio.Writer)
}

type registered struct {
	name, help string
	typ        metricType
	f          family
}

// Registry holds metric families and renders them. It is safe for
// concurrent use; create it with NewRegistry.
type Registry struct {
	mu       sync.Mutex
	families map[string]*registered // guarded by mu

	api *apiMetrics
}

// Options configure a Registry.
type Options struct {
	// LatencyBuckets are the upper bounds, in seconds, of the latency
	// histograms' buckets, increasing. Nil means DefaultLatencyBuckets.
	LatencyBuckets []float64
}

// DefaultLatencyBuckets returns the default latency histogram bounds, in
// seconds: 1 ms to 30 s (the longest integration timeout).
func DefaultLatencyBuckets() []float64 {
	return []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}
}

// NewRegistry returns a registry with the HTTP API families of Record
// registered. It panics if opts.LatencyBuckets is not increasing.
func NewRegistry(opts Options) *Registry {
	b := opts.LatencyBuckets
	if b == nil {
		b = DefaultLatencyBuckets()
	}
	for i := range b {
		if math.IsNaN(b[i]) || (i > 0 && b[i] <= b[i-1]) {
			panic("metrics.NewRegistry: latency buckets must increase")
		}
	}
	r := &Registry{families: map[string]*registered{}}
	r.api = newAPIMetrics(r, b)
	return r
}

// register adds a family; it panics on an invalid or duplicate name, which
// is a programming error (as expvar.Publish does).
func (r *Registry) register(name, help string, typ metricType, labels []string, f family) {
	if !validName(name) {
		panic(fmt.Sprintf("metrics: invalid metric name %q", name))
	}
	for _, l := range labels {
		if !validLabel(l) {
			panic(fmt.Sprintf("metrics: %s: invalid label name %q", name, l))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.families[name]; dup {
		panic(fmt.Sprintf("metrics: metric %s registered twice", name))
	}
	r.families[name] = &registered{name: name, help: help, typ: typ, f: f}
}

// WriteText writes every family in the text exposition format, families
// sorted by name and series by label values.
func (r *Registry) WriteText(w io.Writer) error {
	r.mu.Lock()
	fams := make([]*registered, 0, len(r.families))
	for _, f := range r.families {
		fams = append(fams, f)
	}
	r.mu.Unlock()
	sort.Slice(fams, func(i, j int) bool { return fams[i].name < fams[j].name })
	bw := bufio.NewWriter(w)
	for _, f := range fams {
		bw.WriteString("# HELP ")
		bw.WriteString(f.name)
		bw.WriteByte(' ')
		writeEscaped(bw, f.help, false)
		bw.WriteString("\n# TYPE ")
		bw.WriteString(f.name)
		bw.WriteByte(' ')
		bw.WriteString(string(f.typ))
		bw.WriteByte('\n')
		f.f.writeSamples(bw)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing metrics: %w", err)
	}
	return nil
}

// ServeHTTP answers GET and HEAD with the metrics in the text exposition
// format, anything else with 405.
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", ContentType)
	if req.Method == http.MethodHead {
		return
	}
	_ = r.WriteText(w) // the client went away; nothing to do
}

// writeSample writes one sample line: name{labels} value.
func writeSample(w *bufio.Writer, name string, names, values []string, extraName, extraValue string, v string) {
	w.WriteString(name)
	if len(names) > 0 || extraName != "" {
		w.WriteByte('{')
		for i, n := range names {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString(n)
			w.WriteString(`="`)
			writeEscaped(w, values[i], true)
			w.WriteByte('"')
		}
		if extraName != "" {
			if len(names) > 0 {
				w.WriteByte(',')
			}
			w.WriteString(extraName)
			w.WriteString(`="`)
			w.WriteString(extraValue)
			w.WriteByte('"')
		}
		w.WriteByte('}')
	}
	w.WriteByte(' ')
	w.WriteString(v)
	w.WriteByte('\n')
}

// writeEscaped writes s escaping backslash and newline, and double quotes
// in label values.
func writeEscaped(w *bufio.Writer, s string, quote bool) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			w.WriteString(`\\`)
		case c == '\n':
			w.WriteString(`\n`)
		case c == '"' && quote:
			w.WriteString(`\"`)
		default:
			w.WriteByte(c)
		}
	}
}

// formatFloat formats a sample value.
func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// validName reports a metric name, [a-zA-Z_:][a-zA-Z0-9_:]*.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == ':' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// validLabel reports a label name, [a-zA-Z_][a-zA-Z0-9_]*, not starting
// with "__" (reserved) and not "le" (histograms' own).
func validLabel(s string) bool {
	if s == "" || strings.HasPrefix(s, "__") || s == "le" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

var _ http.Handler = (*Registry)(nil)
