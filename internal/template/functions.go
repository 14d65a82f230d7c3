package template

import (
	"archive/zip"
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/apigwdev/apigw/internal/functions/runtimes"
)

// This file is phase P5: where each function's code is and how it runs
// locally (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html).

// functions adds the stack's functions to set.
func (s *stack) functions(set *Set) {
	envFile := s.envVars()
	for _, r := range s.ofType("AWS::Serverless::Function", "AWS::Lambda::Function") {
		c := evalCtx{s: s, path: r.id}
		if _, ok := s.exists(c, r.id); !ok {
			continue
		}
		if f, ok := s.function(r, envFile); ok {
			set.Functions = append(set.Functions, f)
		}
	}
}

// function reads one function.
func (s *stack) function(r *resource, envFile map[string]map[string]string) (Function, bool) {
	c := evalCtx{s: s, path: r.id}
	name, ok := s.functionName(c, r)
	if !ok {
		return Function{}, false
	}
	f := Function{Name: name, LogicalID: r.id, StackPath: s.path, Env: map[string]string{}}
	sam := r.typ == "AWS::Serverless::Function"
	f.Runtime, _ = c.propString(s, r, "Runtime")
	f.Handler, _ = c.propString(s, r, "Handler")
	f.TimeoutSeconds, f.MemorySize = 3, 128
	if v, ok := s.intProp(r, "Timeout"); ok {
		f.TimeoutSeconds = v
	}
	if v, ok := s.intProp(r, "MemorySize"); ok {
		f.MemorySize = v
	}
	if v, ok := s.intProp(r, "ReservedConcurrentExecutions"); ok {
		if v == 0 {
			s.ds.add(s.file, get(r.props, "ReservedConcurrentExecutions"), Warning, r.id+".ReservedConcurrentExecutions", "0 throttles every invocation on AWS; apigw runs the function with a concurrency of 1")
			v = 1
		}
		f.Concurrency = v
	}
	if env := get(get(r.props, "Environment"), "Variables"); env != nil {
		v, ok := (evalCtx{s: s, path: r.id + ".Environment.Variables"}).eval(env)
		if !ok {
			return Function{}, false
		}
		for _, p := range pairs(v) {
			if lambdaReserved(p.key.Value) {
				s.ds.add(s.file, p.key, Error, r.id+".Environment.Variables."+p.key.Value, "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: %s", p.key.Value)
				continue
			}
			str, ok := stringOf(p.val)
			if !ok {
				s.ds.add(s.file, p.key, Error, r.id+".Environment.Variables."+p.key.Value, "must be a string, not %s", kindName(p.val))
				continue
			}
			f.Env[p.key.Value] = str
		}
	}
	applyEnvVars(s, r, &f, envFile)
	for _, k := range []string{"FunctionUrlConfig"} {
		if n := get(r.props, k); n != nil {
			s.ds.add(s.file, n, Warning, r.id+"."+k, "function URLs are not served by apigw")
		}
	}
	if n := get(r.props, "FileSystemConfigs"); n != nil {
		s.ds.add(s.file, n, Warning, r.id+".FileSystemConfigs", "/mnt/... paths of file systems do not exist locally")
	}
	for _, k := range []string{"CapacityProviderConfig", "TenancyConfig", "DurableConfig", "FunctionScalingConfig"} {
		if n := get(r.props, k); n != nil {
			s.ds.add(s.file, n, Warning, r.id+"."+k, "not emulated: the function runs as an on-demand function")
		}
	}
	if lc := get(r.props, "LoggingConfig"); lc != nil {
		v, _ := (evalCtx{s: s, path: r.id + ".LoggingConfig"}).eval(lc)
		f.LogFormat = str(v, "LogFormat")
		f.LogLevel = str(v, "ApplicationLogLevel")
	}
	s.layers(r, &f)
	s.code(r, &f, sam)
	return f, true
}

func (s *stack) intProp(r *resource, prop string) (int, bool) {
	n := get(r.props, prop)
	if n == nil {
		return 0, false
	}
	v, ok := (evalCtx{s: s, path: r.id + "." + prop}).eval(n)
	if !ok || v == nil {
		return 0, false
	}
	i, ok := intOf(v)
	if !ok {
		s.ds.add(s.file, n, Error, r.id+"."+prop, "must be an integer, not %s", kindName(v))
	}
	return i, ok
}

