package lambdacall

import (
	"fmt"
	"strings"
)

// FunctionRef identifies the function an integration URI names, once its
// stage variables are resolved. Qualifier is the alias or version ("live",
// "7", "$LATEST"), or "" for the unqualified function.
type FunctionRef struct {
	Region    string
	AccountID string
	Name      string
	Qualifier string
}

// ARN returns the function's ARN in the aws partition, with the qualifier when
// there is one: arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}].
func (f FunctionRef) ARN() string {
	s := "arn:aws:lambda:" + f.Region + ":" + f.AccountID + ":function:" + f.Name
	if f.Qualifier != "" {
		s += ":" + f.Qualifier
	}
	return s
}

// String returns the function's ARN (see ARN).
func (f FunctionRef) String() string { return f.ARN() }

// URIError reports an integration URI that names no Lambda function in any of
// the accepted forms (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
type URIError struct {
	// URI is the integration URI as given.
	URI string
	// Reason says what is wrong with it.
	Reason string
}

// Error returns the URI and the reason it is refused.
func (e *URIError) Error() string {
	return fmt.Sprintf("lambda integration uri %q: %s", e.URI, e.Reason)
}

// FunctionTemplate is a parsed Lambda integration URI: the function's region
// and account, and its name and qualifier, which may contain
// ${stageVariables.x} placeholders resolved per request by Resolve.
type FunctionTemplate struct {
	uri       string
	region    string
	accountID string
	name      template
	qualifier template // nil when the URI has no qualifier
}

// invocationPrefix and invocationSuffix frame the function ARN in the
// apigateway invocation form of an integration URI.
const (
	invocationPrefix = "path/2015-03-31/functions/"
	invocationSuffix = "/invocations"
)

// ParseFunctionURI parses an integration URI of an AWS_PROXY Lambda
// integration. The accepted forms are those of https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html:
//
//   - a function ARN: arn:aws:lambda:{region}:{account}:function:{name}
//   - a qualified function ARN: ...:function:{name}:{alias|version}
//   - the invocation URI: arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations
//
// The function name and qualifier may contain ${stageVariables.x} placeholders
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html, "same account only"); region and account may not. Partial
// ARNs and bare names are refused (undocumented by AWS, our choice: docs/compatibility.md#lambda-proxy, reject). The partition may
// be any aws partition (aws, aws-cn, aws-us-gov, ...) and is not kept: a
// FunctionRef names a function by region, account and name.
func ParseFunctionURI(uri string) (*FunctionTemplate, error) {
	bad := func(format string, args ...any) error {
		return &URIError{URI: uri, Reason: fmt.Sprintf(format, args...)}
	}
	fnARN := uri
	// The invocation form: arn:{partition}:apigateway:{region}:lambda:path/...
	if f := strings.SplitN(uri, ":", 6); len(f) == 6 && f[0] == "arn" && f[2] == "apigateway" {
		if !validPartition(f[1]) {
			return nil, bad("invalid partition %q", f[1])
		}
		if !validRegion(f[3]) {
			return nil, bad("invalid region %q", f[3])
		}
		if f[4] != "lambda" {
			return nil, bad("apigateway service %q is not lambda", f[4])
		}
		rest, ok := strings.CutPrefix(f[5], invocationPrefix)
		if !ok {
			return nil, bad("path does not start with %q", invocationPrefix)
		}
		fnARN, ok = strings.CutSuffix(rest, invocationSuffix)
		if !ok {
			return nil, bad("path does not end with %q", invocationSuffix)
		}
	}

	f := strings.Split(fnARN, ":")
	if len(f) < 7 || f[0] != "arn" || f[2] != "lambda" || f[5] != "function" {
		return nil, bad("not a Lambda function ARN (arn:aws:lambda:{region}:{account}:function:{name})")
	}
	if len(f) > 8 {
		return nil, bad("too many ARN fields")
	}
	if !validPartition(f[1]) {
		return nil, bad("invalid partition %q", f[1])
	}
	if !validRegion(f[3]) {
		return nil, bad("invalid region %q", f[3])
	}
	if !validAccountID(f[4]) {
		return nil, bad("invalid account id %q (12 digits)", f[4])
	}
	t := &FunctionTemplate{uri: uri, region: f[3], accountID: f[4]}
	var err error
	if t.name, err = parseTemplate(f[6], isNameByte); err != nil {
		return nil, bad("function name: %v", err)
	}
	if len(f) == 8 {
		if t.qualifier, err = parseTemplate(f[7], isQualifierByte); err != nil {
			return nil, bad("qualifier: %v", err)
		}
	}
	// Without placeholders the function is known now: check it completely.
	if ref, ok := t.Static(); ok {
		if err := validateRef(ref); err != nil {
			return nil, bad("%v", err)
		}
	}
	return t, nil
}

// String returns the integration URI as it was parsed.
func (t *FunctionTemplate) String() string { return t.uri }

