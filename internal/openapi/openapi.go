package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/apigwdev/apigw/internal/yamlnode"

	"github.com/apigwdev/apigw/internal/model"
)

// Options control an import.
type Options struct {
	// Filename names the document in diagnostics; it is not read.
	Filename string
	// Region replaces ${AWS::Region}; default us-east-1.
	Region string
	// AccountID replaces ${AWS::AccountId}; default 000000000000.
	// ${AWS::Partition} is always "aws".
	AccountID string
	// Basepath is how the base path of servers[0] applies to route paths,
	// as ImportApi's basepath parameter: "ignore" (the default, also for
	// ""), "prepend" (prefix every route path with it) or "split" (drop its
	// first segment and prefix the rest).
	Basepath string
	// FailOnWarnings makes any warning fail the import, as ImportApi's
	// failOnWarnings parameter.
	FailOnWarnings bool
}

// Severity ranks a diagnostic.
type Severity int

// Severities, in AWS's three validation categories.
const (
	// Info is valid OpenAPI that HTTP APIs do not use; it becomes the Api's
	// importInfo.
	Info Severity = iota
	// Warning is invalid for HTTP APIs but does not stop the import unless
	// FailOnWarnings is set; it becomes the Api's warnings.
	Warning
	// Error stops the import.
	Error
)

// String returns "info", "warning" or "error".
func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	}
	return "error"
}

// Diagnostic is one finding about the document, located at the node it
// concerns. Line and Column are 1-based; Column is 0 when unknown (YAML
// syntax errors).
type Diagnostic struct {
	File     string
	Line     int
	Column   int
	Severity Severity
	Message  string
	// Suggestion, on the warning about an unsupported
	// x-amazon-apigateway-* extension, is the supported extension its name
	// is a likely misspelling of (the message names it too); `apigw
	// validate` counts such warnings as errors.
	Suggestion string
}

// String renders the diagnostic as "file:line:col: message", with
// "warning: " or "info: " before the message of non-errors, and without
// the parts that are unknown.
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(yamlnode.Position(d.File, d.Line, d.Column))
	if d.Severity != Error {
		b.WriteString(d.Severity.String())
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// Result is a successful import.
type Result struct {
	// Definition is the imported API. Its API carries name, description,
	// version, CORS configuration, tags, disableExecuteApiEndpoint,
	// importInfo and warnings as AWS's Api response has them, but no apiId:
	// the caller assigns it. Routes, integrations and authorizers have ids
	// derived from their route key or name, so re-importing a document gives
	// the same ids. Integrations shared through $ref are one integration.
	Definition model.Definition
	// Diagnostics are the infos and warnings, in document order.
	Diagnostics []Diagnostic
}

// ImportError is a failed import: every error of the document, plus its
// warnings when Options.FailOnWarnings is set, in document order.
type ImportError struct {
	Diagnostics []Diagnostic
	// Others are the infos and warnings found along with the errors.
	Others []Diagnostic
}

// Error renders one diagnostic per line.
func (e *ImportError) Error() string {
	parts := make([]string, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		parts[i] = d.String()
	}
	return strings.Join(parts, "\n")
}

// Unwrap returns one error per diagnostic, so that callers printing joined
// errors print each on its own line.
func (e *ImportError) Unwrap() []error {
	out := make([]error, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		out[i] = errors.New(d.String())
	}
	return out
}

// Import converts an OpenAPI 3.0 document (JSON or YAML) into an HTTP API
// definition. It returns *ImportError when the document has errors, or
// warnings and opts.FailOnWarnings is set.
func Import(doc []byte, opts Options) (*Result, error) {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	im := &importer{
		opts:   opts,
		locs:   make(map[locKey]*yaml.Node),
		bad:    make(map[locKey]bool),
		usedID: make(map[string]bool),
	}
	root, ok := im.parse(doc)
	return im.finish(root, ok)
}

// ImportNode imports a document already parsed into a node tree, such as a
// template's Body once CloudFormation's intrinsic functions are resolved;
// positions in diagnostics are the nodes' own, in opts.Filename. Like
// Import, it reports keys given twice in a mapping.
func ImportNode(root *yaml.Node, opts Options) (*Result, error) {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	im := &importer{
		opts:   opts,
		locs:   make(map[locKey]*yaml.Node),
		bad:    make(map[locKey]bool),
		usedID: make(map[string]bool),
	}
	n := deref(root)
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = deref(n.Content[0])
	}
	if n == nil || n.Kind != yaml.MappingNode {
		im.errorf(n, "the document must be a JSON or YAML object")
		return im.finish(nil, false)
	}
	im.root = n
	before := len(im.diags)
	im.duplicates(n)
	return im.finish(n, len(im.diags) == before)
}