// code locates the function's code and decides how it runs.
func (s *stack) code(r *resource, f *Function, sam bool) {
	c := evalCtx{s: s, path: r.id}
	if pt, _ := c.propString(s, r, "PackageType"); pt == "Image" || get(r.props, "ImageUri") != nil || get(get(r.props, "Code"), "ImageUri") != nil {
		f.Unrunnable = "container image functions are not run by apigw; set functions." + f.Name + ".command or .endpoint"
		return
	}
	dir := ""
	meta := get(r.node, "Metadata")
	if ap, ok := stringOf(get(meta, "aws:asset:path")); ok && ap != "" {
		prop, _ := stringOf(get(meta, "aws:asset:property"))
		if prop == "Code" || prop == "CodeUri" || prop == "" {
			dir = s.absPath(ap)
		}
	}
	if dir == "" {
		var inline *yaml.Node
		codeN := get(r.props, "Code")
		if sam {
			codeN = get(r.props, "CodeUri")
			inline = get(r.props, "InlineCode")
		} else if z := get(codeN, "ZipFile"); z != nil {
			inline = z
		}
		switch {
		case inline != nil:
			v, ok := (evalCtx{s: s, path: r.id + ".InlineCode"}).eval(inline)
			if !ok {
				return
			}
			src, _ := stringOf(v)
			d, why := s.inlineCode(f, src)
			if why != "" {
				f.Unrunnable = why
				return
			}
			dir = d
		case codeN == nil && sam:
			dir = s.dir
		case codeN == nil:
			f.Unrunnable = "function has no Code"
			return
		default:
			v, ok := (evalCtx{s: s, path: r.id + ".Code"}).eval(codeN)
			if !ok {
				return
			}
			p, isStr := stringOf(v)
			switch {
			case !isStr, strings.HasPrefix(p, "s3://"):
				if get(meta, "aws:cdk:path") != nil {
					f.Unrunnable = "code is in S3 and the template has no asset metadata: synthesize with asset metadata (cdk synth without --no-asset-metadata)"
				} else {
					f.Unrunnable = "code is in S3 (" + describeS3(v) + "); apigw runs local code: point CodeUri at the source directory"
				}
				return
			}
			dir = s.absPath(p)
		}
	}
	if strings.HasSuffix(strings.ToLower(dir), ".zip") {
		d, err := s.unzip(dir)
		if err != nil {
			f.Unrunnable = fmt.Sprintf("unpacking %s: %v", dir, err)
			return
		}
		dir = d
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		f.Unrunnable = fmt.Sprintf("code directory %s does not exist", dir)
		return
	}
	f.CodeDir = dir
	s.runtime(r, f, meta)
}

func describeS3(v *yaml.Node) string {
	if p, ok := stringOf(v); ok {
		return p
	}
	b, k := str(v, "Bucket"), str(v, "Key")
	if b == "" {
		b, k = str(v, "S3Bucket"), str(v, "S3Key")
	}
	return "s3://" + b + "/" + k
}

// deprecated maps the identifiers of Lambda runtimes apigw runs with a
// newer interpreter (AWS blocks creating functions on them).
var deprecated = map[string]string{
	"nodejs10.x": "nodejs18.x", "nodejs12.x": "nodejs18.x", "nodejs14.x": "nodejs18.x", "nodejs16.x": "nodejs18.x",
	"python3.6": "python3.9", "python3.7": "python3.9", "python3.8": "python3.9",
}

