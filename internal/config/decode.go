package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/apigwdev/apigw/internal/yamlnode"
)

// decoder walks the YAML node tree, collecting problems.
type decoder struct {
	file, dir string
	probs     []Problem
}

func (d *decoder) errf(n *yaml.Node, format string, args ...any) {
	p := Problem{File: d.file, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	d.probs = append(d.probs, p)
}

func (d *decoder) sorted() []Problem {
	sort.SliceStable(d.probs, func(i, j int) bool {
		a, b := d.probs[i], d.probs[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return d.probs
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse decodes the file into a node tree; nil means an empty file (all
// defaults) or a syntax error (reported).
func (d *decoder) parse(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if !errors.Is(err, io.EOF) {
			d.syntax(err)
		}
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.errf(&extra, "the file holds more than one YAML document")
		return nil
	} else if !errors.Is(err, io.EOF) {
		d.syntax(err)
		return nil
	}
	n := deref(&root)
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = deref(n.Content[0])
	}
	if n == nil || isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.errf(n, "the config file must be a YAML mapping, not %s", kindName(n))
		return nil
	}
	before := len(d.probs)
	d.duplicates(n)
	if len(d.probs) > before {
		return nil
	}
	return n
}

// duplicates reports keys given twice in a mapping, anywhere in the tree.
func (d *decoder) duplicates(n *yaml.Node) {
	yamlnode.Duplicates(n, func(k *yaml.Node, first int) {
		d.errf(k, "duplicate key %q (first at line %d)", k.Value, first)
	})
}

func (d *decoder) syntax(err error) {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	for _, msg := range msgs {
		p := Problem{File: d.file, Message: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
			p.Message = "invalid YAML: " + m[2]
		}
		d.probs = append(d.probs, p)
	}
}

// deref follows YAML aliases to the anchored node.
func deref(n *yaml.Node) *yaml.Node { return yamlnode.Deref(n) }

func isNull(n *yaml.Node) bool { return yamlnode.IsNull(n) }

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "null"
		case "!!bool":
			return "a boolean"
		case "!!int":
			return "an integer"
		case "!!float":
			return "a number"
		}
		return "a string"
	}
	return "a value"
}

// fields walks mapping n, calling handle for each key it knows; other keys
// are problems, with a suggestion when one known key is close. It returns
// false when n is not a mapping.
func (d *decoder) fields(n *yaml.Node, where string, known []string, handle func(key string, k, v *yaml.Node)) bool {
	if n == nil || n.Kind != yaml.MappingNode {
		if n != nil {
			d.errf(n, "%s must be a mapping, not %s", where, kindName(n))
		}
		return false
	}
	for _, p := range pairs(n) {
		key := p.Key.Value
		if !contains(known, key) {
			msg := fmt.Sprintf("unknown key %q in %s", key, where)
			if s := suggest(key, known); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			d.errf(p.Key, "%s", msg)
			continue
		}
		handle(key, p.Key, p.Val)
	}
	return true
}

// pair is one key/value entry of a YAML mapping.
type pair = yamlnode.Pair

// pairs returns a mapping's entries with merge keys ("<<") expanded;
// explicit entries win over merged ones (yamlnode.Pairs: the same rules as
// OpenAPI documents).
func pairs(n *yaml.Node) []pair { return yamlnode.Pairs(n) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// suggest returns the known key within two edits of key, if any.
func suggest(key string, known []string) string { return yamlnode.Suggest(key, known) }

// str reads a string. Integers and numbers are accepted with their source
// text (accountId: 000000000000); booleans, null, lists and mappings are not.
func (d *decoder) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" || n.Tag == "!!bool" {
		d.errf(n, "%s must be a string, not %s", what, kindName(n))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) integer(n *yaml.Node, what string) (int, bool) {
	var v int
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&v) != nil {
		d.errf(n, "%s must be an integer, not %s", what, kindName(n))
		return 0, false
	}
	return v, true
}

