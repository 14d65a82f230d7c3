package parammap

import (
	"errors"
	"fmt"

	"github.com/apigwdev/apigw/internal/invoke"
)

// Values are named mapping values compiled once: the requestParameters of
// an AWS service integration, whose keys are the subtype's parameter names
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-aws-services-reference.html) and whose values are in the value language
// of the package documentation, evaluated against the request. A nil
// *Values resolves to nothing. Values are immutable and safe for
// concurrent use.
type Values struct {
	names     []string
	exprs     []*expr
	readsBody bool
}

// CompileValues parses every value of params (keys are names, not mapping
// targets). It returns nil and no error for an empty map. Every invalid
// value is reported as a *ParseError, joined with errors.Join in key order.
func CompileValues(params map[string]string) (*Values, error) {
	if len(params) == 0 {
		return nil, nil
	}
	v := &Values{}
	var errs []error
	for _, k := range sortedKeys(params) {
		raw := params[k]
		e, err := parseValue(raw, sideRequest)
		if err != nil {
			errs = append(errs, &ParseError{Key: k, Value: raw, Detail: "invalid source " + raw + " specified for " + k + ": " + err.Error()})
			continue
		}
		v.readsBody = v.readsBody || e.readsBody
		v.names = append(v.names, k)
		v.exprs = append(v.exprs, e)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return v, nil
}

// Resolve evaluates every value against req and returns the names that
// have a value; a value whose sources are all missing is left out (the
// package documentation's rule for skipped mappings). When a value reads
// the body, its first MaxBodyBytes are read and put back in front of the
// rest (req.HTTP.Body is replaced). The only error is a failure to read the
// body.
func (v *Values) Resolve(req *invoke.Request) (map[string]string, error) {
	if v == nil {
		return nil, nil
	}
	ev := evalCtx{req: req}
	if v.readsBody && req.HTTP != nil {
		prefix, nb, err := readPrefix(req.HTTP.Body)
		if err != nil {
			return nil, fmt.Errorf("resolving parameters: %w", err)
		}
		ev.body = prefix
		req.HTTP.Body = nb
	}
	out := make(map[string]string, len(v.names))
	for i, e := range v.exprs {
		if r := e.eval(&ev); r.ok {
			out[v.names[i]] = r.s
		}
	}
	return out, nil
}
