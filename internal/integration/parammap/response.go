package parammap

import (
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/snapshot"
)

// ResponseMapping is an integration's compiled responseParameters
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html). It is immutable and safe for concurrent use; a nil
// *ResponseMapping maps nothing.
type ResponseMapping struct {
	byStatus map[int]*responseProgram
}

// responseProgram is the mapping of one status code.
type responseProgram struct {
	ops       []op  // header ops, in application order
	status    *expr // overwrite:statuscode, or nil
	readsBody bool
}

// CompileResponse parses an integration's responseParameters into a
// ResponseMapping, once, at deployment. It returns nil and no error when no
// status code has mappings. Every invalid entry is reported as a
// *ParseError, joined with errors.Join in status and key order.
//
// Keys of params are status codes "200" to "599" (exact codes, no ranges),
// each mapping append|overwrite|remove:header.{name} or overwrite:statuscode
// to a value. overwrite:statuscode takes a status code from 100 to 599, or a
// source expression starting with "$" whose value must be such a code when
// the response is mapped.
func CompileResponse(params map[string]map[string]string) (*ResponseMapping, error) {
	m := &ResponseMapping{byStatus: map[int]*responseProgram{}}
	var errs []error
	for _, code := range sortedKeys(params) {
		n, err := strconv.Atoi(code)
		if err != nil || len(code) != 3 || n < 200 || n > 599 {
			errs = append(errs, &ParseError{Status: code, Detail: "invalid status code " + code + "; response parameter keys must be status codes from 200 to 599"})
			continue
		}
		entries := params[code]
		if len(entries) == 0 {
			continue
		}
		p := &responseProgram{}
		for _, k := range sortedKeys(entries) {
			if err := p.parseEntry(code, k, entries[k]); err != nil {
				errs = append(errs, err)
			}
		}
		sortOps(p.ops)
		m.byStatus[n] = p
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(m.byStatus) == 0 {
		return nil, nil
	}
	return m, nil
}

// parseEntry parses one entry of the mapping of status code.
func (p *responseProgram) parseEntry(code, k, v string) error {
	fail := func(detail string) error {
		return &ParseError{Status: code, Key: k, Value: v, Detail: detail}
	}
	if k == "overwrite:statuscode" {
		if s, err := strconv.Atoi(v); err == nil && len(v) == 3 && s >= 100 && s <= 599 {
			p.status = &expr{raw: v, parts: []part{{lit: v}}, static: true}
			return nil
		}
		if !strings.HasPrefix(v, "$") {
			return fail("invalid source " + v + " specified for destination " + k + "; a status code must be 100 to 599")
		}
		e, err := parseEntryValue(k, v, false, sideResponse)
		if err != nil {
			return withStatus(err, code)
		}
		p.status = e
		p.readsBody = p.readsBody || e.readsBody
		return nil
	}
	act, tgt, _ := strings.Cut(k, ":")
	name, isHeader := strings.CutPrefix(tgt, "header.")
	o := op{key: k, tgt: tgtHeader}
	switch act {
	case "append":
		o.act = actAppend
	case "overwrite":
		o.act = actOverwrite
	case "remove":
		o.act = actRemove
	default:
		return fail("invalid response actioned parameter " + k)
	}
	switch {
	case !isHeader:
		return fail("invalid response actioned parameter " + k)
	case name == "" || !allChars(name, isHeaderChar):
		return fail("invalid header name in mapping key " + k)
	case model.ReservedHeader(name):
		return fail("header " + name + " is reserved and cannot be mapped")
	}
	o.name = textproto.CanonicalMIMEHeaderKey(name)
	e, err := parseEntryValue(k, v, o.act == actRemove, sideResponse)
	if err != nil {
		return withStatus(err, code)
	}
	o.value = e
	if e != nil && e.readsBody {
		p.readsBody = true
	}
	p.ops = append(p.ops, o)
	return nil
}

func withStatus(err error, code string) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		pe.Status = code
	}
	return err
}

// MapResponse applies the mapping of the integration's status code to resp
// before it is sent; a status without mappings leaves resp as it is. A
// StatusCode of 0 is taken as 200. Values are computed from the response as
// the integration returned it; then header removes, overwrites and appends
// are applied, each group in key order, and overwrite:statuscode last.
//
// resp.Header is modified in place (created when nil). When a value reads
// the body, its first MaxBodyBytes are read and put back in front of the
// rest: resp.Body is replaced and still yields the whole body, and
// ContentLength stays right. $context.integration.status is the
// integration's status. The only error is a failure to read the body.
func (m *ResponseMapping) MapResponse(req *invoke.Request, resp *invoke.Response) error {
	if m == nil || resp == nil {
		return nil
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	p := m.byStatus[status]
	if p == nil {
		return nil
	}
	ev := evalCtx{req: req, resp: resp, out: &invoke.Outcome{IntegrationStatus: status, IntegrationLatency: -1}}
	if p.readsBody {
		prefix, nb, err := readPrefix(resp.Body)
		if err != nil {
			return fmt.Errorf("mapping response parameters: %w", err)
		}
		ev.body, resp.Body = prefix, nb
	}
	var buf [8]value
	vals := buf[:0]
	for i := range p.ops {
		var v value
		if p.ops[i].value != nil {
			v = p.ops[i].value.eval(&ev)
		}
		vals = append(vals, v)
	}
	var newStatus value
	if p.status != nil {
		newStatus = p.status.eval(&ev)
	}
	if resp.Header == nil {
		resp.Header = make(http.Header)
	}
	for i := range p.ops {
		o, v := &p.ops[i], vals[i]
		if o.act != actRemove && !v.ok {
			continue
		}
		applyHeader(resp.Header, o, v.s)
	}
	if newStatus.ok {
		// A value that is not a status code 100..599 leaves the status as
		// it is (package documentation).
		if n, err := strconv.Atoi(strings.TrimSpace(newStatus.s)); err == nil && n >= 100 && n <= 599 {
			resp.StatusCode = n
		}
	}
	return nil
}

var _ snapshot.ResponseMapper = (*ResponseMapping)(nil)