func (d *decoder) number(n *yaml.Node, what string) (float64, bool) {
	var v float64
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") || n.Decode(&v) != nil {
		d.errf(n, "%s must be a number, not %s", what, kindName(n))
		return 0, false
	}
	return v, true
}

func (d *decoder) boolean(n *yaml.Node, what string) (bool, bool) {
	var v bool
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&v) != nil {
		d.errf(n, "%s must be true or false, not %s", what, kindName(n))
		return false, false
	}
	return v, true
}

// duration reads a Go duration string such as "30s" or "1m30s".
func (d *decoder) duration(n *yaml.Node, what string) (time.Duration, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		d.errf(n, "%s must be a duration with a unit, such as 30s, not %s", what, kindName(n))
		return 0, false
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		d.errf(n, "%s: %q is not a duration such as 30s or 1m30s", what, n.Value)
		return 0, false
	}
	return v, true
}

// strList reads a list of strings.
func (d *decoder) strList(n *yaml.Node, what string) ([]string, bool) {
	if n.Kind != yaml.SequenceNode {
		d.errf(n, "%s must be a list of strings, not %s", what, kindName(n))
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	ok := true
	for _, c := range n.Content {
		c = deref(c)
		if c == nil {
			continue
		}
		s, good := d.str(c, what+" entries")
		ok = ok && good
		out = append(out, s)
	}
	return out, ok
}

// command reads a command: a list of strings, or a string split on white
// space.
func (d *decoder) command(n *yaml.Node, what string) ([]string, bool) {
	var out []string
	if n.Kind == yaml.ScalarNode {
		s, ok := d.str(n, what)
		if !ok {
			return nil, false
		}
		out = strings.Fields(s)
	} else {
		l, ok := d.strList(n, what)
		if !ok {
			return nil, false
		}
		out = l
	}
	if len(out) == 0 || out[0] == "" {
		d.errf(n, "%s must name a program", what)
		return nil, false
	}
	if strings.Contains(out[0], "/") {
		out[0] = d.path(out[0])
	}
	return out, true
}

// strMap reads a mapping of scalar values, kept as their source text; it
// also returns each key's node.
func (d *decoder) strMap(n *yaml.Node, what string) (map[string]string, map[string]*yaml.Node) {
	out := map[string]string{}
	keys := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		d.errf(n, "%s must be a mapping, not %s", what, kindName(n))
		return out, keys
	}
	for _, p := range pairs(n) {
		if p.Val.Kind != yaml.ScalarNode || isNull(p.Val) {
			d.errf(p.Val, "%s.%s must be a string, not %s", what, p.Key.Value, kindName(p.Val))
			continue
		}
		out[p.Key.Value] = p.Val.Value
		keys[p.Key.Value] = p.Key
	}
	return out, keys
}

// path resolves a relative path against the file's directory.
func (d *decoder) path(p string) string {
	if p == "" || filepath.IsAbs(p) || d.dir == "" {
		return p
	}
	return filepath.Join(d.dir, p)
}

// checkAddress returns why s is not a host:port listen address, or "".
func checkAddress(s string) string {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Sprintf("%q is not a host:port address", s)
	}
	if strings.ContainsAny(host, " /") {
		return fmt.Sprintf("%q has an invalid host", s)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return fmt.Sprintf("%q has an invalid port (0 to 65535; 0 picks a free port)", s)
	}
	return ""
}

// checkHostPort is checkAddress for targets: a host and a port 1..65535.
func checkHostPort(s string) string {
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" {
		return fmt.Sprintf("%q is not a host:port address", s)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return fmt.Sprintf("%q has an invalid port (1 to 65535)", s)
	}
	return ""
}

// checkURL returns why s is not an absolute http(s) URL, or "".
func checkURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Sprintf("%q is not an http or https URL", s)
	}
	return ""
}
