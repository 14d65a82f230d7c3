package template

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/apigwdev/apigw/internal/yamlnode"
)

// shortTags maps CloudFormation's YAML short forms to their long form
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html).
var shortTags = map[string]string{
	"!Ref":          "Ref",
	"!Condition":    "Condition",
	"!Sub":          "Fn::Sub",
	"!GetAtt":       "Fn::GetAtt",
	"!Join":         "Fn::Join",
	"!Select":       "Fn::Select",
	"!Split":        "Fn::Split",
	"!If":           "Fn::If",
	"!Equals":       "Fn::Equals",
	"!And":          "Fn::And",
	"!Or":           "Fn::Or",
	"!Not":          "Fn::Not",
	"!FindInMap":    "Fn::FindInMap",
	"!Base64":       "Fn::Base64",
	"!Cidr":         "Fn::Cidr",
	"!GetAZs":       "Fn::GetAZs",
	"!ImportValue":  "Fn::ImportValue",
	"!Transform":    "Fn::Transform",
	"!Length":       "Fn::Length",
	"!ToJsonString": "Fn::ToJsonString",
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseDocument parses a template (or an included document): YAML with
// CloudFormation's short tags, or JSON. It reports syntax errors, keys given
// twice and unknown tags; it returns nil when the document cannot be used.
func parseDocument(file string, data []byte, ds *diags) *yaml.Node {
	if len(bytes.TrimSpace(data)) == 0 {
		ds.add(file, nil, Error, "", "the template is empty")
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		syntaxError(file, data, err, ds)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		ds.add(file, &extra, Error, "", "the file holds more than one YAML document")
		return nil
	} else if !errors.Is(err, io.EOF) {
		syntaxError(file, data, err, ds)
		return nil
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	root = deref(root)
	before := ds.errors()
	yamlnode.Duplicates(root, func(k *yaml.Node, first int) {
		ds.add(file, k, Error, "", "duplicate key %q (first at line %d)", k.Value, first)
	})
	root = expandTags(file, root, ds, 0)
	if ds.errors() > before {
		return nil
	}
	return root
}

func syntaxError(file string, data []byte, err error, ds *diags) {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var v any
		var se *json.SyntaxError
		if jerr := json.Unmarshal(data, &v); errors.As(jerr, &se) {
			off := int(se.Offset)
			if off > len(data) {
				off = len(data)
			}
			if off > 0 {
				off--
			}
			line := 1 + bytes.Count(data[:off], []byte("\n"))
			col := off - bytes.LastIndexByte(data[:off], '\n')
			ds.add(file, &yaml.Node{Line: line, Column: col}, Error, "", "invalid JSON: %s", se.Error())
			return
		}
	}
	msgs := []string{err.Error()}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	for _, m := range msgs {
		var pos *yaml.Node
		m = strings.TrimPrefix(m, "yaml: ")
		if sm := yamlLine.FindStringSubmatch("yaml: " + m); sm != nil {
			l, _ := strconv.Atoi(sm[1])
			pos = &yaml.Node{Line: l}
			m = sm[2]
		}
		ds.add(file, pos, Error, "", "invalid YAML: %s", m)
	}
}

// maxDepth bounds the nesting of a template, against stack exhaustion by
// hostile documents.
const maxDepth = 200

// expandTags rewrites short-form tags into the long form, reports unknown
// tags and reads unquoted YAML 1.1 booleans as CloudFormation does.
func expandTags(file string, n *yaml.Node, ds *diags, depth int) *yaml.Node {
	if n == nil {
		return nil
	}
	if depth > maxDepth {
		ds.add(file, n, Error, "", "the template nests deeper than %d levels", maxDepth)
		return n
	}
	if n.Kind == yaml.AliasNode {
		return n
	}
	for i, c := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 0 {
			continue // keys keep their text
		}
		n.Content[i] = expandTags(file, c, ds, depth+1)
	}
	tag := n.Tag
	if strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") {
		long, ok := shortTags[tag]
		if !ok {
			ds.add(file, n, Error, "", "unknown tag %s", tag)
			return n
		}
		val := *n
		switch n.Kind {
		case yaml.ScalarNode:
			val.Tag = "!!str"
		case yaml.SequenceNode:
			val.Tag = "!!seq"
		case yaml.MappingNode:
			val.Tag = "!!map"
		}
		val.Style = 0
		if n.Kind == yaml.ScalarNode {
			val.Style = n.Style &^ yaml.TaggedStyle
		}
		if long == "Fn::GetAtt" && n.Kind == yaml.ScalarNode {
			// !GetAtt A.B is [A, B], split at the first dot, as
			// CloudFormation reads it.
			if id, attr, ok := strings.Cut(val.Value, "."); ok {
				a, b := val, val
				a.Value, b.Value = id, attr
				seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: n.Line, Column: n.Column, Content: []*yaml.Node{&a, &b}}
				return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column,
					Content: []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: long, Line: n.Line, Column: n.Column}, seq}}
			}
		}
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line, Column: n.Column,
			Content: []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: long, Line: n.Line, Column: n.Column}, &val}}
	}
	if n.Kind == yaml.ScalarNode && n.Style == 0 && n.Tag == "!!str" {
		switch strings.ToLower(n.Value) {
		case "yes", "on", "no", "off":
			if strings.ToLower(n.Value) == "yes" || strings.ToLower(n.Value) == "on" {
				n.Value = "true"
			} else {
				n.Value = "false"
			}
			n.Tag = "!!bool"
			ds.add(file, n, Warning, "", "quote it: CloudFormation reads this as a boolean")
		}
	}
	return n
}
