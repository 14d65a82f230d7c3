package template

import (
	"encoding/base64"
	"fmt"
	"math/big"
	"net/netip"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// This file is phase P3: CloudFormation's intrinsic functions, conditions,
// parameters and pseudo parameters
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html).
// Values are resolved where they are used, so that a placeholder or an
// error is reported only when something apigw serves needs it.

// evalCtx is where a value is resolved: its stack, the diagnostic path, and
// the local variables of an Fn::Sub.
type evalCtx struct {
	s    *stack
	path string
	// lenient turns errors into infos (stack Outputs, which only print).
	lenient bool
}

func (c evalCtx) errorf(n *yaml.Node, format string, args ...any) {
	sev := Error
	if c.lenient {
		sev = Info
	}
	c.s.ds.add(c.s.fileOf(n), n, sev, c.path, format, args...)
}

// fatalf reports an error CloudFormation gives for the whole template
// (an undefined resource), even where other errors only print (Outputs).
func (c evalCtx) fatalf(n *yaml.Node, format string, args ...any) {
	c.s.ds.add(c.s.fileOf(n), n, Error, c.path, format, args...)
}

func (c evalCtx) warnf(n *yaml.Node, format string, args ...any) {
	c.s.ds.add(c.s.fileOf(n), n, Warning, c.path, format, args...)
}

// eval resolves every intrinsic function in n and returns a new tree (n is
// not modified). It returns (nil, true) for AWS::NoValue and (nil, false)
// after an error it reported.
func (c evalCtx) eval(n *yaml.Node) (*yaml.Node, bool) {
	return c.evalDepth(n, 0)
}

func (c evalCtx) evalDepth(n *yaml.Node, depth int) (*yaml.Node, bool) {
	n = deref(n)
	if n == nil {
		return nil, true
	}
	if depth > maxDepth {
		c.errorf(n, "intrinsic functions nest deeper than %d levels", maxDepth)
		return nil, false
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if isString(n) && strings.Contains(n.Value, "{{resolve:") {
			c.warnf(n, "%s is resolved by CloudFormation at deploy time; override with --env-vars or parameterOverrides", n.Value)
		}
		return n, true
	case yaml.SequenceNode:
		out := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: n.Line, Column: n.Column}
		ok := true
		for _, x := range n.Content {
			v, good := c.evalDepth(x, depth+1)
			if !good {
				ok = false
				continue
			}
			if v != nil {
				out.Content = append(out.Content, v)
			}
		}
		return out, ok
	case yaml.MappingNode:
		if fn := intrinsicName(n); fn != "" && fn != "Condition" {
			return c.call(fn, n, n.Content[1], depth)
		}
		out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column}
		ok := true
		for _, p := range pairs(n) {
			v, good := c.evalDepth(p.val, depth+1)
			if !good {
				ok = false
				continue
			}
			if v != nil {
				out.Content = append(out.Content, p.key, v)
			}
		}
		return out, ok
	}
	return n, true
}

