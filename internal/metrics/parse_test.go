package metrics

import (
	"bufio"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// exposition is a parsed text exposition: sample values keyed by
// name{label="value",...} with labels sorted, and each family's TYPE.
type exposition struct {
	samples map[string]float64
	types   map[string]string
	help    map[string]string
}

// parseExposition parses the Prometheus text format (version 0.0.4)
// strictly: every line is a HELP, a TYPE or a sample; a family's HELP and
// TYPE come once, before its samples; names and label names are valid;
// label values use only the \\, \" and \n escapes; values parse as floats;
// histogram buckets have increasing le, cumulative counts, and a +Inf bucket
// equal to _count.
func parseExposition(text string) (*exposition, error) {
	e := &exposition{samples: map[string]float64{}, types: map[string]string{}, help: map[string]string{}}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	type histSeries struct {
		les    []float64
		counts []float64
	}
	hists := map[string]*histSeries{}
	seenSamples := map[string]bool{} // families with samples already
	line := 0
	for sc.Scan() {
		line++
		l := sc.Text()
		fail := func(format string, args ...any) error {
			return fmt.Errorf("line %d %q: %s", line, l, fmt.Sprintf(format, args...))
		}
		switch {
		case strings.HasPrefix(l, "# HELP "):
			name, help, ok := strings.Cut(l[len("# HELP "):], " ")
			if !ok || !validName(name) {
				return nil, fail("bad HELP")
			}
			if _, dup := e.help[name]; dup || seenSamples[name] {
				return nil, fail("HELP repeated or after samples")
			}
			e.help[name] = help
		case strings.HasPrefix(l, "# TYPE "):
			name, typ, ok := strings.Cut(l[len("# TYPE "):], " ")
			if !ok || !validName(name) {
				return nil, fail("bad TYPE")
			}
			switch typ {
			case "counter", "gauge", "histogram", "summary", "untyped":
			default:
				return nil, fail("unknown type %q", typ)
			}
			if _, dup := e.types[name]; dup || seenSamples[name] {
				return nil, fail("TYPE repeated or after samples")
			}
			e.types[name] = typ
		case strings.HasPrefix(l, "#"):
			return nil, fail("unexpected comment")
		default:
			name, labels, value, err := parseSampleLine(l)
			if err != nil {
				return nil, fail("%v", err)
			}
			fam := name
			typ, ok := e.types[fam]
			if !ok {
				for _, suf := range []string{"_bucket", "_sum", "_count"} {
					if base, cut := strings.CutSuffix(name, suf); cut && e.types[base] == "histogram" {
						fam, typ, ok = base, "histogram", true
					}
				}
			}
			if !ok {
				return nil, fail("sample of a family without TYPE")
			}
			seenSamples[fam] = true
			keyLabels := labels
			if typ == "histogram" && strings.HasSuffix(name, "_bucket") {
				le, ok := labels["le"]
				if !ok {
					return nil, fail("bucket without le")
				}
				bound, err := strconv.ParseFloat(le, 64)
				if err != nil {
					return nil, fail("bad le %q", le)
				}
				rest := map[string]string{}
				for k, v := range labels {
					if k != "le" {
						rest[k] = v
					}
				}
				sk := seriesID(fam, rest)
				h := hists[sk]
				if h == nil {
					h = &histSeries{}
					hists[sk] = h
				}
				if n := len(h.les); n > 0 && (bound <= h.les[n-1] || value < h.counts[n-1]) {
					return nil, fail("buckets not increasing or not cumulative")
				}
				h.les, h.counts = append(h.les, bound), append(h.counts, value)
			}
			if typ == "histogram" && strings.HasSuffix(name, "_count") {
				h := hists[seriesID(fam, labels)]
				if h == nil || len(h.les) == 0 || !math.IsInf(h.les[len(h.les)-1], 1) || h.counts[len(h.counts)-1] != value {
					return nil, fail("_count does not match the +Inf bucket")
				}
			}
			id := seriesID(name, keyLabels)
			if _, dup := e.samples[id]; dup {
				return nil, fail("duplicate series")
			}
			e.samples[id] = value
		}
	}
	return e, sc.Err()
}

// parseSampleLine parses name{l="v",...} value.
func parseSampleLine(l string) (string, map[string]string, float64, error) {
	i := strings.IndexAny(l, "{ ")
	if i <= 0 {
		return "", nil, 0, fmt.Errorf("no value")
	}
	name := l[:i]
	if !validName(name) {
		return "", nil, 0, fmt.Errorf("bad name %q", name)
	}
	labels := map[string]string{}
	rest := l[i:]
	if rest[0] == '{' {
		rest = rest[1:]
		for {
			if strings.HasPrefix(rest, "}") {
				rest = rest[1:]
				break
			}
			eq := strings.Index(rest, `="`)
			if eq <= 0 {
				return "", nil, 0, fmt.Errorf("bad label at %q", rest)
			}
			ln := rest[:eq]
			if !validLabel(ln) && ln != "le" {
				return "", nil, 0, fmt.Errorf("bad label name %q", ln)
			}
			rest = rest[eq+2:]
			var b strings.Builder
			j := 0
			for ; j < len(rest) && rest[j] != '"'; j++ {
				if rest[j] == '\\' {
					j++
					if j >= len(rest) {
						return "", nil, 0, fmt.Errorf("bad escape")
					}
					switch rest[j] {
					case '\\', '"':
						b.WriteByte(rest[j])
					case 'n':
						b.WriteByte('\n')
					default:
						return "", nil, 0, fmt.Errorf("bad escape \\%c", rest[j])
					}
					continue
				}
				b.WriteByte(rest[j])
			}
			if j >= len(rest) {
				return "", nil, 0, fmt.Errorf("unterminated label value")
			}
			if _, dup := labels[ln]; dup {
				return "", nil, 0, fmt.Errorf("label %s repeated", ln)
			}
			labels[ln] = b.String()
			rest = rest[j+1:]
			if strings.HasPrefix(rest, ",") {
				rest = rest[1:]
			} else if !strings.HasPrefix(rest, "}") {
				return "", nil, 0, fmt.Errorf("expected , or }")
			}
		}
	}
	if !strings.HasPrefix(rest, " ") {
		return "", nil, 0, fmt.Errorf("no space before the value")
	}
	v, err := strconv.ParseFloat(rest[1:], 64)
	if err != nil {
		return "", nil, 0, fmt.Errorf("bad value: %w", err)
	}
	return name, labels, v, nil
}

// seriesID renders name{k="v",...} with sorted labels, unescaped.
func seriesID(name string, labels map[string]string) string {
	if len(labels) == 0 {
		return name
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%q", k, labels[k])
	}
	b.WriteByte('}')
	return b.String()
}
