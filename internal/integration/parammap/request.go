package parammap

import (
	"errors"
	"fmt"
	"net/textproto"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/invoke/reqfacts"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/snapshot"
)

// action is what a mapping does to its target. The order of the constants is
// the order in which actions are applied.
type action uint8

const (
	actRemove action = iota
	actOverwrite
	actAppend
)

// target is what a mapping changes.
type target uint8

const (
	tgtHeader target = iota
	tgtQuery
	tgtPath
	tgtStatus
)

// op is one compiled mapping entry.
type op struct {
	key   string
	act   action
	tgt   target
	name  string // canonical header name or query string name
	value *expr  // nil for remove
}

// RequestMapping is an integration's compiled requestParameters
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html). It is immutable and safe for concurrent use; a nil
// *RequestMapping maps nothing.
type RequestMapping struct {
	ops       []op
	readsBody bool
	// changesHTTP is set when an op changes headers or the query string.
	changesHTTP bool
}

// CompileRequest parses the requestParameters of an integration without
// integrationSubtype (service integrations use the subtype's own parameter
// names, https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-aws-services-reference.html) into a RequestMapping, once, at
// deployment. It returns nil and no error for an empty map. Every invalid
// entry is reported as a *ParseError, joined with errors.Join in key order.
//
// Keys are append|overwrite|remove:header.{name},
// append|overwrite|remove:querystring.{name} and overwrite:path; reserved
// headers are refused; values are 1 to 512 characters (remove
// keys ignore theirs) in the syntax of the package documentation.
func CompileRequest(params map[string]string) (*RequestMapping, error) {
	if len(params) == 0 {
		return nil, nil
	}
	m := &RequestMapping{}
	var errs []error
	for _, k := range sortedKeys(params) {
		o, err := parseRequestEntry(k, params[k])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if o.value != nil && o.value.readsBody {
			m.readsBody = true
		}
		if o.tgt == tgtHeader || o.tgt == tgtQuery {
			m.changesHTTP = true
		}
		m.ops = append(m.ops, o)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sortOps(m.ops)
	return m, nil
}

// parseRequestEntry parses one requestParameters entry.
func parseRequestEntry(k, v string) (op, error) {
	fail := func(detail string) (op, error) {
		return op{}, &ParseError{Key: k, Value: v, Detail: detail}
	}
	act, tgt, ok := strings.Cut(k, ":")
	if !ok {
		return fail("invalid mapping key " + k + "; must be {action}:{target}")
	}
	o := op{key: k}
	switch act {
	case "append":
		o.act = actAppend
	case "overwrite":
		o.act = actOverwrite
	case "remove":
		o.act = actRemove
	default:
		return fail("invalid action " + act + " in mapping key " + k + "; must be append, overwrite or remove")
	}
	switch {
	case tgt == "path":
		if o.act != actOverwrite {
			return fail("invalid mapping key " + k + "; the path can only be overwritten")
		}
		o.tgt = tgtPath
	case strings.HasPrefix(tgt, "header."):
		name := strings.TrimPrefix(tgt, "header.")
		if name == "" || !allChars(name, isHeaderChar) {
			return fail("invalid header name in mapping key " + k)
		}
		if model.ReservedHeader(name) {
			return fail("header " + name + " is reserved and cannot be mapped")
		}
		o.tgt, o.name = tgtHeader, textproto.CanonicalMIMEHeaderKey(name)
	case strings.HasPrefix(tgt, "querystring."):
		name := strings.TrimPrefix(tgt, "querystring.")
		if name == "" || !allChars(name, isQueryNameChar) {
			return fail("invalid query string name in mapping key " + k)
		}
		o.tgt, o.name = tgtQuery, name
	default:
		return fail("invalid mapping key " + k + "; must target header.{name}, querystring.{name} or path")
	}
	e, err := parseEntryValue(k, v, o.act == actRemove, sideRequest)
	if err != nil {
		return op{}, err
	}
	o.value = e
	return o, nil
}

// parseEntryValue checks the length of a value and parses it, except for
// remove keys, whose value is ignored.
func parseEntryValue(k, v string, remove bool, s side) (*expr, error) {
	if utf8.RuneCountInString(v) > model.MaxParameterValueLen {
		return nil, &ParseError{Key: k, Value: v, Detail: fmt.Sprintf("values must be at most %d characters long", model.MaxParameterValueLen)}
	}
	if remove {
		return nil, nil
	}
	e, err := parseValue(v, s)
	if err != nil {
		return nil, &ParseError{Key: k, Value: v, Detail: "invalid source " + v + " specified for destination " + k + ": " + err.Error()}
	}
	return e, nil
}

// MapRequest applies the mapping to req before the integration is called.
// Every value is computed from the request as received first; then the
// removes, the overwrites and the appends are applied, each group in key
// order.
//
// req.HTTP is replaced by a copy (http.Request.Clone) carrying the mapped
// headers and query string; the *http.Request the caller holds is left
// with the client's headers and query (its Body may have been read: use
// req.HTTP.Body from now on). overwrite:path sets req.IntegrationPath, the
// escaped path. When a value reads the body, its first MaxBodyBytes are read
// and put back in front of the rest, so the integration still reads the
// whole body. The only error is a failure to read the body.
func (m *RequestMapping) MapRequest(req *invoke.Request) error {
	if m == nil || len(m.ops) == 0 || req.HTTP == nil {
		return nil
	}
	r := req.HTTP
	ev := evalCtx{req: req}
	body := r.Body
	if m.readsBody {
		prefix, nb, err := readPrefix(r.Body)
		if err != nil {
			return fmt.Errorf("mapping request parameters: %w", err)
		}
		ev.body, body = prefix, nb
	}
	var buf [8]value
	vals := buf[:0]
	for i := range m.ops {
		o := &m.ops[i]
		var v value
		switch {
		case o.value == nil:
		case o.tgt == tgtPath:
			v = o.value.evalPath(&ev)
		default:
			v = o.value.eval(&ev)
		}
		vals = append(vals, v)
	}
	if m.changesHTTP || m.readsBody {
		c := r.Clone(r.Context())
		c.Body = body
		req.HTTP = c
		r = c
	}
	var q *queryEdit
	for i := range m.ops {
		o, v := &m.ops[i], vals[i]
		if o.act != actRemove && !v.ok {
			// A missing source skips the mapping (package documentation).
			continue
		}
		switch o.tgt {
		case tgtHeader:
			applyHeader(r.Header, o, v.s)
		case tgtQuery:
			if q == nil {
				q = parseQueryEdit(r.URL.RawQuery)
			}
			q.apply(o, v.s)
		case tgtPath:
			req.IntegrationPath = v.s
		}
	}
	if q != nil {
		r.URL.RawQuery = q.String()
		r.URL.ForceQuery = false
	}
	return nil
}

// applyHeader applies a header op with value v to h (canonical keys). CR,
// LF and NUL in v become spaces, as net/http does when it writes a header,
// so that a value from a body or another header can neither split the
// header nor make the integration call fail.
func applyHeader(h map[string][]string, o *op, v string) {
	if strings.ContainsAny(v, "\r\n\x00") {
		b := []byte(v)
		for i, c := range b {
			if c == '\r' || c == '\n' || c == 0 {
				b[i] = ' '
			}
		}
		v = string(b)
	}
	switch o.act {
	case actRemove:
		delete(h, o.name)
	case actOverwrite:
		h[o.name] = []string{v}
	case actAppend:
		h[o.name] = append(h[o.name], v)
	}
}

// queryEdit is a query string being edited, pair by pair, keeping the
// encoding of the pairs it does not touch.
type queryEdit struct {
	pairs []queryPair
}

// queryPair is one name=value pair: raw as received (or as encoded by a
// mapping), name decoded.
type queryPair struct {
	raw  string
	name string
}

func parseQueryEdit(raw string) *queryEdit {
	q := &queryEdit{}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		n, _, _ := strings.Cut(pair, "=")
		q.pairs = append(q.pairs, queryPair{raw: pair, name: reqfacts.DecodeQueryComponent(n)})
	}
	return q
}