// Static returns the function the URI names when it contains no stage
// variables; ok is false when the function depends on the stage.
func (t *FunctionTemplate) Static() (ref FunctionRef, ok bool) {
	if !t.name.static() || !t.qualifier.static() {
		return FunctionRef{}, false
	}
	return t.expand(nil), true
}

// Resolve substitutes stageVars into the function name and qualifier and
// returns the function to call.
//
// A variable the stage does not define becomes the empty string, as REST APIs
// do (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html: undocumented by AWS for HTTP APIs, our choice: docs/compatibility.md#lambda-proxy, recommended). A name
// variable whose value is "name:qualifier" supplies the qualifier when the URI
// has none. A result that is not a valid function name or qualifier is an
// error wrapping ErrFunctionNotFound: the client gets what AWS answers for a
// missing function, 500.
func (t *FunctionTemplate) Resolve(stageVars map[string]string) (FunctionRef, error) {
	ref := t.expand(stageVars)
	if err := validateRef(ref); err != nil {
		return FunctionRef{}, fmt.Errorf("resolving integration uri %q: %w: %w", t.uri, err, ErrFunctionNotFound)
	}
	return ref, nil
}

func (t *FunctionTemplate) expand(vars map[string]string) FunctionRef {
	ref := FunctionRef{Region: t.region, AccountID: t.accountID, Name: t.name.expand(vars)}
	if t.qualifier != nil {
		ref.Qualifier = t.qualifier.expand(vars)
	} else if name, qual, ok := strings.Cut(ref.Name, ":"); ok && qual != "" && !t.name.static() {
		ref.Name, ref.Qualifier = name, qual
	}
	return ref
}

// validateRef checks a resolved name and qualifier against Lambda's rules:
// names are 1 to 64 of [A-Za-z0-9_-]; qualifiers are $LATEST or 1 to 128 of
// [A-Za-z0-9_-].
func validateRef(ref FunctionRef) error {
	if ref.Name == "" || len(ref.Name) > 64 || !allBytes(ref.Name, isNameByte) {
		return fmt.Errorf("invalid function name %q", ref.Name)
	}
	if ref.Qualifier != "" && ref.Qualifier != "$LATEST" &&
		(len(ref.Qualifier) > 128 || !allBytes(ref.Qualifier, isNameByte)) {
		return fmt.Errorf("invalid qualifier %q", ref.Qualifier)
	}
	return nil
}

// template is a string with ${stageVariables.x} placeholders: a sequence of
// literal parts and variable references.
type template []templatePart

type templatePart struct {
	literal  string
	variable string // the stage variable name; literal is empty then
}

// stageVarPrefix opens a placeholder; "}" closes it.
const stageVarPrefix = "${stageVariables."

// parseTemplate splits s into literals and placeholders. Literal bytes must
// satisfy ok; variable names are [A-Za-z0-9_]+ (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html).
func parseTemplate(s string, ok func(byte) bool) (template, error) {
	if s == "" {
		return nil, fmt.Errorf("empty")
	}
	t := template{}
	for s != "" {
		i := strings.Index(s, stageVarPrefix)
		if i < 0 {
			i = len(s)
		}
		if lit := s[:i]; lit != "" {
			if !allBytes(lit, ok) {
				return nil, fmt.Errorf("invalid character in %q", lit)
			}
			t = append(t, templatePart{literal: lit})
		}
		s = s[i:]
		if s == "" {
			break
		}
		end := strings.IndexByte(s, '}')
		if end < 0 {
			return nil, fmt.Errorf("unterminated %s placeholder", stageVarPrefix)
		}
		name := s[len(stageVarPrefix):end]
		if name == "" || !allBytes(name, isVarByte) {
			return nil, fmt.Errorf("invalid stage variable name %q", name)
		}
		t = append(t, templatePart{variable: name})
		s = s[end+1:]
	}
	return t, nil
}

func (t template) static() bool {
	for _, p := range t {
		if p.variable != "" {
			return false
		}
	}
	return true
}

func (t template) expand(vars map[string]string) string {
	if len(t) == 1 && t[0].variable == "" {
		return t[0].literal
	}
	var b strings.Builder
	for _, p := range t {
		if p.variable != "" {
			b.WriteString(vars[p.variable])
		} else {
			b.WriteString(p.literal)
		}
	}
	return b.String()
}

func allBytes(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isVarByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

func isNameByte(c byte) bool { return isVarByte(c) || c == '-' }

func isQualifierByte(c byte) bool { return isNameByte(c) || c == '$' }

// validPartition accepts aws and the aws-* partitions (aws-cn, aws-us-gov, ...).
func validPartition(p string) bool {
	rest, ok := strings.CutPrefix(p, "aws")
	return ok && allBytes(rest, func(c byte) bool { return 'a' <= c && c <= 'z' || c == '-' })
}

func validRegion(r string) bool {
	return r != "" && allBytes(r, func(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' })
}

func validAccountID(a string) bool {
	return len(a) == 12 && allBytes(a, func(c byte) bool { return '0' <= c && c <= '9' })
}
