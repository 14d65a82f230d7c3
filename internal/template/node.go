package template

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/apigwdev/apigw/internal/yamlnode"
)

// The template is kept as yaml.v3 nodes from parse to import, so that every
// value, generated or resolved, carries the line and column of the template
// node it comes from. These helpers read and build such trees.

func deref(n *yaml.Node) *yaml.Node { return yamlnode.Deref(n) }

func isNull(n *yaml.Node) bool { return n == nil || yamlnode.IsNull(n) }

// get returns the value of key in mapping n, or nil.
func get(n *yaml.Node, key string) *yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return deref(n.Content[i+1])
		}
	}
	return nil
}

// getKey returns the key node of key in mapping n, or nil.
func getKey(n *yaml.Node, key string) *yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i]
		}
	}
	return nil
}

// pair is one key/value of a mapping.
type pair struct{ key, val *yaml.Node }

// pairs returns the entries of mapping n in document order.
func pairs(n *yaml.Node) []pair {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]pair, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, pair{n.Content[i], deref(n.Content[i+1])})
	}
	return out
}

// set replaces or appends key in mapping n.
func set(n *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			n.Content[i+1] = v
			return
		}
	}
	n.Content = append(n.Content, strNode(v, key), v)
}

// del removes key from mapping n.
func del(n *yaml.Node, key string) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			n.Content = append(n.Content[:i], n.Content[i+2:]...)
			return
		}
	}
}

// at copies the position of n (nil: none) into a new node.
func at(n *yaml.Node) (line, col int) {
	if n == nil {
		return 0, 0
	}
	return n.Line, n.Column
}

// strNode is a string scalar placed at pos.
func strNode(pos *yaml.Node, s string) *yaml.Node {
	l, c := at(pos)
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Line: l, Column: c}
}

// boolNode is a boolean scalar placed at pos.
func boolNode(pos *yaml.Node, b bool) *yaml.Node {
	l, c := at(pos)
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b), Line: l, Column: c}
}

// intNode is an integer scalar placed at pos.
func intNode(pos *yaml.Node, i int) *yaml.Node {
	l, c := at(pos)
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(i), Line: l, Column: c}
}

// mapNode builds a mapping placed at pos from alternating keys and values.
func mapNode(pos *yaml.Node, kv ...any) *yaml.Node {
	l, c := at(pos)
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: l, Column: c}
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		var v *yaml.Node
		switch x := kv[i+1].(type) {
		case *yaml.Node:
			v = x
		case string:
			v = strNode(pos, x)
		case bool:
			v = boolNode(pos, x)
		case int:
			v = intNode(pos, x)
		}
		if v == nil {
			continue
		}
		m.Content = append(m.Content, strNode(pos, k), v)
	}
	return m
}

// seqNode builds a sequence placed at pos.
func seqNode(pos *yaml.Node, items ...*yaml.Node) *yaml.Node {
	l, c := at(pos)
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items, Line: l, Column: c}
}

// clone deep-copies n (aliases are resolved).
func clone(n *yaml.Node) *yaml.Node {
	n = deref(n)
	if n == nil {
		return nil
	}
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, x := range n.Content {
		c.Content[i] = clone(x)
	}
	c.Alias = nil
	if c.Kind == yaml.AliasNode {
		c.Kind = yaml.ScalarNode
	}
	return &c
}

// scalar returns the text of a scalar node.
func scalar(n *yaml.Node) (string, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || isNull(n) {
		return "", false
	}
	return n.Value, true
}

// isString reports whether n is a scalar that YAML reads as a string.
func isString(n *yaml.Node) bool {
	n = deref(n)
	return n != nil && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str"
}

// boolOf reads a YAML boolean (true/false in any case; CloudFormation also
// takes the strings "true"/"false").
func boolOf(n *yaml.Node) (bool, bool) {
	s, ok := scalar(n)
	if !ok {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// intOf reads an integer scalar (a number or its string).
func intOf(n *yaml.Node) (int, bool) {
	s, ok := scalar(n)
	if !ok {
		return 0, false
	}
	if i, err := strconv.Atoi(s); err == nil {
		return i, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int(f)) {
		return int(f), true
	}
	return 0, false
}

// intrinsicName returns the intrinsic function a one-key mapping is
// ("Ref", "Fn::Sub", "Condition"), or "".
func intrinsicName(n *yaml.Node) string {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return ""
	}
	k := n.Content[0].Value
	if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
		return k
	}
	return ""
}

// kindName names a node's kind in messages.
func kindName(n *yaml.Node) string {
	n = deref(n)
	switch {
	case n == nil || isNull(n):
		return "null"
	case n.Kind == yaml.MappingNode:
		return "a map"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	}
	switch n.ShortTag() {
	case "!!bool":
		return "a boolean"
	case "!!int", "!!float":
		return "a number"
	}
	return "a string"
}

// toAny converts a node tree into plain Go values (maps, slices, strings,
// numbers, booleans), as JSON would decode it.
func toAny(n *yaml.Node) any {
	n = deref(n)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for _, p := range pairs(n) {
			m[p.key.Value] = toAny(p.val)
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			l = append(l, toAny(c))
		}
		return l
	case yaml.DocumentNode:
		if len(n.Content) == 1 {
			return toAny(n.Content[0])
		}
		return nil
	}
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		b, _ := boolOf(n)
		return b
	case "!!int", "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f
		}
	}
	return n.Value
}