// apply applies a query string op: remove drops every pair of the name;
// overwrite replaces the first pair of the name in place and drops the
// others, or adds the pair at the end; append adds a pair at the end.
func (q *queryEdit) apply(o *op, v string) {
	var b strings.Builder
	appendQueryComponent(&b, o.name)
	b.WriteByte('=')
	appendQueryComponent(&b, v)
	pair := queryPair{raw: b.String(), name: o.name}
	switch o.act {
	case actRemove:
		q.remove(o.name, -1)
	case actOverwrite:
		for i := range q.pairs {
			if q.pairs[i].name == o.name {
				q.pairs[i] = pair
				q.remove(o.name, i)
				return
			}
		}
		q.pairs = append(q.pairs, pair)
	case actAppend:
		q.pairs = append(q.pairs, pair)
	}
}

// remove drops the pairs named name, except the one at index keep.
func (q *queryEdit) remove(name string, keep int) {
	out := q.pairs[:0]
	for i, p := range q.pairs {
		if p.name != name || i == keep {
			out = append(out, p)
		}
	}
	q.pairs = out
}

// String returns the raw query string.
func (q *queryEdit) String() string {
	var b strings.Builder
	for i, p := range q.pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.raw)
	}
	return b.String()
}

// sortOps orders ops as they are applied: by action (remove, overwrite,
// append), then by key.
func sortOps(ops []op) {
	sort.SliceStable(ops, func(i, j int) bool {
		if ops[i].act != ops[j].act {
			return ops[i].act < ops[j].act
		}
		return ops[i].key < ops[j].key
	})
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var _ snapshot.RequestMapper = (*RequestMapping)(nil)
