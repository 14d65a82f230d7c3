package routekey

import "fmt"

// Table selects routes for requests. It is built once from a set of route keys
// (Build) and is immutable afterwards, so it is safe for concurrent use.
//
// Selection follows https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html: tier 1, routes without a greedy
// variable whose segments all match; tier 2, routes ending in a greedy
// variable whose prefix matches with at least one segment left for it; tier 3,
// the $default route. Within a tier a route naming the request method beats an
// ANY route, and then paths compare segment by segment from the left, literal
// before {var} before {var+}. HEAD is a method of its own: a GET route does not
// serve it.
//
// Routes live in a segment trie, so the cost of a match grows with the depth of
// the request path, not with the number of routes.
//
// Layout: the trie is flattened into a few slices of values, so that a table
// of 10,000 routes is a handful of heap objects rather than tens of thousands
// of nodes and small maps: the table is part of the live heap that every
// garbage collection marks while the gateway serves. Nodes refer to each other by index; the literal children of a node
// are a contiguous run of kids, found by a linear scan when there are few of
// them and through a map (one per node with many children) otherwise. Labels
// are the keys' own segment strings.
type Table struct {
	nodes []node // nodes[0] is the root
	kids  []kid
	ends  []end
	// wide maps labels to child nodes for the nodes with more than
	// maxScanKids literal children (node.wide is its index + 1).
	wide       []map[string]int32
	defaultIdx int // index of the $default route, or -1
}

// maxScanKids is the number of literal children up to which a node's
// children are scanned rather than looked up in a map.
const maxScanKids = 8

// node is one trie node: the path segments leading to it are its ancestors'
// labels (or variables). Index 0 is the root, which is no node's child, so 0
// also means "none" in param.
type node struct {
	kidsOff, kidsLen int32 // literal children: kids[kidsOff : kidsOff+kidsLen]
	wide             int32 // index+1 in Table.wide when the children are mapped, else 0
	param            int32 // the {var} child, 0 when none
	// ends[endsOff : endsOff+nExact] are the routes ending here (tier 1);
	// the nGreedy following entries the routes whose greedy variable starts
	// here (tier 2).
	endsOff         int32
	nExact, nGreedy uint8
}

// kid is a literal edge: the segment label leads to node.
type kid struct {
	label string
	node  int32
}

// end is a route ending at a node for one method.
type end struct {
	method method
	idx    int32
}

// method is a route key method as a small number (methods' index).
type method uint8

// noMethod is the method of a request whose method no route key can name;
// only ANY routes serve it.
const noMethod method = 255

// methodAny is MethodAny's number.
var methodAny = methodOf(MethodAny)

// methodOf returns the number of a route key method, noMethod for others
// (methods are case-sensitive, as in route keys).
func methodOf(m string) method {
	for i, x := range methods {
		if m == x {
			return method(i)
		}
	}
	return noMethod
}

// Match is the result of a successful selection.
type Match struct {
	// Index is the position of the selected route in the slice given to Build.
	Index int
}

// Build compiles route keys into a Table. Keys that differ only in variable
// names collide, as on AWS; a collision is an error naming both keys.
func Build(keys []*Key) (*Table, error) {
	b := builder{nodes: make([]bnode, 1, len(keys)+1), edges: make(map[edge]int32, len(keys))}
	defaultIdx := -1
	// Keys of the same shape (Key.Shape) are the keys ending at the same
	// node, both greedy or both not, with the same method.
	for i, k := range keys {
		if k.Default {
			if defaultIdx >= 0 {
				return nil, fmt.Errorf("route %q conflicts with route %q", k.Raw, keys[defaultIdx].Raw)
			}
			defaultIdx = i
			continue
		}
		n := int32(0)
		segs := k.Segments
		greedy := k.Greedy()
		if greedy {
			segs = segs[:len(segs)-1]
		}
		for _, s := range segs {
			n = b.child(n, s)
		}
		e := bend{node: n, greedy: greedy, end: end{method: methodOf(k.Method), idx: int32(i)}}
		if j, dup := b.find(e); dup {
			return nil, fmt.Errorf("route %q conflicts with route %q", k.Raw, keys[j].Raw)
		}
		bn := &b.nodes[n]
		if greedy {
			bn.nGreedy++
			bn.greedyMethods |= 1 << e.end.method
		} else {
			bn.nExact++
			bn.exactMethods |= 1 << e.end.method
		}
		b.ends = append(b.ends, e)
	}
	t := b.freeze()
	t.defaultIdx = defaultIdx
	return t, nil
}

// builder is the trie under construction: its nodes, and its edges and
// route ends in the order they were added.
type builder struct {
	nodes []bnode
	edges map[edge]int32 // literal edges to their child
	kids  []bkid
	ends  []bend
}

type bnode struct {
	param           int32
	nKids           int32
	nExact, nGreedy uint8
	// exactMethods and greedyMethods have bit m set when a route of method
	// m ends here.
	exactMethods, greedyMethods uint8
}

type edge struct {
	parent int32
	label  string
}

type bkid struct {
	parent int32
	kid    kid
}

type bend struct {
	node   int32
	greedy bool
	end    end
}

// find returns the key already added with e's node, greediness and method.
func (b *builder) find(e bend) (int, bool) {
	bn := &b.nodes[e.node]
	mask := bn.exactMethods
	if e.greedy {
		mask = bn.greedyMethods
	}
	if mask&(1<<e.end.method) == 0 {
		return 0, false
	}
	for _, x := range b.ends {
		if x.node == e.node && x.greedy == e.greedy && x.end.method == e.end.method {
			return int(x.end.idx), true
		}
	}
	return 0, false
}

