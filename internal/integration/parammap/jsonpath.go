package parammap

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// maxPathSteps bounds the steps of a JSONPath; mapping values are at most
// 512 characters anyway.
const maxPathSteps = 256

// stepKind is the kind of one JSONPath step.
type stepKind uint8

const (
	stepName     stepKind = iota // .name or ['name']
	stepIndex                    // [n], n < 0 counting from the end
	stepWildcard                 // .* or [*]
	stepSlice                    // [start:end], either omitted
	stepUnion                    // [a,b,...] of names or indexes
)

// selector is one member of a union: a name or an index.
type selector struct {
	name    string
	index   int
	isIndex bool
}

// step is one JSONPath step.
type step struct {
	kind     stepKind
	sel      selector // stepName, stepIndex
	start    int      // stepSlice
	end      int
	hasStart bool
	hasEnd   bool
	union    []selector
}

// jsonPath is a parsed JSONPath of the subset mapping values use: member
// names (.name, ['name'], ["name"]), array indexes ([0], [-1]), wildcards
// (.*, [*]), slices ([1:3], [:2], [-2:]) and unions ([0,2], ['a','b']). The
// leading "$." is implied: "$request.body.a.b" reads $.a.b. Recursive
// descent (..), filters (?()) and script expressions are refused
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html).
type jsonPath struct {
	raw   string
	steps []step
	// definite is true when the path selects at most one value (no wildcard,
	// slice or union).
	definite bool
}

// parseJSONPath parses the path after "$request.body." or
// "$response.body.".
func parseJSONPath(p string) (*jsonPath, error) {
	if p == "" {
		return nil, errors.New("empty path")
	}
	jp := &jsonPath{raw: p, definite: true}
	i := 0
	first := true
	for i < len(p) {
		if len(jp.steps) >= maxPathSteps {
			return nil, errors.New("too many steps")
		}
		switch {
		case p[i] == '[':
			end, st, err := parseBracket(p, i)
			if err != nil {
				return nil, err
			}
			jp.steps = append(jp.steps, st)
			i = end
		default:
			if !first {
				if p[i] != '.' {
					return nil, errors.New("expected . or [ at offset " + strconv.Itoa(i))
				}
				i++
			}
			j := i
			for j < len(p) && p[j] != '.' && p[j] != '[' {
				if p[j] == ']' {
					return nil, errors.New("unexpected ] at offset " + strconv.Itoa(j))
				}
				j++
			}
			if j == i {
				return nil, errors.New("empty member name at offset " + strconv.Itoa(i) + " (recursive descent is not supported)")
			}
			name := p[i:j]
			if name == "*" {
				jp.steps = append(jp.steps, step{kind: stepWildcard})
			} else {
				jp.steps = append(jp.steps, step{kind: stepName, sel: selector{name: name}})
			}
			i = j
		}
		first = false
	}
	for _, st := range jp.steps {
		if st.kind != stepName && st.kind != stepIndex {
			jp.definite = false
		}
	}
	return jp, nil
}

// parseBracket parses the bracket step starting at p[i] == '[' and returns
// the offset after its ']'.
func parseBracket(p string, i int) (int, step, error) {
	j := i + 1
	var items []string
	var quoted []bool
	for {
		for j < len(p) && p[j] == ' ' {
			j++
		}
		if j >= len(p) {
			return 0, step{}, errors.New("unterminated [ at offset " + strconv.Itoa(i))
		}
		if q := p[j]; q == '\'' || q == '"' {
			s, n, err := unquote(p[j:], q)
			if err != nil {
				return 0, step{}, err
			}
			items, quoted = append(items, s), append(quoted, true)
			j += n
		} else {
			k := j
			for k < len(p) && p[k] != ',' && p[k] != ']' {
				k++
			}
			items, quoted = append(items, strings.TrimRight(p[j:k], " ")), append(quoted, false)
			j = k
		}
		for j < len(p) && p[j] == ' ' {
			j++
		}
		if j >= len(p) {
			return 0, step{}, errors.New("unterminated [ at offset " + strconv.Itoa(i))
		}
		if p[j] == ']' {
			j++
			break
		}
		if p[j] != ',' {
			return 0, step{}, errors.New("expected , or ] at offset " + strconv.Itoa(j))
		}
		j++
	}
	if len(items) == 1 {
		if quoted[0] {
			return j, step{kind: stepName, sel: selector{name: items[0]}}, nil
		}
		it := items[0]
		switch {
		case it == "*":
			return j, step{kind: stepWildcard}, nil
		case strings.Contains(it, ":"):
			st, err := parseSlice(it)
			return j, st, err
		}
	}
	var union []selector
	for k, it := range items {
		if quoted[k] {
			union = append(union, selector{name: it})
			continue
		}
		n, err := parseIndex(it)
		if err != nil {
			return 0, step{}, err
		}
		union = append(union, selector{index: n, isIndex: true})
	}
	if len(union) == 1 {
		return j, step{kind: stepIndex, sel: union[0]}, nil
	}
	return j, step{kind: stepUnion, union: union}, nil
}

// parseSlice parses "start:end" with either bound optional; a step
// ("a:b:c") is refused.
func parseSlice(s string) (step, error) {
	a, b, _ := strings.Cut(s, ":")
	if strings.Contains(b, ":") {
		return step{}, errors.New("slice steps are not supported: [" + s + "]")
	}
	st := step{kind: stepSlice}
	var err error
	if a = strings.TrimSpace(a); a != "" {
		if st.start, err = parseIndex(a); err != nil {
			return step{}, err
		}
		st.hasStart = true
	}
	if b = strings.TrimSpace(b); b != "" {
		if st.end, err = parseIndex(b); err != nil {
			return step{}, err
		}
		st.hasEnd = true
	}
	return st, nil
}

