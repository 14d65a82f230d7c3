package routekey

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// refTable is the straightforward pointer trie that Table replaced (one node
// and map per segment); TestSelectMatchesReference checks that both select
// the same routes.
type refTable struct {
	root       *refNode
	defaultIdx int
}

type refNode struct {
	literal map[string]*refNode
	param   *refNode
	exact   map[string]int
	greedy  map[string]int
}

func buildRef(keys []*Key) *refTable {
	t := &refTable{root: &refNode{}, defaultIdx: -1}
	for i, k := range keys {
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
	return t
}

func (n *refNode) child(s Segment) *refNode {
	if s.Kind == Var {
		if n.param == nil {
			n.param = &refNode{}
		}
		return n.param
	}
	if n.literal == nil {
		n.literal = make(map[string]*refNode)
	}
	c := n.literal[s.Value]
	if c == nil {
		c = &refNode{}
		n.literal[s.Value] = c
	}
	return c
}

func (t *refTable) Select(method string, segs []string) (int, bool) {
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

func (n *refNode) exactMatch(method string, segs []string) (int, bool) {
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

func (n *refNode) greedyMatch(method string, segs []string) (int, bool) {
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

// randomKeys returns up to n distinct route keys over a small alphabet, so
// that keys share prefixes, and some nodes have many literal children
// (more than maxScanKids).
func randomKeys(r *rand.Rand, n int) []*Key {
	var keys []*Key
	shapes := make(map[string]bool)
	for tries := 0; len(keys) < n && tries < 4*n; tries++ {
		raw := "$default"
		if r.IntN(20) > 0 {
			var b strings.Builder
			b.WriteString(methods[r.IntN(len(methods))])
			b.WriteByte(' ')
			depth := r.IntN(4)
			if depth == 0 {
				b.WriteByte('/')
			}
			for d := 0; d < depth; d++ {
				b.WriteByte('/')
				switch x := r.IntN(10); {
				case x < 6:
					fmt.Fprintf(&b, "l%d", r.IntN(12))
				case x < 8 || d < depth-1:
					fmt.Fprintf(&b, "{v%d}", d)
				default:
					fmt.Fprintf(&b, "{g%d+}", d)
				}
			}
			raw = b.String()
		}
		k, err := Parse(raw)
		if err != nil {
			panic(fmt.Sprintf("generated key %q: %v", raw, err))
		}
		if shapes[k.Shape()] {
			continue
		}
		shapes[k.Shape()] = true
		keys = append(keys, k)
	}
	return keys
}

func randomRequest(r *rand.Rand) (string, []string) {
	reqMethods := append(methods[:], "PROPFIND", "get")
	segs := make([]string, r.IntN(5))
	for i := range segs {
		switch x := r.IntN(10); {
		case x < 7:
			segs[i] = fmt.Sprintf("l%d", r.IntN(13))
		case x < 8:
			segs[i] = ""
		default:
			segs[i] = "zz"
		}
	}
	return reqMethods[r.IntN(len(reqMethods))], segs
}

// TestSelectMatchesReference compares Table with the reference trie on random
// tables and requests.
func TestSelectMatchesReference(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		keys := randomKeys(r, 1+r.IntN(60))
		tab, err := Build(keys)
		if err != nil {
			t.Fatal(err)
		}
		ref := buildRef(keys)
		for j := 0; j < 50; j++ {
			method, segs := randomRequest(r)
			gi, gok := tab.Select(method, segs)
			wi, wok := ref.Select(method, segs)
			if gi != wi || gok != wok {
				raws := make([]string, len(keys))
				for k, key := range keys {
					raws[k] = key.Raw
				}
				t.Fatalf("routes %q: Select(%s %q) = %d, %v; reference %d, %v", raws, method, segs, gi, gok, wi, wok)
			}
		}
	}
}
