package template

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// loader holds the state of one Load.
type loader struct {
	opts   *Options
	ds     *diags
	stacks []*stack

	// overrideKnown are override keys some stack declares;
	// unknownOverrides those none does (so far).
	overrideKnown    map[string]bool
	unknownOverrides map[string]bool
	// overrideAt locates the overrides for diagnostics.
	overrideFile string

	// exports maps export names to the stack and output declaring them.
	exports map[string]exportRef
	// placeholders are the unemulated resources whose placeholder values
	// were used, by stack and logical id.
	placeholders map[*resource][]string
	// importBusy catches export cycles.
	importBusy map[string]bool
	// invokes are the Lambda functions APIs call.
	invokes []invoke
}

type exportRef struct {
	s      *stack
	output string
	value  *yaml.Node
}

// Load reads every template of srcs as one set and returns what apigw
// serves from it. Errors (and, with Options.Strict, warnings) are returned
// together as *LoadError; nothing of a set with errors is served.
func Load(srcs []Source, opts Options) (*Set, error) {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	if opts.DataDir == "" {
		opts.DataDir = ".apigw"
	}
	if opts.DataURL == "" {
		opts.DataURL = "http://127.0.0.1:3000"
	}
	l := &loader{
		opts: &opts, ds: &diags{},
		overrideKnown: map[string]bool{}, unknownOverrides: map[string]bool{},
		exports: map[string]exportRef{}, placeholders: map[*resource][]string{}, importBusy: map[string]bool{},
	}
	for i := range srcs {
		l.loadSource(&srcs[i])
	}
	// prepare may add nested stacks, prepared in turn.
	for i := 0; i < len(l.stacks); i++ {
		l.stacks[i].prepare()
	}
	for _, k := range sortedKeys(l.unknownOverrides) {
		l.ds.add(l.overrideFile, nil, Error, "", "Parameters: [%s] do not exist in the template", k)
	}
	l.collectExports()
	set := &Set{}
	if l.ds.errors() == 0 {
		for _, s := range l.stacks {
			s.build(set)
		}
		l.checkSet(set)
		for _, s := range l.stacks {
			set.Outputs = append(set.Outputs, s.outputs()...)
		}
		l.reportPlaceholders()
	}
	all := l.ds.sorted()
	var fatal, rest []Diagnostic
	for _, d := range all {
		if d.Severity == Error || d.Severity == Warning && opts.Strict {
			fatal = append(fatal, d)
		} else {
			rest = append(rest, d)
		}
	}
	if len(fatal) > 0 {
		return nil, &LoadError{Diagnostics: append(fatal, rest...)}
	}
	set.Diagnostics = rest
	return set, nil
}