// parseIndex parses an array index, optionally negative.
func parseIndex(s string) (int, error) {
	if s == "" {
		return 0, errors.New("empty index")
	}
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || len(digits) > 9 || !allChars(digits, func(c byte) bool { return '0' <= c && c <= '9' }) {
		return 0, errors.New("unsupported selector [" + s + "]: use a number, '*', start:end or a quoted name")
	}
	return strconv.Atoi(s)
}

// unquote reads a quoted name at the start of s (quote q) with backslash
// escapes of the quote and backslash, and returns it and the bytes consumed.
func unquote(s string, q byte) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 >= len(s) {
				return "", 0, errors.New("unterminated quoted name")
			}
			i++
			b.WriteByte(s[i])
		case q:
			return b.String(), i + 1, nil
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, errors.New("unterminated quoted name")
}

// render evaluates the path on doc, valid JSON, and formats the result: a
// string's text, a number or boolean as written, an object or array as
// compact JSON; null or no match is absent. An indefinite path gives a JSON
// array of its matches.
func (p *jsonPath) render(doc []byte) (string, bool) {
	res := p.eval(doc)
	if len(res) == 0 {
		return "", false
	}
	if p.definite {
		return renderScalar(res[0])
	}
	var b bytes.Buffer
	b.WriteByte('[')
	for i, r := range res {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := json.Compact(&b, r); err != nil {
			return "", false
		}
	}
	b.WriteByte(']')
	return b.String(), true
}

// renderScalar formats one selected JSON value.
func renderScalar(v json.RawMessage) (string, bool) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "", false
	}
	switch v[0] {
	case 'n':
		return "", false
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", false
		}
		return s, true
	case '{', '[':
		var b bytes.Buffer
		if err := json.Compact(&b, v); err != nil {
			return "", false
		}
		return b.String(), true
	}
	return string(v), true
}

// eval returns the values p selects in doc, in document order.
func (p *jsonPath) eval(doc []byte) []json.RawMessage {
	cur := []json.RawMessage{doc}
	for _, st := range p.steps {
		var next []json.RawMessage
		for _, n := range cur {
			next = st.apply(n, next)
		}
		if len(next) == 0 {
			return nil
		}
		cur = next
	}
	return cur
}

// apply appends what st selects in n to dst.
func (st *step) apply(n json.RawMessage, dst []json.RawMessage) []json.RawMessage {
	switch st.kind {
	case stepName:
		if v, ok := member(n, st.sel.name); ok {
			dst = append(dst, v)
		}
	case stepIndex:
		if arr, ok := elements(n); ok {
			if i, ok := resolveIndex(st.sel.index, len(arr)); ok {
				dst = append(dst, arr[i])
			}
		}
	case stepWildcard:
		if arr, ok := elements(n); ok {
			return append(dst, arr...)
		}
		if ms, ok := members(n); ok {
			for _, m := range ms {
				dst = append(dst, m.value)
			}
		}
	case stepSlice:
		arr, ok := elements(n)
		if !ok {
			return dst
		}
		lo, hi := 0, len(arr)
		if st.hasStart {
			lo = clampIndex(st.start, len(arr))
		}
		if st.hasEnd {
			hi = clampIndex(st.end, len(arr))
		}
		if lo < hi {
			dst = append(dst, arr[lo:hi]...)
		}
	case stepUnion:
		for _, sel := range st.union {
			if sel.isIndex {
				if arr, ok := elements(n); ok {
					if i, ok := resolveIndex(sel.index, len(arr)); ok {
						dst = append(dst, arr[i])
					}
				}
				continue
			}
			if v, ok := member(n, sel.name); ok {
				dst = append(dst, v)
			}
		}
	}
	return dst
}

func resolveIndex(i, n int) (int, bool) {
	if i < 0 {
		i += n
	}
	return i, i >= 0 && i < n
}

func clampIndex(i, n int) int {
	if i < 0 {
		i += n
	}
	return min(max(i, 0), n)
}

// kind returns the first non-space byte of a JSON value.
func kind(v json.RawMessage) byte {
	for _, c := range v {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c
		}
	}
	return 0
}

// elements returns the elements of a JSON array.
func elements(v json.RawMessage) ([]json.RawMessage, bool) {
	if kind(v) != '[' {
		return nil, false
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(v, &arr); err != nil {
		return nil, false
	}
	return arr, true
}

// jsonMember is one member of a JSON object.
type jsonMember struct {
	name  string
	value json.RawMessage
}

// members returns the members of a JSON object in document order.
func members(v json.RawMessage) ([]jsonMember, bool) {
	if kind(v) != '{' {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	if _, err := dec.Token(); err != nil {
		return nil, false
	}
	var ms []jsonMember
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		name, ok := tok.(string)
		if !ok {
			return nil, false
		}
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, false
		}
		ms = append(ms, jsonMember{name, val})
	}
	return ms, true
}

// member returns the value of the member name of a JSON object; with
// duplicate names the last one wins, as encoding/json decodes them.
func member(v json.RawMessage, name string) (json.RawMessage, bool) {
	ms, ok := members(v)
	if !ok {
		return nil, false
	}
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].name == name {
			return ms[i].value, true
		}
	}
	return nil, false
}
