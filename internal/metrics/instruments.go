package metrics

import (
	"bufio"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Counter is a monotonically increasing count. It is safe for concurrent
// use.
type Counter struct {
	v atomic.Uint64
}

// Inc adds 1.
func (c *Counter) Inc() { c.v.Add(1) }

// Add adds n.
func (c *Counter) Add(n uint64) { c.v.Add(n) }

// Value returns the count.
func (c *Counter) Value() uint64 { return c.v.Load() }

func (c *Counter) sample() string { return strconv.FormatUint(c.v.Load(), 10) }

// Gauge is a value that goes up and down. It is safe for concurrent use.
type Gauge struct {
	bits atomic.Uint64
}

// Set sets the value.
func (g *Gauge) Set(v float64) { g.bits.Store(math.Float64bits(v)) }

// Add adds d (which may be negative).
func (g *Gauge) Add(d float64) {
	for {
		old := g.bits.Load()
		if g.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+d)) {
			return
		}
	}
}

// Inc adds 1.
func (g *Gauge) Inc() { g.Add(1) }

// Dec subtracts 1.
func (g *Gauge) Dec() { g.Add(-1) }

// Value returns the value.
func (g *Gauge) Value() float64 { return math.Float64frombits(g.bits.Load()) }

func (g *Gauge) sample() string { return formatFloat(g.Value()) }

// single is the family of one unlabelled instrument.
type single struct {
	name   string
	sample func() string
}

func (s *single) writeSamples(w *bufio.Writer) {
	writeSample(w, s.name, nil, nil, "", "", s.sample())
}

// vec holds the labelled series of a family, created on first use.
type vec[T any] struct {
	name   string
	labels []string
	series sync.Map // label values joined by labelSep → *vecEntry[T]
	sample func(*T) string
}

type vecEntry[T any] struct {
	values []string
	t      T
}

// labelSep joins label values into a series key; it cannot appear in valid
// UTF-8.
const labelSep = "\xff"

func (v *vec[T]) with(values []string) *T {
	if len(values) != len(v.labels) {
		panic(fmt.Sprintf("metrics: %s: %d label values for labels %v", v.name, len(values), v.labels))
	}
	key := strings.Join(values, labelSep)
	if e, ok := v.series.Load(key); ok {
		return &e.(*vecEntry[T]).t
	}
	e, _ := v.series.LoadOrStore(key, &vecEntry[T]{values: append([]string(nil), values...)})
	return &e.(*vecEntry[T]).t
}

func (v *vec[T]) writeSamples(w *bufio.Writer) {
	type kv struct {
		key string
		e   *vecEntry[T]
	}
	var all []kv
	v.series.Range(func(k, e any) bool {
		all = append(all, kv{k.(string), e.(*vecEntry[T])})
		return true
	})
	sort.Slice(all, func(i, j int) bool { return all[i].key < all[j].key })
	for _, s := range all {
		writeSample(w, v.name, v.labels, s.e.values, "", "", v.sample(&s.e.t))
	}
}

// CounterVec is a family of counters told apart by label values.
type CounterVec struct {
	v *vec[Counter]
}

// With returns the counter of the given label values (one per label, in
// the registered order), creating it at 0 on first use. It panics on a
// wrong number of values. Keep the result rather than calling With per
// event on a hot path.
func (c *CounterVec) With(values ...string) *Counter { return c.v.with(values) }

// GaugeVec is a family of gauges told apart by label values.
type GaugeVec struct {
	v *vec[Gauge]
}

// With returns the gauge of the given label values, creating it at 0 on
// first use. It panics on a wrong number of values.
func (g *GaugeVec) With(values ...string) *Gauge { return g.v.with(values) }

// funcFamily is a family whose samples a callback emits at scrape time.
type funcFamily struct {
	name    string
	labels  []string
	collect func(emit func(v float64, labelValues ...string))
}

func (f *funcFamily) writeSamples(w *bufio.Writer) {
	type sample struct {
		values []string
		v      float64
	}
	var all []sample
	f.collect(func(v float64, values ...string) {
		if len(values) != len(f.labels) {
			return
		}
		all = append(all, sample{append([]string(nil), values...), v})
	})
	sort.SliceStable(all, func(i, j int) bool {
		return strings.Join(all[i].values, labelSep) < strings.Join(all[j].values, labelSep)
	})
	for _, s := range all {
		writeSample(w, f.name, f.labels, s.values, "", "", formatFloat(s.v))
	}
}

// Counter registers and returns a counter without labels. Registration
// panics on an invalid or already registered name.
func (r *Registry) Counter(name, help string) *Counter {
	c := &Counter{}
	r.register(name, help, typeCounter, nil, &single{name: name, sample: c.sample})
	return c
}

// CounterVec registers and returns a family of counters with the given
// label names.
func (r *Registry) CounterVec(name, help string, labels ...string) *CounterVec {
	v := &vec[Counter]{name: name, labels: labels, sample: (*Counter).sample}
	r.register(name, help, typeCounter, labels, v)
	return &CounterVec{v: v}
}

// Gauge registers and returns a gauge without labels.
func (r *Registry) Gauge(name, help string) *Gauge {
	g := &Gauge{}
	r.register(name, help, typeGauge, nil, &single{name: name, sample: g.sample})
	return g
}

// GaugeVec registers and returns a family of gauges with the given label
// names.
func (r *Registry) GaugeVec(name, help string, labels ...string) *GaugeVec {
	v := &vec[Gauge]{name: name, labels: labels, sample: (*Gauge).sample}
	r.register(name, help, typeGauge, labels, v)
	return &GaugeVec{v: v}
}

// CounterFunc registers a counter whose value f returns at scrape time, for
// counts another component keeps (accesslog.Sinks.Dropped). f must be safe
// for concurrent use and must not block.
func (r *Registry) CounterFunc(name, help string, f func() float64) {
	r.register(name, help, typeCounter, nil, &single{name: name, sample: func() string { return formatFloat(f()) }})
}

// GaugeFunc registers a gauge whose value f returns at scrape time.
func (r *Registry) GaugeFunc(name, help string, f func() float64) {
	r.register(name, help, typeGauge, nil, &single{name: name, sample: func() string { return formatFloat(f()) }})
}

// GaugeVecFunc registers a labelled gauge family whose series collect emits
// at scrape time, one emit call per series with one value per label (calls
// with a wrong number of values are ignored). For example, function
// instances per function and state, read from the function runtime.
func (r *Registry) GaugeVecFunc(name, help string, labels []string, collect func(emit func(v float64, labelValues ...string))) {
	r.register(name, help, typeGauge, labels, &funcFamily{name: name, labels: labels, collect: collect})
}

// CounterVecFunc registers a labelled counter family whose series collect
// emits at scrape time.
func (r *Registry) CounterVecFunc(name, help string, labels []string, collect func(emit func(v float64, labelValues ...string))) {
	r.register(name, help, typeCounter, labels, &funcFamily{name: name, labels: labels, collect: collect})
}