// loadSource reads one source: a template file, or a cloud assembly.
func (l *loader) loadSource(src *Source) {
	info, err := os.Stat(src.Path)
	if err != nil {
		l.ds.add(src.Path, nil, Error, "", "reading template: %v", unwrapPathError(err))
		return
	}
	if info.IsDir() {
		manifest := filepath.Join(src.Path, "manifest.json")
		if !fileExists(manifest) {
			l.ds.add(src.Path, nil, Error, "", "a directory given as a template must be a CDK cloud assembly (cdk.out) with a manifest.json")
			return
		}
		l.loadAssembly(src, manifest, "")
		return
	}
	if filepath.Base(src.Path) == "manifest.json" {
		l.loadAssembly(src, src.Path, "")
		return
	}
	if manifest := filepath.Join(filepath.Dir(src.Path), "manifest.json"); strings.HasSuffix(src.Path, ".template.json") && fileExists(manifest) && len(src.Stacks) == 0 {
		// One stack of a cloud assembly: served with the manifest's stack
		// name and parameters.
		one := *src
		one.templateFile = filepath.Base(src.Path)
		l.loadAssembly(&one, manifest, "")
		return
	}
	name := src.StackName
	scName, scOverrides := l.samconfig(filepath.Dir(src.Path))
	if name == "" {
		name = scName
	}
	if name == "" {
		name = "local"
	}
	overrides := scOverrides
	if overrides == nil {
		overrides = map[string]string{}
	}
	for k, v := range src.ParameterOverrides {
		overrides[k] = v
	}
	l.loadTemplate(src, src.Path, name, "", overrides)
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// loadTemplate parses one template file into a stack of the set.
func (l *loader) loadTemplate(src *Source, file, stackName, stackPath string, overrides map[string]string) *stack {
	file = displayPath(file)
	data, err := os.ReadFile(file)
	if err != nil {
		l.ds.add(file, nil, Error, "", "reading template: %v", unwrapPathError(err))
		return nil
	}
	if l.overrideFile == "" {
		l.overrideFile = file
	}
	root := parseDocument(file, data, l.ds)
	if root == nil {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		l.ds.add(file, root, Error, "", "Template format error: a template must be a JSON or YAML object")
		return nil
	}
	abs, _ := filepath.Abs(file)
	s := &stack{
		set: l, ds: l.ds, src: src, file: file, dir: filepath.Dir(abs), name: stackName, path: stackPath,
		root: root, files: map[*yaml.Node]string{},
		condValues: map[string]bool{}, condBusy: map[string]bool{}, overrides: overrides,
	}
	if len(data) > 1<<20 {
		l.ds.add(file, root, Warning, "", "CloudFormation rejects templates larger than 1 MB")
	}
	l.stacks = append(l.stacks, s)
	return s
}

// prepare runs phases P1 and P2 and reads parameters.
func (s *stack) prepare() {
	if get(s.root, "service") != nil && get(s.root, "provider") != nil {
		s.ds.add(s.file, s.root, Error, "", "a Serverless Framework file, not a CloudFormation or SAM template: apigw serves templates (serve the CloudFormation template `serverless package` writes)")
		s.root = mapNode(s.root)
		return
	}
	for _, p := range pairs(s.root) {
		switch p.key.Value {
		case "AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Mappings", "Conditions",
			"Transform", "Resources", "Outputs", "Globals":
		case "Rules":
			s.ds.add(s.file, p.key, Info, "Rules", "Rules are not evaluated by apigw")
		default:
			s.ds.add(s.file, p.key, Error, "", "Template format error: Invalid template property or properties [%s]", p.key.Value)
		}
	}
	s.transforms()
	s.expandIncludes(s.root, 0)
	s.readResources()
	s.loadParameters()
	defer s.nestedStacks()
	if s.sam {
		s.samTransform()
	} else {
		var bad []string
		var first *yaml.Node
		for _, id := range s.order {
			r := s.resources[id]
			if strings.HasPrefix(r.typ, "AWS::Serverless::") {
				if first == nil {
					first = r.key
				}
				if !contains(bad, r.typ) {
					bad = append(bad, r.typ)
				}
			}
		}
		if len(bad) > 0 {
			// SAM's own test inputs omit the Transform line; apigw applies
			// the transform and says what CloudFormation would do
			// (compatibility.md#sam-without-transform).
			s.ds.add(s.file, first, Warning, "", "Template format error: Unrecognized resource types: [%s]; add Transform: AWS::Serverless-2016-10-31 (apigw applies the SAM transform)", strings.Join(bad, ", "))
			s.sam = true
			s.samTransform()
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// transforms reads the Transform section.
func (s *stack) transforms() {
	t := get(s.root, "Transform")
	if t == nil {
		return
	}
	var names []*yaml.Node
	switch t.Kind {
	case yaml.ScalarNode:
		names = []*yaml.Node{t}
	case yaml.SequenceNode:
		names = t.Content
	default:
		s.ds.add(s.file, t, Error, "Transform", "Transform must be a string or a list of strings")
		return
	}
	for _, n := range names {
		v, _ := scalar(n)
		switch v {
		case "AWS::Serverless-2016-10-31":
			s.sam = true
		case "AWS::LanguageExtensions":
			s.ds.add(s.file, n, Error, "Transform", "transform AWS::LanguageExtensions is not supported yet")
		default:
			s.ds.add(s.file, n, Error, "Transform", "transform %s runs only inside AWS CloudFormation; apigw cannot apply it", v)
		}
	}
}

// expandIncludes replaces every Fn::Transform AWS::Include by the document
// it names (a local path, relative to the template).
func (s *stack) expandIncludes(n *yaml.Node, depth int) {
	if n == nil || depth > maxDepth {
		return
	}
	for i, c := range n.Content {
		c = deref(c)
		if intrinsicName(c) == "Fn::Transform" {
			if doc := s.include(c); doc != nil {
				n.Content[i] = doc
			}
			continue
		}
		s.expandIncludes(c, depth+1)
	}
}

// include reads the document of an AWS::Include transform.
func (s *stack) include(n *yaml.Node) *yaml.Node {
	arg := deref(n.Content[1])
	name, _ := scalar(get(arg, "Name"))
	if name != "AWS::Include" {
		s.ds.add(s.fileOf(n), n, Error, "", "Fn::Transform %s runs only inside AWS CloudFormation; apigw supports AWS::Include", name)
		return nil
	}
	locNode := get(get(arg, "Parameters"), "Location")
	loc, ok := scalar(locNode)
	if !ok {
		if intrinsicName(locNode) != "" {
			// A Location built with intrinsics (usually an S3 URL) cannot be
			// read locally.
			s.ds.add(s.fileOf(n), locNode, Error, "", "AWS::Include Location must be a local path; intrinsic functions in it are not supported locally")
		} else {
			s.ds.add(s.fileOf(n), n, Error, "", "AWS::Include requires Parameters.Location")
		}
		return nil
	}
	if strings.HasPrefix(loc, "s3://") || strings.HasPrefix(loc, "https://") || strings.HasPrefix(loc, "http://") {
		s.ds.add(s.fileOf(n), locNode, Error, "", "cannot fetch S3 objects; use a local path (%s)", loc)
		return nil
	}
	path := filepath.Join(filepath.Dir(s.absPath(s.fileOf(n))), loc)
	if filepath.IsAbs(loc) {
		path = loc
	}
	if s.fileOf(n) == s.file {
		path = s.absPath(loc)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		s.ds.add(s.fileOf(n), locNode, Error, "", "AWS::Include %s: %v", loc, unwrapPathError(err))
		return nil
	}
	rel := filepath.Join(filepath.Dir(s.file), loc)
	doc := parseDocument(rel, data, s.ds)
	if doc == nil {
		return nil
	}
	s.markFile(doc, rel)
	return doc
}

// markFile records that every node of tree n comes from file.
func (s *stack) markFile(n *yaml.Node, file string) {
	if n == nil {
		return
	}
	s.files[n] = file
	for _, c := range n.Content {
		s.markFile(c, file)
	}
}

// collectExports finds every Outputs.*.Export.Name of the set.
func (l *loader) collectExports() {
	for _, s := range l.stacks {
		for _, p := range pairs(get(s.root, "Outputs")) {
			exp := get(get(p.val, "Export"), "Name")
			if exp == nil {
				continue
			}
			c := evalCtx{s: s, path: "Outputs." + p.key.Value + ".Export.Name"}
			v, ok := c.eval(exp)
			if !ok {
				continue
			}
			name, _ := stringOf(v)
			if prev, dup := l.exports[name]; dup {
				l.ds.add(s.file, exp, Error, c.path, "export %s is already exported by stack %s", name, prev.s.name)
				continue
			}
			l.exports[name] = exportRef{s: s, output: p.key.Value, value: get(p.val, "Value")}
		}
	}
}

// importValue resolves Fn::ImportValue name.
func (l *loader) importValue(c evalCtx, at *yaml.Node, name string) (*yaml.Node, bool) {
	if e, ok := l.exports[name]; ok {
		if l.importBusy[name] {
			c.errorf(at, "Template error: circular dependency through export %s", name)
			return nil, false
		}
		l.importBusy[name] = true
		defer delete(l.importBusy, name)
		ec := evalCtx{s: e.s, path: "Outputs." + e.output + ".Value", lenient: c.lenient}
		return ec.eval(e.value)
	}
	for _, s := range l.stacks {
		if v, ok := s.src.Imports[name]; ok {
			return strNode(at, v), true
		}
	}
	c.errorf(at, "No export named %s found", name)
	return nil, false
}

// nestedOutput resolves Fn::GetAtt Stack.Outputs.Name.
func (l *loader) nestedOutput(c evalCtx, at *yaml.Node, parent *stack, r *resource, name string) (*yaml.Node, bool) {
	childPath := r.id
	if parent.path != "" {
		childPath = parent.path + "/" + r.id
	}
	for _, s := range l.stacks {
		if s.path == childPath {
			out := get(get(get(s.root, "Outputs"), name), "Value")
			if out == nil {
				c.errorf(at, "Template error: stack %s has no output %s", r.id, name)
				return nil, false
			}
			return evalCtx{s: s, path: "Outputs." + name, lenient: c.lenient}.eval(out)
		}
	}
	c.errorf(at, "%s.Outputs.%s: the nested stack %s is not loaded locally", r.id, name, r.id)
	return nil, false
}

// placeholder records that a placeholder value of r was used.
func (l *loader) placeholder(s *stack, r *resource, what string) {
	if !contains(l.placeholders[r], what) {
		l.placeholders[r] = append(l.placeholders[r], what)
	}
	_ = s
}

func (l *loader) reportPlaceholders() {
	for _, s := range l.stacks {
		for _, id := range s.order {
			r := s.resources[id]
			uses := l.placeholders[r]
			if len(uses) == 0 {
				continue
			}
			l.ds.add(s.file, r.key, Info, id, "%s is not emulated; placeholder values used for %s (set templates[].resources or attributes)", r.typ, strings.Join(uses, ", "))
		}
	}
}

// outputs resolves the stack's Outputs (errors there only print).
func (s *stack) outputs() []Output {
	var out []Output
	for _, p := range pairs(get(s.root, "Outputs")) {
		c := evalCtx{s: s, path: "Outputs." + p.key.Value, lenient: true}
		if cond := get(p.val, "Condition"); cond != nil {
			name, _ := scalar(cond)
			if v, ok := s.condition(c, cond, name); !ok || !v {
				continue
			}
		}
		v, ok := c.eval(get(p.val, "Value"))
		if !ok {
			continue
		}
		o := Output{StackName: s.name, Name: p.key.Value}
		if str, ok := stringOf(v); ok {
			o.Value = str
		} else if v != nil && v.Kind == yaml.SequenceNode {
			var parts []string
			for _, x := range v.Content {
				xs, _ := stringOf(x)
				parts = append(parts, xs)
			}
			o.Value = strings.Join(parts, ",")
		}
		o.Description, _ = stringOf(get(p.val, "Description"))
		if e, ok := c.eval(get(get(p.val, "Export"), "Name")); ok && e != nil {
			o.Export, _ = stringOf(e)
		}
		o.Local = LocalURL(s.set.opts.DataURL, o.Value)
		out = append(out, o)
	}
	return out
}

// LocalURL returns the local equivalent of an execute-api URL in v
// (https://{apiId}.execute-api.{region}.amazonaws.com/{path}) on the data
// plane at dataURL, path style; "" when v holds none.
func LocalURL(dataURL, v string) string {
	i := strings.Index(v, ".execute-api.")
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(v[:i], "://")
	if start < 0 {
		return ""
	}
	id := v[start+3 : i]
	rest := v[i+len(".execute-api."):]
	path := ""
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		path = rest[j:]
	}
	return fmt.Sprintf("%s/_aws/execute-api/%s%s", strings.TrimSuffix(dataURL, "/"), id, path)
}

// displayPath names a file in diagnostics: relative to the working
// directory when it is inside it.
func displayPath(p string) string {
	if !filepath.IsAbs(p) {
		return p
	}
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}

// nestedStacks loads the stack's nested stacks whose templates are local:
// AWS::CloudFormation::Stack with a local TemplateURL (before `aws
// cloudformation package`) or CDK asset metadata naming a
// *.nested.template.json, and AWS::Serverless::Application with a local
// Location. Each is loaded as stack path Parent/LogicalId with its
// Parameters (strings); its Outputs are read by Fn::GetAtt X.Outputs.Name.
func (s *stack) nestedStacks() {
	for _, r := range s.ofType("AWS::CloudFormation::Stack", "AWS::Serverless::Application") {
		c := evalCtx{s: s, path: r.id}
		if _, ok := s.exists(c, r.id); !ok {
			continue
		}
		prop := "TemplateURL"
		if r.typ == "AWS::Serverless::Application" {
			prop = "Location"
		}
		loc := ""
		if ap, ok := stringOf(get(get(r.node, "Metadata"), "aws:asset:path")); ok && ap != "" {
			loc = ap
		} else if n := get(r.props, prop); n != nil {
			if n.Kind == yaml.MappingNode && intrinsicName(n) == "" {
				s.ds.add(s.file, n, Warning, r.id+"."+prop, "applications of the Serverless Application Repository are not loaded locally")
				continue
			}
			v, ok := (evalCtx{s: s, path: r.id + "." + prop}).eval(n)
			if !ok {
				continue
			}
			loc, _ = stringOf(v)
		}
		if loc == "" || strings.HasPrefix(loc, "https://") || strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "s3://") {
			s.ds.add(s.file, r.key, Warning, r.id, "nested stack template %q is not local; the stack is not loaded (references into it are errors)", loc)
			continue
		}
		params := map[string]string{}
		for _, p := range pairs(get(r.props, "Parameters")) {
			v, ok := (evalCtx{s: s, path: r.id + ".Parameters." + p.key.Value}).eval(p.val)
			if !ok {
				continue
			}
			if v != nil && v.Kind == yaml.SequenceNode {
				params[p.key.Value] = strings.Join(strList(v), ",")
				continue
			}
			params[p.key.Value], _ = stringOf(v)
		}
		path := r.id
		if s.path != "" {
			path = s.path + "/" + r.id
		}
		child := s.set.loadTemplate(s.src, s.absPath(loc), s.name+"-"+r.id, path, params)
		if child != nil {
			child.parent = s
		}
	}
}
