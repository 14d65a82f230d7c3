package template

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/apigwdev/apigw/internal/yamlnode"
	"gopkg.in/yaml.v3"
)

// Severity ranks a diagnostic.
type Severity int

// Severities. Errors stop `serve` (nothing is served) and make `validate`
// exit 1; warnings name what is served differently or not at all; infos
// are printed by `validate -v` and at start.
const (
	Info Severity = iota
	Warning
	Error
)

// Diagnostic is one finding about a template, located at the node it is
// about (for generated constructs, the node that generated them).
type Diagnostic struct {
	File     string
	Line     int
	Column   int
	Severity Severity
	// Path is "LogicalId.Property.Path" when the finding concerns a
	// resource, "Parameters.X" for a parameter, "" for the template itself.
	Path    string
	Message string
}

// String renders the diagnostic as
// "file:line:col: [warning: |info: ]Path: message", leaving out unknown
// parts; errors carry no severity word.
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(yamlnode.Position(d.File, d.Line, d.Column))
	switch d.Severity {
	case Warning:
		b.WriteString("warning: ")
	case Info:
		b.WriteString("info: ")
	}
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// LoadError is a failed load: every error of every template, plus the
// warnings when Options.Strict is set, in file and position order.
type LoadError struct {
	Diagnostics []Diagnostic
}

// Error renders one diagnostic per line.
func (e *LoadError) Error() string {
	parts := make([]string, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		parts[i] = d.String()
	}
	return strings.Join(parts, "\n")
}

// Unwrap returns one error per diagnostic, so that callers printing joined
// errors print each on its own line.
func (e *LoadError) Unwrap() []error {
	out := make([]error, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		out[i] = errors.New(d.String())
	}
	return out
}

// diags collects the diagnostics of one load.
type diags struct {
	list []Diagnostic
	// seen drops a diagnostic reported twice at the same place (a value
	// resolved once per use).
	seen map[string]bool
}

func (ds *diags) add(file string, n *yaml.Node, sev Severity, path, format string, args ...any) {
	d := Diagnostic{File: file, Severity: sev, Path: path, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		d.Line, d.Column = n.Line, n.Column
	}
	key := d.String()
	if ds.seen == nil {
		ds.seen = map[string]bool{}
	}
	if ds.seen[key] {
		return
	}
	ds.seen[key] = true
	ds.list = append(ds.list, d)
}

func (ds *diags) errors() int {
	n := 0
	for _, d := range ds.list {
		if d.Severity == Error {
			n++
		}
	}
	return n
}

// sorted returns the diagnostics by file, line and column, keeping the
// order of those at the same place.
func (ds *diags) sorted() []Diagnostic {
	out := append([]Diagnostic(nil), ds.list...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return out
}
