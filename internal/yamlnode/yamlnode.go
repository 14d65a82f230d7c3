// Package yamlnode holds the small helpers on gopkg.in/yaml.v3 nodes that the
// config loader and the OpenAPI importer share: both decode by walking nodes,
// so that every problem can name its line and column.
package yamlnode

import "gopkg.in/yaml.v3"

// maxDepth bounds the recursion of Duplicates on hostile documents.
const maxDepth = 512

// Duplicates calls report for every key given twice in a mapping, anywhere
// in the tree below n, with the line of its first occurrence (yaml.v3 detects
// duplicates only when decoding into Go values). Merge keys are skipped, and
// aliases are not followed: their targets are checked where they are defined.
func Duplicates(n *yaml.Node, report func(key *yaml.Node, firstLine int)) {
	duplicates(n, report, 0)
}

func duplicates(n *yaml.Node, report func(*yaml.Node, int), depth int) {
	if n == nil || depth > maxDepth {
		return
	}
	if n.Kind == yaml.MappingNode {
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
				continue
			}
			if line, dup := seen[k.Value]; dup {
				report(k, line)
				continue
			}
			seen[k.Value] = k.Line
		}
	}
	for _, c := range n.Content {
		duplicates(c, report, depth+1)
	}
}

// IsNull reports whether n is an explicit YAML or JSON null.
func IsNull(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// maxAliasHops bounds alias chains on hostile documents.
const maxAliasHops = 64

// Deref follows YAML aliases to the anchored node. It returns nil for a
// chain longer than 64 hops.
func Deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxAliasHops; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}
