// Package yamlnode holds the small helpers on gopkg.in/yaml.v3 nodes that the
// config loader and the OpenAPI importer share: both decode by walking nodes,
// so that every problem can name its line and column.
package yamlnode

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

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

// Pair is one key/value entry of a YAML mapping.
type Pair struct {
	Key, Val *yaml.Node
}

// maxMergeDepth bounds nested YAML merge keys ("<<").
const maxMergeDepth = 8

// maxMergedEntries bounds the entries one mapping may gain through merge
// keys, so that nested aliases cannot blow up.
const maxMergedEntries = 10000

// Pairs returns the entries of mapping n in document order, aliases
// followed, with YAML merge keys ("<<: *anchor", "<<: [*a, *b]") expanded:
// merged entries come after the explicit ones and never override them, and
// merges nest up to 8 levels and 10,000 entries. The config file and OpenAPI
// documents read mappings through it, so that both accept the same YAML.
func Pairs(n *yaml.Node) []Pair {
	budget := maxMergedEntries
	return mergePairs(n, 0, map[string]bool{}, &budget)
}

func mergePairs(n *yaml.Node, depth int, seen map[string]bool, budget *int) []Pair {
	var out []Pair
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], Deref(n.Content[i+1])
		if v == nil {
			continue
		}
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merges = append(merges, v)
			continue
		}
		seen[k.Value] = true
		out = append(out, Pair{k, v})
	}
	if depth >= maxMergeDepth {
		return out
	}
	for _, m := range merges {
		srcs := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			srcs = m.Content
		}
		for _, s := range srcs {
			s = Deref(s)
			if s == nil || s.Kind != yaml.MappingNode {
				continue
			}
			for _, p := range mergePairs(s, depth+1, map[string]bool{}, budget) {
				if *budget--; *budget < 0 {
					return out
				}
				if !seen[p.Key.Value] {
					seen[p.Key.Value] = true
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// Lookup returns the value of key in mapping n (merge keys expanded), or nil.
func Lookup(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for _, p := range Pairs(n) {
		if p.Key.Value == key {
			return p.Val
		}
	}
	return nil
}

// Position renders where a problem is, as the config loader, the OpenAPI
// importer and the template loader all print it: "file:line:col: ", leaving
// out the parts that are unknown (an empty file, a line or column of 0; no
// column without a line), and "" when nothing is known.
func Position(file string, line, column int) string {
	var b []byte
	if file != "" {
		b = append(append(b, file...), ':')
	}
	if line > 0 {
		b = append(strconv.AppendInt(b, int64(line), 10), ':')
		if column > 0 {
			b = append(strconv.AppendInt(b, int64(column), 10), ':')
		}
	}
	if len(b) > 0 {
		b = append(b, ' ')
	}
	return string(b)
}

// Suggest returns the name of known within two edits of name, ignoring
// case, for a "did you mean" in a problem about a misspelled key, extension
// or function name: the closest, the first of known on a tie, "" when none
// is that close. Names over 64 bytes are never close (the distance is
// quadratic, and the input may be hostile).
func Suggest(name string, known []string) string {
	if len(name) > 64 {
		return ""
	}
	lower := strings.ToLower(name)
	best, bestD := "", 3
	for _, k := range known {
		if len(k) > 64 {
			continue
		}
		if d := editDistance(lower, strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