func (b *builder) child(n int32, s Segment) int32 {
	if s.Kind == Var {
		if b.nodes[n].param == 0 {
			b.nodes = append(b.nodes, bnode{})
			b.nodes[n].param = int32(len(b.nodes) - 1)
		}
		return b.nodes[n].param
	}
	e := edge{parent: n, label: s.Value}
	if c, ok := b.edges[e]; ok {
		return c
	}
	b.nodes = append(b.nodes, bnode{})
	c := int32(len(b.nodes) - 1)
	b.edges[e] = c
	b.nodes[n].nKids++
	b.kids = append(b.kids, bkid{parent: n, kid: kid{label: s.Value, node: c}})
	return c
}

// freeze lays the trie out in the Table's slices: each node's kids, and its
// exact then greedy ends, contiguous.
func (b *builder) freeze() *Table {
	t := &Table{
		nodes: make([]node, len(b.nodes)),
		kids:  make([]kid, len(b.kids)),
		ends:  make([]end, len(b.ends)),
	}
	var kidsOff, endsOff int32
	for i := range b.nodes {
		bn, n := &b.nodes[i], &t.nodes[i]
		n.param = bn.param
		n.kidsOff, n.kidsLen = kidsOff, bn.nKids
		kidsOff += bn.nKids
		n.endsOff, n.nExact, n.nGreedy = endsOff, bn.nExact, bn.nGreedy
		endsOff += int32(bn.nExact) + int32(bn.nGreedy)
	}
	filled := make([]int32, len(b.nodes))
	for _, k := range b.kids {
		n := &t.nodes[k.parent]
		t.kids[n.kidsOff+filled[k.parent]] = k.kid
		filled[k.parent]++
	}
	clear(filled)
	var greedyFilled []uint8
	for _, e := range b.ends {
		n := &t.nodes[e.node]
		if !e.greedy {
			t.ends[n.endsOff+filled[e.node]] = e.end
			filled[e.node]++
			continue
		}
		if greedyFilled == nil {
			greedyFilled = make([]uint8, len(b.nodes))
		}
		t.ends[n.endsOff+int32(n.nExact)+int32(greedyFilled[e.node])] = e.end
		greedyFilled[e.node]++
	}
	for i := range t.nodes {
		n := &t.nodes[i]
		if n.kidsLen <= maxScanKids {
			continue
		}
		m := make(map[string]int32, n.kidsLen)
		for _, k := range t.kids[n.kidsOff : n.kidsOff+n.kidsLen] {
			m[k.label] = k.node
		}
		t.wide = append(t.wide, m)
		n.wide = int32(len(t.wide))
	}
	return t
}

// literal returns the child of n for the literal segment s, 0 when none.
func (t *Table) literal(n *node, s string) int32 {
	if n.wide != 0 {
		return t.wide[n.wide-1][s]
	}
	for _, k := range t.kids[n.kidsOff : n.kidsOff+n.kidsLen] {
		if k.label == s {
			return k.node
		}
	}
	return 0
}

// routeAt returns the route of method among ends.
func routeAt(ends []end, m method) (int, bool) {
	for _, e := range ends {
		if e.method == m {
			return int(e.idx), true
		}
	}
	return -1, false
}

// Select returns the index of the route serving method and the decoded path
// segments (the request path after the stage, split on "/" with the leading
// empty segment removed: "/pets/1" is ["pets", "1"], "/" is []). ok is false
// when no route, not even $default, matches.
func (t *Table) Select(method string, segs []string) (idx int, ok bool) {
	m := methodOf(method)
	if m != noMethod && m != methodAny {
		if i, ok := t.exactMatch(0, m, segs); ok {
			return i, true
		}
	}
	if i, ok := t.exactMatch(0, methodAny, segs); ok {
		return i, true
	}
	if m != noMethod && m != methodAny {
		if i, ok := t.greedyMatch(0, m, segs); ok {
			return i, true
		}
	}
	if i, ok := t.greedyMatch(0, methodAny, segs); ok {
		return i, true
	}
	if t.defaultIdx >= 0 {
		return t.defaultIdx, true
	}
	return -1, false
}

func (t *Table) exactMatch(ni int32, m method, segs []string) (int, bool) {
	n := &t.nodes[ni]
	if len(segs) == 0 {
		return routeAt(t.ends[n.endsOff:n.endsOff+int32(n.nExact)], m)
	}
	s := segs[0]
	if c := t.literal(n, s); c != 0 {
		if i, ok := t.exactMatch(c, m, segs[1:]); ok {
			return i, true
		}
	}
	if n.param != 0 && s != "" {
		return t.exactMatch(n.param, m, segs[1:])
	}
	return -1, false
}

// greedyMatch prefers, at each depth, a literal continuation, then a variable
// continuation, then a greedy variable starting here, which is the
// left-to-right specificity order.
func (t *Table) greedyMatch(ni int32, m method, segs []string) (int, bool) {
	if len(segs) == 0 {
		return -1, false
	}
	n := &t.nodes[ni]
	s := segs[0]
	if c := t.literal(n, s); c != 0 {
		if i, ok := t.greedyMatch(c, m, segs[1:]); ok {
			return i, true
		}
	}
	if n.param != 0 && s != "" {
		if i, ok := t.greedyMatch(n.param, m, segs[1:]); ok {
			return i, true
		}
	}
	if n.nGreedy > 0 && !allEmpty(segs) {
		off := n.endsOff + int32(n.nExact)
		if i, ok := routeAt(t.ends[off:off+int32(n.nGreedy)], m); ok {
			return i, true
		}
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
