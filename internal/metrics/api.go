package metrics

import (
	"bufio"
	"math/rand/v2"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apigwdev/apigw/internal/invoke"
)

// seriesKey identifies an HTTP API series; route is "" for the stage-level
// series.
type seriesKey struct {
	api, stage, route string
}

// Word offsets of one shard of an apiSeries: five counters, the two
// latency sums (microseconds), then the bucket counts of the two histograms
// (one per bound and one above every bound).
const (
	wCount = iota
	w4xx
	w5xx
	wThrottled
	wBytes
	wLatencySum
	wIntegrationSum
	wBuckets
)

// apiSeries is every HTTP API metric of one API and stage (or route),
// striped over shards so that concurrent requests to one stage rarely write
// the same cache line: each Record adds to one shard picked at random, and
// a scrape sums the shards.
type apiSeries struct {
	words []atomic.Uint64 // shards × stride
}

// apiMetrics keeps the HTTP API metrics of Record.
type apiMetrics struct {
	bounds   []float64 // seconds
	boundsNS []int64
	les      []string // formatted bounds
	// shards is a power of two; stride is the words per shard, with at
	// least a cache line of padding between the words shards write.
	shards, stride int
	stages         sync.Map // seriesKey → *apiSeries
	routes         sync.Map // seriesKey → *apiSeries
}

// apiFamily renders one field of the API series as a family.
type apiFamily struct {
	m      *apiMetrics
	name   string
	routes bool
	// word is the offset of a counter family's word, or of a histogram
	// family's sum.
	word int
	// buckets is the offset of a histogram family's buckets, 0 for counters.
	buckets int
}

func newAPIMetrics(r *Registry, bounds []float64) *apiMetrics {
	m := &apiMetrics{bounds: bounds, shards: 1}
	for _, b := range bounds {
		m.boundsNS = append(m.boundsNS, int64(b*1e9))
		m.les = append(m.les, formatFloat(b))
	}
	for m.shards < runtime.GOMAXPROCS(0) && m.shards < maxShards {
		m.shards *= 2
	}
	used := wBuckets + 2*(len(bounds)+1)
	m.stride = (used + 2*cacheLineWords - 1) / cacheLineWords * cacheLineWords
	latBuckets, intBuckets := wBuckets, wBuckets+len(bounds)+1
	type def struct {
		suffix, help  string
		word, buckets int
	}
	defs := []def{
		{"requests_total", "Requests served (CloudWatch Count).", wCount, 0},
		{"4xx_total", "Requests answered with a 4xx status (CloudWatch 4xx).", w4xx, 0},
		{"5xx_total", "Requests answered with a 5xx status (CloudWatch 5xx).", w5xx, 0},
		{"throttled_requests_total", "Requests refused by a throttle with 429.", wThrottled, 0},
		{"data_processed_bytes_total", "Request and response body bytes (CloudWatch DataProcessed).", wBytes, 0},
		{"latency_seconds", "Time from the request's arrival to the end of the response (CloudWatch Latency).", wLatencySum, latBuckets},
		{"integration_latency_seconds", "Time the integration took to answer (CloudWatch IntegrationLatency).", wIntegrationSum, intBuckets},
	}
	for _, routes := range []bool{false, true} {
		prefix, labels, scope := "apigw_", []string{"api_id", "stage"}, " By API and stage."
		if routes {
			prefix, labels, scope = "apigw_route_", []string{"api_id", "stage", "route"}, " By API, stage and route, for stages with detailed metrics."
		}
		for _, d := range defs {
			typ := typeCounter
			if d.buckets != 0 {
				typ = typeHistogram
			}
			name := prefix + d.suffix
			r.register(name, d.help+scope, typ, labels, &apiFamily{m: m, name: name, routes: routes, word: d.word, buckets: d.buckets})
		}
	}
	registerCloudWatch(r, m)
	return m
}

// maxShards bounds the stripes of a series; cacheLineWords is a cache line
// in 8-byte words.
const (
	maxShards      = 16
	cacheLineWords = 8
)

