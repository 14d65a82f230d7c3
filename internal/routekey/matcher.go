package routekey

import "fmt"

// Table selects routes for requests. It is built once from a set of route keys
// (Build) and is immutable afterwards, so it is safe for concurrent use.
//
// Selection follows dataplane.md section 1.2: tier 1, routes without a greedy
// variable whose segments all match; tier 2, routes ending in a greedy
// variable whose prefix matches with at least one segment left for it; tier 3,
// the $default route. Within a tier a route naming the request method beats an
// ANY route, and then paths compare segment by segment from the left, literal
// before {var} before {var+}. HEAD is a method of its own: a GET route does not
// serve it.
//
// Routes live in a segment trie, so the cost of a match grows with the depth of
// the request path, not with the number of routes.
type Table struct {
	root       *node
	defaultIdx int // index of the $default route, or -1
}

type node struct {
	literal map[string]*node
	param   *node
	// param names and route indexes are kept per method at the node where a
	// route ends (exact) or where its greedy variable starts (greedy).
	exact  map[string]int
	greedy map[string]int
}

// Match is the result of a successful selection.
type Match struct {
	// Index is the position of the selected route in the slice given to Build.
	Index int
}

// Build compiles route keys into a Table. Keys that differ only in variable
// names collide, as on AWS; a collision is an error naming both keys.
func Build(keys []*Key) (*Table, error) {
	t := &Table{root: &node{}, defaultIdx: -1}
	shapes := make(map[string]int, len(keys))
	for i, k := range keys {
		sh := k.Shape()
		if j, dup := shapes[sh]; dup {
			return nil, fmt.Errorf("route %q conflicts with route %q", k.Raw, keys[j].Raw)
		}
		shapes[sh] = i
		if k.Default {
			t.defaultIdx = i
			continue
		}
		n := t.root
		segs := k.Segments
		greedy := k.Greedy()
		if greedy {
			segs = segs[:len(segs)-1]
		}
		for _, s := range segs {
			n = n.child(s)
		}
		if greedy {
			if n.greedy == nil {
				n.greedy = make(map[string]int)
			}
			n.greedy[k.Method] = i
		} else {
			if n.exact == nil {
				n.exact = make(map[string]int)
			}
			n.exact[k.Method] = i
		}
	}
	return t, nil
}

func (n *node) child(s Segment) *node {
	if s.Kind == Var {
		if n.param == nil {
			n.param = &node{}
		}
		return n.param
	}
	if n.literal == nil {
		n.literal = make(map[string]*node)
	}
	c := n.literal[s.Value]
	if c == nil {
		c = &node{}
		n.literal[s.Value] = c
	}
	return c
}

// Select returns the index of the route serving method and the decoded path
// segments (the request path after the stage, split on "/" with the leading
// empty segment removed: "/pets/1" is ["pets", "1"], "/" is []). ok is false
// when no route, not even $default, matches.
func (t *Table) Select(method string, segs []string) (idx int, ok bool) {
	for _, m := range [2]string{method, MethodAny} {
		if i, ok := t.root.exactMatch(m, segs); ok {
			return i, true
		}
		if m == MethodAny {
			break
		}
	}
	for _, m := range [2]string{method, MethodAny} {
		if i, ok := t.root.greedyMatch(m, segs); ok {
			return i, true
		}
	}
	if t.defaultIdx >= 0 {
		return t.defaultIdx, true
	}
	return -1, false
}

func (n *node) exactMatch(method string, segs []string) (int, bool) {
	if len(segs) == 0 {
		i, ok := n.exact[method]
		return i, ok
	}
	s := segs[0]
	if c := n.literal[s]; c != nil {
		if i, ok := c.exactMatch(method, segs[1:]); ok {
			return i, true
		}
	}
	if n.param != nil && s != "" {
		return n.param.exactMatch(method, segs[1:])
	}
	return -1, false
}

// greedyMatch prefers, at each depth, a literal continuation, then a variable
// continuation, then a greedy variable starting here, which is the
// left-to-right specificity order.
func (n *node) greedyMatch(method string, segs []string) (int, bool) {
	if len(segs) == 0 {
		return -1, false
	}
	s := segs[0]
	if c := n.literal[s]; c != nil {
		if i, ok := c.greedyMatch(method, segs[1:]); ok {
			return i, true
		}
	}
	if n.param != nil && s != "" {
		if i, ok := n.param.greedyMatch(method, segs[1:]); ok {
			return i, true
		}
	}
	if i, ok := n.greedy[method]; ok && !allEmpty(segs) {
		return i, true
	}
	return -1, false
}

func allEmpty(segs []string) bool {
	for _, s := range segs {
		if s != "" {
			return false
		}
	}
	return true
}

// Params extracts the path parameters of key from the decoded request segments
// that selected it. A greedy variable receives the remaining segments joined
// with "/". It returns nil when the key has no variables.
func (k *Key) Params(segs []string) map[string]string {
	var out map[string]string
	for i, s := range k.Segments {
		if s.Kind == Literal {
			continue
		}
		if out == nil {
			out = make(map[string]string, 2)
		}
		if s.Kind == Greedy {
			out[s.Value] = joinSegs(segs[i:])
			break
		}
		out[s.Value] = segs[i]
	}
	return out
}

func joinSegs(segs []string) string {
	n := len(segs) - 1
	for _, s := range segs {
		n += len(s)
	}
	b := make([]byte, 0, n)
	for i, s := range segs {
		if i > 0 {
			b = append(b, '/')
		}
		b = append(b, s...)
	}
	return string(b)
}