// runtime decides how a function with its code in f.CodeDir runs.
func (s *stack) runtime(r *resource, f *Function, meta *yaml.Node) {
	rt := f.Runtime
	buildMethod, _ := stringOf(get(meta, "BuildMethod"))
	out := filepath.Join(s.set.opts.DataDir, "build", s.name, s.path, r.id)
	if abs, err := filepath.Abs(out); err == nil {
		out = abs
	}
	switch {
	case strings.HasPrefix(rt, "provided") || rt == "go1.x" || buildMethod == "go1.x" || buildMethod == "makefile":
		binary := "bootstrap"
		if rt == "go1.x" {
			s.ds.add(s.file, get(r.props, "Runtime"), Warning, r.id+".Runtime", "runtime go1.x is deprecated: AWS blocks creating functions on it; use provided.al2023 with BuildMethod go1.x")
			if f.Handler != "" {
				binary = f.Handler
			}
		}
		switch buildMethod {
		case "go1.x":
			f.Build = []string{"go", "build", "-o", filepath.Join(out, binary), "."}
			if v, _ := stringOf(get(get(meta, "BuildProperties"), "TrimGoPath")); v == "true" {
				f.Build = []string{"go", "build", "-trimpath", "-o", filepath.Join(out, binary), "."}
			}
			f.Command = []string{filepath.Join(out, binary)}
		case "makefile":
			// sam build creates ARTIFACTS_DIR before it runs make.
			if err := os.MkdirAll(out, 0o755); err != nil {
				f.Unrunnable = fmt.Sprintf("creating the build directory: %v", err)
				return
			}
			f.Build = []string{"make", "-f", filepath.Join(f.CodeDir, "Makefile"), "build-" + r.id, "ARTIFACTS_DIR=" + out}
			f.Command = []string{filepath.Join(out, binary)}
		case "":
			if rt == "go1.x" && fileExists(filepath.Join(f.CodeDir, "go.mod")) {
				f.Build = []string{"go", "build", "-o", filepath.Join(out, binary), "."}
				f.Command = []string{filepath.Join(out, binary)}
				return
			}
			p := filepath.Join(f.CodeDir, binary)
			if !fileExists(p) {
				hint := ""
				if fileExists(filepath.Join(f.CodeDir, "go.mod")) {
					hint = "; add Metadata: BuildMethod: go1.x"
				}
				f.Unrunnable = fmt.Sprintf("%s has no %s%s", f.CodeDir, binary, hint)
				return
			}
			if why := foreignBinary(p); why != "" {
				f.Unrunnable = why + "; serve template.yaml instead of the sam build output: apigw builds for this host"
				return
			}
			f.Command = []string{p}
		default:
			f.Unrunnable = fmt.Sprintf("BuildMethod %s is not run by apigw; set functions.%s.command to a program speaking the Lambda Runtime API", buildMethod, f.Name)
		}
	case strings.HasPrefix(rt, "nodejs") || strings.HasPrefix(rt, "python"):
		if buildMethod != "" && buildMethod != "esbuild" && !strings.HasPrefix(buildMethod, "nodejs") && !strings.HasPrefix(buildMethod, "python") {
			f.Unrunnable = fmt.Sprintf("BuildMethod %s is not run by apigw", buildMethod)
			return
		}
		if buildMethod == "esbuild" {
			if why := esbuild(f, get(meta, "BuildProperties"), out); why != "" {
				f.Unrunnable = why
				return
			}
		}
		if newer, ok := deprecated[rt]; ok {
			s.ds.add(s.file, get(r.props, "Runtime"), Warning, r.id+".Runtime", "runtime %s is deprecated: AWS blocks creating functions on it; apigw runs it as %s", rt, newer)
			rt = newer
		}
		if _, err := runtimes.Lookup(rt); err != nil {
			f.Unrunnable = err.Error()
			return
		}
		if err := runtimes.CheckHandler(f.Handler); err != nil {
			f.Unrunnable = err.Error()
			return
		}
		f.Runtime = rt
	case rt == "":
		f.Unrunnable = "Runtime is required for a function of package type Zip"
	default:
		f.Unrunnable = fmt.Sprintf("runtime %s is not run by apigw; set functions.%s.command to a program speaking the Lambda Runtime API (e.g. the language's runtime interface client) or functions.%s.endpoint", rt, f.Name, f.Name)
	}
}