// call evaluates intrinsic function fn whose node is n and argument arg.
func (c evalCtx) call(fn string, n, arg *yaml.Node, depth int) (*yaml.Node, bool) {
	arg = deref(arg)
	switch fn {
	case "Ref":
		name, ok := scalar(arg)
		if !ok {
			v, good := c.evalDepth(arg, depth+1)
			if !good {
				return nil, false
			}
			if name, ok = scalar(v); !ok {
				c.errorf(n, "Template error: every Ref object must have a single String value.")
				return nil, false
			}
		}
		return c.s.ref(c, n, name)
	case "Fn::GetAtt":
		return c.getAtt(n, arg, depth)
	case "Fn::Sub":
		return c.sub(n, arg, depth)
	case "Fn::Join":
		return c.join(n, arg, depth)
	case "Fn::Select":
		return c.selectFn(n, arg, depth)
	case "Fn::Split":
		args, ok := c.args(n, arg, 2, depth)
		if !ok {
			return nil, false
		}
		delim, ok1 := scalar(args[0])
		str, ok2 := scalar(args[1])
		if !ok1 || !ok2 {
			c.errorf(n, "Template error: Fn::Split requires a delimiter and a string")
			return nil, false
		}
		out := seqNode(n)
		for _, part := range strings.Split(str, delim) {
			out.Content = append(out.Content, strNode(n, part))
		}
		return out, true
	case "Fn::If":
		if arg.Kind != yaml.SequenceNode || len(arg.Content) != 3 {
			c.errorf(n, "Template error: Fn::If requires a list of three elements: a condition name and two values")
			return nil, false
		}
		name, ok := scalar(arg.Content[0])
		if !ok {
			c.errorf(arg.Content[0], "Template error: the first element of Fn::If must be a condition name")
			return nil, false
		}
		b, ok := c.s.condition(c, arg.Content[0], name)
		if !ok {
			return nil, false
		}
		if b {
			return c.evalDepth(arg.Content[1], depth+1)
		}
		return c.evalDepth(arg.Content[2], depth+1)
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		b, ok := c.s.condExpr(c, n, depth)
		if !ok {
			return nil, false
		}
		return boolNode(n, b), true
	case "Fn::FindInMap":
		return c.findInMap(n, arg, depth)
	case "Fn::Base64":
		v, ok := c.evalDepth(arg, depth+1)
		if !ok {
			return nil, false
		}
		s, ok := scalar(v)
		if !ok {
			c.errorf(n, "Template error: Fn::Base64 requires a string")
			return nil, false
		}
		return strNode(n, base64.StdEncoding.EncodeToString([]byte(s))), true
	case "Fn::GetAZs":
		region := c.s.set.opts.Region
		if v, ok := c.evalDepth(arg, depth+1); ok {
			if r, ok := scalar(v); ok && r != "" {
				region = r
			}
		}
		return seqNode(n, strNode(n, region+"a"), strNode(n, region+"b"), strNode(n, region+"c")), true
	case "Fn::Cidr":
		return c.cidr(n, arg, depth)
	case "Fn::ImportValue":
		v, ok := c.evalDepth(arg, depth+1)
		if !ok {
			return nil, false
		}
		name, ok := scalar(v)
		if !ok {
			c.errorf(n, "Template error: Fn::ImportValue requires a string")
			return nil, false
		}
		return c.s.set.importValue(c, n, name)
	case "Fn::Transform":
		c.errorf(n, "Fn::Transform is expanded before intrinsic functions; only AWS::Include is supported")
		return nil, false
	}
	c.errorf(n, "unknown intrinsic function %s", fn)
	return nil, false
}

