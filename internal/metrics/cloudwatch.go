package metrics

import (
	"bufio"
	"sort"
	"strconv"
	"sync"
)

// CloudWatch's names for the HTTP API metrics, namespace AWS/ApiGateway
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html):
// each family is named cloudwatchPrefix + the CloudWatch metric name, its
// labels are CloudWatch's dimension names (ApiId, Stage, and Route for
// stages with detailed metrics) and its units CloudWatch's (milliseconds,
// bytes). They read the same series as the apigw_ families: no work on the
// request path.
const cloudwatchPrefix = "aws_apigateway_"

// cwFamily renders one CloudWatch metric: the {ApiId, Stage} series then,
// as CloudWatch publishes them under the same metric name, the
// {ApiId, Stage, Route} series of detailed stages.
type cwFamily struct {
	m    *apiMetrics
	name string
	// word is the counter's offset, or the histogram's sum (µs); buckets is
	// the histogram's first bucket, 0 for counters.
	word, buckets int
	les           []string // bucket bounds in milliseconds
}

func registerCloudWatch(r *Registry, m *apiMetrics) {
	les := make([]string, len(m.bounds))
	for i, b := range m.bounds {
		les[i] = formatFloat(b * 1000)
	}
	latBuckets, intBuckets := wBuckets, wBuckets+len(m.bounds)+1
	for _, d := range []struct {
		metric, help  string
		word, buckets int
	}{
		{"Count", "CloudWatch Count: requests.", wCount, 0},
		{"4xx", "CloudWatch 4xx: requests answered with a 4xx status.", w4xx, 0},
		{"5xx", "CloudWatch 5xx: requests answered with a 5xx status.", w5xx, 0},
		{"DataProcessed", "CloudWatch DataProcessed: request and response body bytes.", wBytes, 0},
		{"Latency", "CloudWatch Latency, in milliseconds: from the request's arrival to the end of the response.", wLatencySum, latBuckets},
		{"IntegrationLatency", "CloudWatch IntegrationLatency, in milliseconds: the integration's answer time.", wIntegrationSum, intBuckets},
	} {
		typ := typeCounter
		if d.buckets != 0 {
			typ = typeHistogram
		}
		name := cloudwatchPrefix + d.metric
		r.register(name, d.help+" Labels are CloudWatch's dimensions: ApiId and Stage, plus Route for stages with detailed metrics (do not add the two sets up).",
			typ, []string{"ApiId", "Stage", "Route"}, &cwFamily{m: m, name: name, word: d.word, buckets: d.buckets, les: les})
	}
}

func (f *cwFamily) writeSamples(w *bufio.Writer) {
	f.write(w, &f.m.stages, []string{"ApiId", "Stage"})
	f.write(w, &f.m.routes, []string{"ApiId", "Stage", "Route"})
}

func (f *cwFamily) write(w *bufio.Writer, src *sync.Map, labels []string) {
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
		if len(values) > 2 {
			values[2] = e.k.route
		}
		if f.buckets == 0 {
			writeSample(w, f.name, labels, values, "", "", strconv.FormatUint(f.m.total(e.s, f.word), 10))
			continue
		}
		var cum uint64
		for i, le := range f.les {
			cum += f.m.total(e.s, f.buckets+i)
			writeSample(w, f.name+"_bucket", labels, values, "le", le, strconv.FormatUint(cum, 10))
		}
		cum += f.m.total(e.s, f.buckets+len(f.les))
		writeSample(w, f.name+"_bucket", labels, values, "le", "+Inf", strconv.FormatUint(cum, 10))
		writeSample(w, f.name+"_sum", labels, values, "", "", formatFloat(float64(f.m.total(e.s, f.word))/1e3))
		writeSample(w, f.name+"_count", labels, values, "", "", strconv.FormatUint(cum, 10))
	}
}