// finish imports root when ok, then sorts and splits the diagnostics.
func (im *importer) finish(root *yaml.Node, ok bool) (*Result, error) {
	opts := im.opts
	if ok {
		im.document(root)
		if !im.failed() {
			im.validate()
		}
	}
	sort.SliceStable(im.diags, func(i, j int) bool {
		a, b := im.diags[i], im.diags[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	var fatal, rest []Diagnostic
	for _, d := range im.diags {
		if d.Severity == Error || d.Severity == Warning && opts.FailOnWarnings {
			fatal = append(fatal, d)
		} else {
			rest = append(rest, d)
		}
	}
	if len(fatal) > 0 {
		return nil, &ImportError{Diagnostics: fatal, Others: rest}
	}
	for _, d := range rest {
		msg := fmt.Sprintf("line %d, column %d: %s", d.Line, d.Column, d.Message)
		if d.Severity == Info {
			im.def.API.ImportInfo = append(im.def.API.ImportInfo, msg)
		} else {
			im.def.API.Warnings = append(im.def.API.Warnings, msg)
		}
	}
	return &Result{Definition: im.def, Diagnostics: rest}, nil
}

// locKey names where a value of a built resource came from.
type locKey struct {
	resource, id, field string
}

// importer holds the state of one import.
type importer struct {
	opts  Options
	diags []Diagnostic
	root  *yaml.Node
	def   model.Definition

	// locs maps each member of a built resource to its node.
	locs map[locKey]*yaml.Node
	// bad marks members the importer already reported, so that validation
	// does not report them twice.
	bad map[locKey]bool
	// usedID holds every generated id.
	usedID map[string]bool

	basePath string
	schemes  map[string]*scheme
	shared   map[string]*sharedIntegration
	// rootSecurity is the document-level security requirement, if any.
	rootSecurity *yaml.Node
}

func (im *importer) add(n *yaml.Node, sev Severity, msg string) {
	d := Diagnostic{File: im.opts.Filename, Severity: sev, Message: msg}
	if n != nil {
		d.Line, d.Column = n.Line, n.Column
	}
	im.diags = append(im.diags, d)
}

func (im *importer) errorf(n *yaml.Node, format string, args ...any) {
	im.add(n, Error, fmt.Sprintf(format, args...))
}

func (im *importer) warnf(n *yaml.Node, format string, args ...any) {
	im.add(n, Warning, fmt.Sprintf(format, args...))
}

func (im *importer) infof(n *yaml.Node, format string, args ...any) {
	im.add(n, Info, fmt.Sprintf(format, args...))
}

func (im *importer) failed() bool {
	for _, d := range im.diags {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// yamlLine finds the line number in a yaml.v3 error message.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse decodes the document into a node tree, reporting syntax errors.
func (im *importer) parse(doc []byte) (*yaml.Node, bool) {
	if len(bytes.TrimSpace(doc)) == 0 {
		im.errorf(nil, "the document is empty")
		return nil, false
	}
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if !im.jsonSyntaxError(doc) {
			im.syntaxError(err)
		}
		return nil, false
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		im.errorf(&extra, "the document holds more than one YAML document")
		return nil, false
	} else if !errors.Is(err, io.EOF) {
		im.syntaxError(err)
		return nil, false
	}
	n := &root
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		im.errorf(n, "the document must be a JSON or YAML object")
		return nil, false
	}
	im.root = n
	before := len(im.diags)
	im.duplicates(n)
	return n, len(im.diags) == before
}

// duplicates reports keys given twice in a mapping, anywhere in the tree.
func (im *importer) duplicates(n *yaml.Node) {
	yamlnode.Duplicates(n, func(k *yaml.Node, first int) {
		im.errorf(k, "duplicate key %q (first at line %d)", k.Value, first)
	})
}

// jsonSyntaxError reports the syntax error of a document that looks like
// JSON with encoding/json's exact position, which yaml.v3's messages lack
// (they give the line of the enclosing construct). It returns false when
// the document does not look like JSON or encoding/json accepts it.
func (im *importer) jsonSyntaxError(doc []byte) bool {
	trimmed := bytes.TrimLeft(doc, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return false
	}
	var v any
	err := json.Unmarshal(doc, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return false
	}
	line, col := position(doc, int(se.Offset))
	im.diags = append(im.diags, Diagnostic{File: im.opts.Filename, Line: line, Column: col, Severity: Error, Message: "invalid JSON: " + se.Error()})
	return true
}

// position converts a byte offset into a 1-based line and column; the
// offset of encoding/json errors is just past the offending byte.
func position(doc []byte, off int) (line, col int) {
	if off > len(doc) {
		off = len(doc)
	}
	if off > 0 {
		off--
	}
	line = 1 + bytes.Count(doc[:off], []byte("\n"))
	col = off - bytes.LastIndexByte(doc[:off], '\n')
	return line, col
}

func (im *importer) syntaxError(err error) {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		for _, e := range te.Errors {
			im.lineError(e)
		}
		return
	}
	im.lineError(err.Error())
}

func (im *importer) lineError(msg string) {
	d := Diagnostic{File: im.opts.Filename, Severity: Error, Message: "invalid JSON or YAML: " + strings.TrimPrefix(msg, "yaml: ")}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		d.Line, _ = strconv.Atoi(m[1])
		d.Message = "invalid JSON or YAML: " + m[2]
	}
	im.diags = append(im.diags, d)
}

// loc records where member field of a resource came from.
func (im *importer) loc(resource, id, field string, n *yaml.Node) {
	if n != nil {
		im.locs[locKey{resource, id, field}] = n
	}
}

// awsVar matches the import-time AWS variables.
var awsVar = regexp.MustCompile(`\$\{AWS::([A-Za-z]+)\}`)

// text returns the string value of scalar n with ${AWS::Region},
// ${AWS::AccountId} and ${AWS::Partition} resolved; other ${AWS::...}
// variables are left as written, with a warning.
func (im *importer) text(n *yaml.Node) (string, bool) {
	s, ok := scalarText(n)
	if !ok || !strings.Contains(s, "${AWS::") {
		return s, ok
	}
	return awsVar.ReplaceAllStringFunc(s, func(v string) string {
		switch v {
		case "${AWS::Region}":
			return im.opts.Region
		case "${AWS::AccountId}":
			return im.opts.AccountID
		case "${AWS::Partition}":
			return "aws"
		}
		im.warnf(n, "unknown AWS variable %s left as written; supported: ${AWS::AccountId}, ${AWS::Partition}, ${AWS::Region}", v)
		return v
	}), true
}

// str reads a string member; what names it in messages. Null counts as
// absent.
func (im *importer) str(n *yaml.Node, what string) (string, bool) {
	if isNull(n) {
		return "", false
	}
	if n.Kind != yaml.ScalarNode {
		if fn := intrinsic(n); fn != "" {
			im.intrinsicError(n, what, fn)
			return "", false
		}
		im.errorf(n, "%s must be a string, not %s", what, kindName(n))
		return "", false
	}
	return im.text(n)
}

// strList reads a list of strings.
func (im *importer) strList(n *yaml.Node, what string) ([]string, bool) {
	if isNull(n) {
		return nil, false
	}
	if n.Kind != yaml.SequenceNode {
		im.errorf(n, "%s must be a list of strings, not %s", what, kindName(n))
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	ok := true
	for _, c := range n.Content {
		c = deref(c)
		if c == nil || c.Kind != yaml.ScalarNode || isNull(c) {
			im.errorf(n, "%s must be a list of strings", what)
			ok = false
			continue
		}
		s, _ := im.text(c)
		out = append(out, s)
	}
	return out, ok
}

// mapping checks that n is an object.
func (im *importer) mapping(n *yaml.Node, what string) bool {
	if n == nil || n.Kind != yaml.MappingNode {
		if n != nil {
			im.errorf(n, "%s must be an object, not %s", what, kindName(n))
		}
		return false
	}
	return true
}

// strMap reads an object of string values (numbers and booleans keep their
// source text), recording each entry's key node under FieldKey(field, key).
func (im *importer) strMap(n *yaml.Node, what, resource, id, field string) (map[string]string, bool) {
	if !im.mapping(n, what) {
		return nil, false
	}
	out := make(map[string]string)
	ok := true
	for _, p := range pairs(n) {
		if p.Val.Kind != yaml.ScalarNode {
			if fn := intrinsic(p.Val); fn != "" {
				im.intrinsicError(p.Val, what+"."+p.Key.Value, fn)
			} else {
				im.errorf(p.Val, "%s.%s must be a string, not %s", what, p.Key.Value, kindName(p.Val))
			}
			im.bad[locKey{resource, id, model.FieldKey(field, p.Key.Value)}] = true
			ok = false
			continue
		}
		v, _ := im.text(p.Val)
		if isNull(p.Val) {
			v = ""
		}
		out[p.Key.Value] = v
		im.loc(resource, id, model.FieldKey(field, p.Key.Value), p.Key)
	}
	return out, ok
}

// intrinsic returns the name of the CloudFormation intrinsic function n
// is ("Fn::Sub", "Ref", ...), or "" when n is not one. Documents written
// for AWS::Include or a template's Body hold them; ImportApi does not
// resolve them.
func intrinsic(n *yaml.Node) string {
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

// intrinsicError reports a CloudFormation intrinsic function where the
// importer needs a value.
func (im *importer) intrinsicError(n *yaml.Node, what, fn string) {
	im.errorf(n, "%s is a CloudFormation intrinsic function (%s), which only CloudFormation resolves: serve the template that includes this document (apigw serve --template)", what, fn)
}

// extension reports an x-amazon-apigateway-* member that is not supported
// where it appears, or ignores another x-* member; it returns false for
// members that are not extensions.
func (im *importer) extension(k *yaml.Node, where string) bool {
	switch {
	case strings.HasPrefix(strings.ToLower(k.Value), "x-amazon-apigateway-"):
		if s := misspelledExtension(k.Value); s != "" {
			im.warnf(k, "unsupported extension %s in %s ignored (did you mean %s?)", k.Value, where, s)
			im.diags[len(im.diags)-1].Suggestion = s
			return true
		}
		im.warnf(k, "unsupported extension %s in %s ignored: it is not supported for HTTP APIs", k.Value, where)
		return true
	case strings.HasPrefix(k.Value, "x-"):
		return true
	}
	return false
}

// unexpected reports a member that OpenAPI does not define where it appears.
func (im *importer) unexpected(k *yaml.Node, where string) {
	if im.extension(k, where) {
		return
	}
	im.warnf(k, "unexpected attribute %s in %s ignored", k.Value, where)
}