// Record adds one request to the HTTP API metrics of its API and stage, and
// of its route when detailed is set (the stage's or route's
// detailedMetricsEnabled). Call it once per request that resolved an API
// and stage, after the response, with out filled (Status, lengths,
// latencies, Throttled). It takes no lock: each series is a set of atomics.
func (r *Registry) Record(req *invoke.Request, out *invoke.Outcome, detailed bool) {
	if req == nil || out == nil || req.APIID == "" {
		return
	}
	m := r.api
	m.series(&m.stages, seriesKey{req.APIID, req.Stage, ""}).observe(m, out)
	if detailed && req.RouteKey != "" {
		m.series(&m.routes, seriesKey{req.APIID, req.Stage, req.RouteKey}).observe(m, out)
	}
}

func (m *apiMetrics) series(in *sync.Map, k seriesKey) *apiSeries {
	if s, ok := in.Load(k); ok {
		return s.(*apiSeries)
	}
	s, _ := in.LoadOrStore(k, &apiSeries{words: make([]atomic.Uint64, m.shards*m.stride)})
	return s.(*apiSeries)
}

func (s *apiSeries) observe(m *apiMetrics, out *invoke.Outcome) {
	sh := s.words[int(rand.Uint32()&uint32(m.shards-1))*m.stride:]
	sh[wCount].Add(1)
	switch {
	case out.Status >= 400 && out.Status < 500:
		sh[w4xx].Add(1)
	case out.Status >= 500 && out.Status < 600:
		sh[w5xx].Add(1)
	}
	if out.Throttled {
		sh[wThrottled].Add(1)
	}
	if n := max(out.RequestLength, 0) + max(out.ResponseLength, 0); n > 0 {
		sh[wBytes].Add(uint64(n))
	}
	m.observe(sh, wLatencySum, wBuckets, out.Latency)
	if out.IntegrationLatency >= 0 {
		m.observe(sh, wIntegrationSum, wBuckets+len(m.bounds)+1, out.IntegrationLatency)
	}
}

// observe adds d to the histogram of a shard whose sum and buckets are at
// the given offsets.
func (m *apiMetrics) observe(sh []atomic.Uint64, sum, buckets int, d time.Duration) {
	d = max(d, 0)
	i := 0
	for i < len(m.boundsNS) && int64(d) > m.boundsNS[i] {
		i++
	}
	sh[buckets+i].Add(1)
	sh[sum].Add(uint64(d / time.Microsecond))
}

// total sums the word at offset w over the shards.
func (m *apiMetrics) total(s *apiSeries, w int) uint64 {
	var n uint64
	for i := range m.shards {
		n += s.words[i*m.stride+w].Load()
	}
	return n
}

func (f *apiFamily) writeSamples(w *bufio.Writer) {
	src := &f.m.stages
	labels := []string{"api_id", "stage"}
	if f.routes {
		src = &f.m.routes
		labels = append(labels, "route")
	}
	type kv struct {
		k seriesKey
		s *apiSeries
	}
	var all []kv
	src.Range(func(k, s any) bool {
		all = append(all, kv{k.(seriesKey), s.(*apiSeries)})
		return true
	})
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i].k, all[j].k
		if a.api != b.api {
			return a.api < b.api
		}
		if a.stage != b.stage {
			return a.stage < b.stage
		}
		return a.route < b.route
	})
	values := make([]string, len(labels))
	for _, e := range all {
		values[0], values[1] = e.k.api, e.k.stage
		if f.routes {
			values[2] = e.k.route
		}
		if f.buckets == 0 {
			writeSample(w, f.name, labels, values, "", "", strconv.FormatUint(f.m.total(e.s, f.word), 10))
			continue
		}
		var cum uint64
		for i, le := range f.m.les {
			cum += f.m.total(e.s, f.buckets+i)
			writeSample(w, f.name+"_bucket", labels, values, "le", le, strconv.FormatUint(cum, 10))
		}
		cum += f.m.total(e.s, f.buckets+len(f.m.les))
		writeSample(w, f.name+"_bucket", labels, values, "le", "+Inf", strconv.FormatUint(cum, 10))
		writeSample(w, f.name+"_sum", labels, values, "", "", formatFloat(float64(f.m.total(e.s, f.word))/1e6))
		writeSample(w, f.name+"_count", labels, values, "", "", strconv.FormatUint(cum, 10))
	}
}