// foreignBinary says why an executable cannot run on this host, "" when it
// can (or its format is unknown).
func foreignBinary(p string) string {
	goarch := map[elf.Machine]string{elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64", elf.EM_386: "386", elf.EM_ARM: "arm"}
	if e, err := elf.Open(p); err == nil {
		defer e.Close()
		arch := goarch[e.Machine]
		if runtime.GOOS != "linux" || arch != "" && arch != runtime.GOARCH {
			return fmt.Sprintf("bootstrap is a linux/%s binary; this host is %s/%s", arch, runtime.GOOS, runtime.GOARCH)
		}
		return ""
	}
	if _, err := macho.Open(p); err == nil && runtime.GOOS != "darwin" {
		return fmt.Sprintf("bootstrap is a darwin binary; this host is %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	return ""
}

// inlineCode writes InlineCode/ZipFile to the data dir, as Lambda does.
func (s *stack) inlineCode(f *Function, src string) (string, string) {
	var file string
	switch {
	case strings.HasPrefix(f.Runtime, "nodejs"):
		file = "index.js"
	case strings.HasPrefix(f.Runtime, "python"):
		file = "index.py"
	default:
		return "", fmt.Sprintf("inline code is supported only for Node.js and Python runtimes, not %s", f.Runtime)
	}
	if strings.Contains(src, "cfn-response") {
		s.ds.add(s.file, nil, Warning, f.LogicalID, "inline code requires cfn-response, which apigw does not provide")
	}
	sum := sha256.Sum256([]byte(f.Runtime + "\x00" + src))
	dir := filepath.Join(s.set.opts.DataDir, "code", hex.EncodeToString(sum[:]))
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Sprintf("writing inline code: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, file), []byte(src), 0o644); err != nil {
		return "", fmt.Sprintf("writing inline code: %v", err)
	}
	return dir, ""
}

// unzip extracts a code archive once into the data dir.
func (s *stack) unzip(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	dir := filepath.Join(s.set.opts.DataDir, "code", hex.EncodeToString(sum[:]))
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if fileExists(filepath.Join(dir, ".complete")) {
		return dir, nil
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return "", err
	}
	defer zr.Close()
	for _, zf := range zr.File {
		target := filepath.Join(dir, zf.Name)
		if !strings.HasPrefix(target, dir+string(os.PathSeparator)) {
			return "", fmt.Errorf("archive entry %s escapes the directory", zf.Name)
		}
		if zf.FileInfo().IsDir() {
			if err := os.MkdirAll(target, 0o755); err != nil {
				return "", err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return "", err
		}
		rc, err := zf.Open()
		if err != nil {
			return "", err
		}
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, zf.Mode()|0o600)
		if err != nil {
			rc.Close()
			return "", err
		}
		_, err = io.Copy(out, io.LimitReader(rc, 1<<30))
		rc.Close()
		out.Close()
		if err != nil {
			return "", err
		}
	}
	return dir, os.WriteFile(filepath.Join(dir, ".complete"), nil, 0o644)
}

// layers resolves a function's Layers to local directories.
func (s *stack) layers(r *resource, f *Function) {
	n := get(r.props, "Layers")
	if n == nil {
		return
	}
	for _, l := range children(n) {
		if ref, ok := scalar(get(l, "Ref")); ok {
			if lr := s.resources[ref]; lr != nil && (lr.typ == "AWS::Serverless::LayerVersion" || lr.typ == "AWS::Lambda::LayerVersion") {
				if d := s.layerDir(lr); d != "" {
					f.Layers = append(f.Layers, d)
				}
				continue
			}
		}
		v, ok := (evalCtx{s: s, path: r.id + ".Layers"}).eval(l)
		if !ok {
			continue
		}
		arn, _ := stringOf(v)
		if d, ok := s.src.Layers[arn]; ok {
			f.Layers = append(f.Layers, s.absPath(d))
			continue
		}
		s.ds.add(s.file, l, Warning, r.id+".Layers", "layer %s is not available locally; the function runs without it (map it with templates[].layers)", arn)
	}
}

func (s *stack) layerDir(lr *resource) string {
	prop := "ContentUri"
	if lr.typ == "AWS::Lambda::LayerVersion" {
		prop = "Content"
	}
	if ap, ok := stringOf(get(get(lr.node, "Metadata"), "aws:asset:path")); ok && ap != "" {
		return s.absPath(ap)
	}
	v, ok := (evalCtx{s: s, path: lr.id + "." + prop}).eval(get(lr.props, prop))
	if !ok {
		return ""
	}
	p, isStr := stringOf(v)
	if !isStr || strings.HasPrefix(p, "s3://") {
		s.ds.add(s.file, lr.key, Warning, lr.id, "layer content is in S3; functions run without it")
		return ""
	}
	if bm, _ := stringOf(get(get(lr.node, "Metadata"), "BuildMethod")); bm != "" {
		built := filepath.Join(s.dir, ".aws-sam", "build", lr.id)
		if fileExists(built) {
			return built
		}
		s.ds.add(s.file, lr.key, Warning, lr.id, "layer %s has BuildMethod %s that apigw does not run; using ContentUri as is", lr.id, bm)
	}
	return s.absPath(p)
}

// envVars reads the stack's --env-vars file (SAM CLI's shape).
func (s *stack) envVars() map[string]map[string]string {
	if s.src.EnvVars == "" {
		return nil
	}
	data, err := os.ReadFile(s.src.EnvVars)
	if err != nil {
		s.ds.add(s.src.EnvVars, nil, Error, "", "reading --env-vars: %v", unwrapPathError(err))
		return nil
	}
	var raw map[string]map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		s.ds.add(s.src.EnvVars, nil, Error, "", "--env-vars must be a JSON object of objects ({\"Parameters\": {...}, \"Function\": {...}}): %v", err)
		return nil
	}
	out := map[string]map[string]string{}
	for k, m := range raw {
		out[k] = map[string]string{}
		for vk, v := range m {
			switch x := v.(type) {
			case string:
				out[k][vk] = x
			case float64:
				out[k][vk] = strconv.FormatFloat(x, 'f', -1, 64)
			case bool:
				out[k][vk] = strconv.FormatBool(x)
			case nil:
				out[k][vk] = ""
			default:
				b, _ := json.Marshal(x)
				out[k][vk] = string(b)
			}
		}
	}
	return out
}

// applyEnvVars lays the env-vars file over a function's environment:
// Parameters for every function, then the entry of its logical id, else
// its name. Only declared variables are overridden, as SAM CLI does.
func applyEnvVars(s *stack, r *resource, f *Function, file map[string]map[string]string) {
	if file == nil {
		return
	}
	apply := func(m map[string]string, from string) {
		for k, v := range m {
			if _, declared := f.Env[k]; declared {
				f.Env[k] = v
			} else if from != "Parameters" {
				s.ds.add(s.src.EnvVars, nil, Warning, "", "%s.%s: variable %s is not declared in the template's Environment of %s; not set (as sam local does)", from, k, k, r.id)
			}
		}
	}
	apply(file["Parameters"], "Parameters")
	if m, ok := file[r.id]; ok {
		apply(m, r.id)
	} else if m, ok := file[f.Name]; ok {
		apply(m, f.Name)
	}
}

// lambdaReserved reports the environment variables Lambda sets itself and
// refuses in a function's configuration
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
func lambdaReserved(k string) bool {
	switch k {
	case "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
		"AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
		"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
		"AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR":
		return true
	}
	return false
}

// esbuild sets up a Node.js function with Metadata BuildMethod esbuild:
// the build bundles the entry points into out, where the function then
// runs, as sam build does with aws-lambda-builders' esbuild workflow.
// BuildProperties keys become esbuild flags (Minify: true → --minify,
// Target: es2020 → --target=es2020, External: [a] → --external:a);
// --target=es2020, --format=cjs and --minify apply unless given. esbuild is
// taken from CodeUri's node_modules/.bin, else PATH; apigw does not run npm
// install.
func esbuild(f *Function, props *yaml.Node, out string) string {
	var entries []string
	args := []string{"--bundle", "--platform=node", "--outdir=" + out}
	set := map[string]bool{}
	for _, p := range pairs(props) {
		k := p.key.Value
		flag := "--" + kebab(k)
		set[k] = true
		switch {
		case k == "EntryPoints":
			for _, e := range children(p.val) {
				v, _ := stringOf(e)
				entries = append(entries, filepath.Join(f.CodeDir, v))
			}
		case p.val.Kind == yaml.SequenceNode:
			for _, e := range p.val.Content {
				v, _ := stringOf(e)
				args = append(args, flag+":"+v)
			}
		default:
			v, _ := stringOf(p.val)
			switch strings.ToLower(v) {
			case "true":
				args = append(args, flag)
			case "false":
			default:
				args = append(args, flag+"="+v)
			}
		}
	}
	if !set["Target"] {
		args = append(args, "--target=es2020")
	}
	if !set["Format"] {
		args = append(args, "--format=cjs")
	}
	if !set["Minify"] {
		args = append(args, "--minify")
	}
	if len(entries) == 0 {
		return "BuildMethod esbuild needs Metadata.BuildProperties.EntryPoints"
	}
	bin := filepath.Join(f.CodeDir, "node_modules", ".bin", "esbuild")
	if !fileExists(bin) {
		bin = "esbuild"
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Sprintf("creating the build directory: %v", err)
	}
	f.Build = append(append([]string{bin}, entries...), args...)
	f.CodeDir = out
	return ""
}

// kebab turns a BuildProperties key into an esbuild flag name
// (MainFields → main-fields).
func kebab(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
