package openapi

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/apigwdev/apigw/internal/yamlnode"
)

// pair is one key/value entry of a YAML mapping.
type pair = yamlnode.Pair

// deref follows YAML aliases to the anchored node.
func deref(n *yaml.Node) *yaml.Node { return yamlnode.Deref(n) }

// pairs returns the entries of mapping n, merge keys expanded
// (yamlnode.Pairs).
func pairs(n *yaml.Node) []pair { return yamlnode.Pairs(n) }

// lookup returns the value of key in mapping n, or nil.
func lookup(n *yaml.Node, key string) *yaml.Node { return yamlnode.Lookup(n, key) }

// isNull reports whether n is an explicit YAML/JSON null.
func isNull(n *yaml.Node) bool { return yamlnode.IsNull(n) }

// kindName names a node's kind for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "an object"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "null"
		case "!!bool":
			return "a boolean"
		case "!!int", "!!float":
			return "a number"
		}
		return "a string"
	}
	return "a value"
}

// scalarText returns the text of scalar n; numbers and booleans keep their
// source text.
func scalarText(n *yaml.Node) (string, bool) {
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", false
	}
	return n.Value, true
}

// boolValue parses a YAML/JSON boolean; the strings "true" and "false" are
// accepted too, as AWS's JSON reader coerces them.
func boolValue(n *yaml.Node) (bool, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return false, false
	}
	switch {
	case n.Tag == "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return false, false
		}
		return b, true
	case n.Tag == "!!str" && (n.Value == "true" || n.Value == "false"):
		return n.Value == "true", true
	}
	return false, false
}

// intValue parses an integer, given as a number or a string of digits.
func intValue(n *yaml.Node) (int, bool) {
	if n == nil || n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!str") {
		return 0, false
	}
	s := strings.TrimSpace(n.Value)
	if n.Tag == "!!int" {
		var v int
		if err := n.Decode(&v); err != nil {
			return 0, false
		}
		return v, true
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, false
	}
	return v, true
}

// versionText normalises a version given as a string or a number
// ("1.0", 1.0, 1 → "1.0"; "2.0", 2.0, 2 → "2.0"); other values are returned
// as written.
func versionText(n *yaml.Node) (string, bool) {
	s, ok := scalarText(n)
	if !ok || n.Tag == "!!bool" {
		return "", false
	}
	switch s {
	case "1", "1.0", "1.00":
		return "1.0", true
	case "2", "2.0", "2.00":
		return "2.0", true
	}
	return s, true
}