// args evaluates a list argument of exactly want elements.
func (c evalCtx) args(n, arg *yaml.Node, want, depth int) ([]*yaml.Node, bool) {
	fn := n.Content[0].Value
	if arg.Kind != yaml.SequenceNode || len(arg.Content) != want {
		c.errorf(n, "Template error: %s requires a list of %d elements", fn, want)
		return nil, false
	}
	out := make([]*yaml.Node, want)
	for i, x := range arg.Content {
		v, ok := c.evalDepth(x, depth+1)
		if !ok {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

func (c evalCtx) getAtt(n, arg *yaml.Node, depth int) (*yaml.Node, bool) {
	var id, attr string
	switch arg.Kind {
	case yaml.ScalarNode:
		id, attr, _ = strings.Cut(arg.Value, ".")
	case yaml.SequenceNode:
		if len(arg.Content) == 2 {
			id, _ = scalar(arg.Content[0])
			v, ok := c.evalDepth(arg.Content[1], depth+1)
			if !ok {
				return nil, false
			}
			attr, _ = scalar(v)
		}
	}
	if id == "" || attr == "" {
		c.errorf(n, "Template error: every Fn::GetAtt object requires two non-empty parameters, the resource name and the resource attribute")
		return nil, false
	}
	return c.s.getAtt(c, n, id, attr)
}

func (c evalCtx) join(n, arg *yaml.Node, depth int) (*yaml.Node, bool) {
	if arg.Kind != yaml.SequenceNode || len(arg.Content) != 2 {
		c.errorf(n, "Template error: Fn::Join requires a list of two elements: a delimiter and a list")
		return nil, false
	}
	delim, ok := scalar(arg.Content[0])
	if !ok && !isNull(arg.Content[0]) {
		c.errorf(n, "Template error: the delimiter of Fn::Join must be a string")
		return nil, false
	}
	list, ok := c.evalDepth(arg.Content[1], depth+1)
	if !ok {
		return nil, false
	}
	if list == nil || list.Kind != yaml.SequenceNode {
		c.errorf(n, "Template error: the second element of Fn::Join must be a list")
		return nil, false
	}
	parts := make([]string, 0, len(list.Content))
	for _, x := range list.Content {
		s, ok := scalar(x)
		if !ok {
			c.errorf(x, "Template error: every member of the list of Fn::Join must be a string, not %s", kindName(x))
			return nil, false
		}
		parts = append(parts, s)
	}
	return strNode(n, strings.Join(parts, delim)), true
}

func (c evalCtx) selectFn(n, arg *yaml.Node, depth int) (*yaml.Node, bool) {
	args, ok := c.args(n, arg, 2, depth)
	if !ok {
		return nil, false
	}
	i, ok := intOf(args[0])
	if !ok {
		c.errorf(n, "Template error: the index of Fn::Select must be an integer")
		return nil, false
	}
	if args[1] == nil || args[1].Kind != yaml.SequenceNode {
		c.errorf(n, "Template error: the second element of Fn::Select must be a list")
		return nil, false
	}
	if i < 0 || i >= len(args[1].Content) {
		c.errorf(n, "Template error: Fn::Select cannot select nonexistent value at index %d", i)
		return nil, false
	}
	v := args[1].Content[i]
	if isNull(v) {
		c.errorf(n, "Template error: Fn::Select selected a null value at index %d", i)
		return nil, false
	}
	return v, true
}

func (c evalCtx) findInMap(n, arg *yaml.Node, depth int) (*yaml.Node, bool) {
	args, ok := c.args(n, arg, 3, depth)
	if !ok {
		return nil, false
	}
	var keys [3]string
	for i, a := range args {
		if keys[i], ok = scalar(a); !ok {
			c.errorf(n, "Template error: every element of Fn::FindInMap must be a string")
			return nil, false
		}
	}
	m := get(c.s.root, "Mappings")
	top := get(m, keys[0])
	if top == nil {
		c.errorf(n, "Template error: Unable to get mapping for %s::%s::%s", keys[0], keys[1], keys[2])
		return nil, false
	}
	second := get(top, keys[1])
	v := get(second, keys[2])
	if v == nil {
		c.errorf(n, "Template error: Unable to get mapping for %s::%s::%s", keys[0], keys[1], keys[2])
		return nil, false
	}
	return c.evalDepth(v, depth+1)
}

func (c evalCtx) cidr(n, arg *yaml.Node, depth int) (*yaml.Node, bool) {
	args, ok := c.args(n, arg, 3, depth)
	if !ok {
		return nil, false
	}
	block, _ := scalar(args[0])
	count, ok1 := intOf(args[1])
	bits, ok2 := intOf(args[2])
	prefix, err := netip.ParsePrefix(block)
	if err != nil || !ok1 || !ok2 || count < 1 || count > 256 || bits < 1 {
		c.errorf(n, "Template error: Fn::Cidr requires an address block, a count (1-256) and the number of subnet bits")
		return nil, false
	}
	total := 32
	if prefix.Addr().Is6() {
		total = 128
	}
	size := total - bits
	if size < prefix.Bits() {
		c.errorf(n, "Template error: Fn::Cidr: %d subnet bits do not fit in %s", bits, block)
		return nil, false
	}
	out := seqNode(n)
	addr := prefix.Masked().Addr()
	for range count {
		p := netip.PrefixFrom(addr, size)
		if !prefix.Contains(addr) {
			c.errorf(n, "Template error: Fn::Cidr: %s cannot hold %d subnets of %d bits", block, count, bits)
			return nil, false
		}
		out.Content = append(out.Content, strNode(n, p.String()))
		addr = addPow2(addr, bits)
	}
	return out, true
}

// addPow2 adds 2^bits to an address (wrapping is caught by the caller's
// containment check).
func addPow2(a netip.Addr, bits int) netip.Addr {
	b := a.AsSlice()
	v := new(big.Int).SetBytes(b)
	v.Add(v, new(big.Int).Lsh(big.NewInt(1), uint(bits)))
	out := v.FillBytes(make([]byte, len(b)+1))[1:]
	r, _ := netip.AddrFromSlice(out)
	return r
}

// sub implements Fn::Sub.
func (c evalCtx) sub(n, arg *yaml.Node, depth int) (*yaml.Node, bool) {
	var tmpl string
	vars := map[string]*yaml.Node{}
	switch arg.Kind {
	case yaml.ScalarNode:
		tmpl = arg.Value
	case yaml.SequenceNode:
		if len(arg.Content) != 2 {
			c.errorf(n, "Template error: Fn::Sub requires a string or a list of a string and a map")
			return nil, false
		}
		s, ok := scalar(arg.Content[0])
		if !ok {
			c.errorf(n, "Template error: the first element of Fn::Sub must be a string")
			return nil, false
		}
		tmpl = s
		m := deref(arg.Content[1])
		if m.Kind != yaml.MappingNode {
			c.errorf(n, "Template error: the second element of Fn::Sub must be a map")
			return nil, false
		}
		for _, p := range pairs(m) {
			v, ok := c.evalDepth(p.val, depth+1)
			if !ok {
				return nil, false
			}
			vars[p.key.Value] = v
		}
	default:
		c.errorf(n, "Template error: Fn::Sub requires a string or a list of a string and a map")
		return nil, false
	}
	var b strings.Builder
	ok := true
	for {
		i := strings.Index(tmpl, "${")
		if i < 0 {
			b.WriteString(tmpl)
			break
		}
		b.WriteString(tmpl[:i])
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl[i:])
			break
		}
		name := tmpl[i+2 : i+j]
		tmpl = tmpl[i+j+1:]
		if strings.HasPrefix(name, "!") {
			b.WriteString("${" + name[1:] + "}")
			continue
		}
		name = strings.TrimSpace(name)
		var v *yaml.Node
		var good bool
		if lv, isLocal := vars[name]; isLocal {
			v, good = lv, true
		} else if id, attr, dotted := strings.Cut(name, "."); dotted && !strings.HasPrefix(name, "AWS::") {
			v, good = c.s.getAtt(c, n, id, attr)
		} else {
			v, good = c.s.ref(c, n, name)
		}
		if !good {
			ok = false
			continue
		}
		s, isScalar := scalar(v)
		if !isScalar {
			c.errorf(n, "Template error: variable %s in Fn::Sub expression does not resolve to a string", name)
			ok = false
			continue
		}
		b.WriteString(s)
	}
	if !ok {
		return nil, false
	}
	return strNode(n, b.String()), true
}

// condition evaluates the named condition of the stack (memoized; cycles
// are errors).
func (s *stack) condition(c evalCtx, at *yaml.Node, name string) (bool, bool) {
	if v, ok := s.condValues[name]; ok {
		return v, true
	}
	def := get(get(s.root, "Conditions"), name)
	if def == nil {
		c.errorf(at, "Template format error: Unresolved dependencies [%s]. Cannot reference resources in the Conditions block of the template", name)
		return false, false
	}
	if s.condBusy[name] {
		c.errorf(at, "Template error: circular dependency between conditions: %s", name)
		return false, false
	}
	s.condBusy[name] = true
	cc := evalCtx{s: s, path: "Conditions." + name, lenient: c.lenient}
	v, ok := s.condExpr(cc, def, 0)
	delete(s.condBusy, name)
	if ok {
		s.condValues[name] = v
	}
	return v, ok
}

// condExpr evaluates a condition expression.
func (s *stack) condExpr(c evalCtx, n *yaml.Node, depth int) (bool, bool) {
	n = deref(n)
	if depth > maxDepth {
		c.errorf(n, "conditions nest deeper than %d levels", maxDepth)
		return false, false
	}
	fn := intrinsicName(n)
	if fn == "" {
		if b, ok := boolOf(n); ok {
			return b, true
		}
		c.errorf(n, "Template error: a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition, not %s", kindName(n))
		return false, false
	}
	arg := deref(n.Content[1])
	switch fn {
	case "Condition":
		name, _ := scalar(arg)
		return s.condition(c, arg, name)
	case "Fn::Equals":
		if arg.Kind != yaml.SequenceNode || len(arg.Content) != 2 {
			c.errorf(n, "Template error: Fn::Equals requires a list of two values")
			return false, false
		}
		a, ok1 := c.evalDepth(arg.Content[0], depth+1)
		b, ok2 := c.evalDepth(arg.Content[1], depth+1)
		if !ok1 || !ok2 {
			return false, false
		}
		as, _ := scalar(a)
		bs, _ := scalar(b)
		return as == bs, true
	case "Fn::Not":
		if arg.Kind != yaml.SequenceNode || len(arg.Content) != 1 {
			c.errorf(n, "Template error: Fn::Not requires a list of one condition")
			return false, false
		}
		v, ok := s.condExpr(c, arg.Content[0], depth+1)
		return !v, ok
	case "Fn::And", "Fn::Or":
		if arg.Kind != yaml.SequenceNode || len(arg.Content) < 2 || len(arg.Content) > 10 {
			c.errorf(n, "Template error: %s requires a list of 2 to 10 conditions", fn)
			return false, false
		}
		and := fn == "Fn::And"
		res := and
		for _, x := range arg.Content {
			v, ok := s.condExpr(c, x, depth+1)
			if !ok {
				return false, false
			}
			if and {
				res = res && v
			} else {
				res = res || v
			}
		}
		return res, true
	}
	c.errorf(n, "Template error: %s is not a condition function", fn)
	return false, false
}

// stringOf renders a resolved scalar as a string, numbers and booleans with
// their source text.
func stringOf(n *yaml.Node) (string, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return "", false
	}
	if isNull(n) {
		return "", true
	}
	return n.Value, true
}

// payloadVersion normalises a payload format version written as a number
// (1, 1.0, 2, 2.0) to "1.0"/"2.0".
func payloadVersion(s string) string {
	if f, err := strconv.ParseFloat(s, 64); err == nil && (f == 1 || f == 2) {
		return fmt.Sprintf("%.1f", f)
	}
	return s
}
