package template

import (
	"sort"
	"strings"
)

// This file holds the checks across a whole template set: function names,
// the functions integrations name, Lambda permissions, API ids, the
// default API.

// needPermission records that an API invokes a Lambda function through
// uri, for the missing-permission check.
func (s *stack) needPermission(r *resource, uri string, hasRole bool, what string) {
	if hasRole {
		return
	}
	name := functionNameOf(uri)
	if name == "" || strings.Contains(uri, "${stageVariables.") {
		// A function named by a stage variable is resolved per request.
		return
	}
	if _, region, account := functionOf(uri); region != s.set.opts.Region || account != s.set.opts.AccountID {
		s.ds.add(s.file, r.key, Warning, r.id, "%s calls function %s of region %s, account %s: on AWS a call to another region or account (served here by the local function)", what, name, region, account)
	}
	s.set.invokes = append(s.set.invokes, invoke{s: s, r: r, fn: name, what: what})
}

// functionNameOf returns the function name of a Lambda ARN or an
// apigateway lambda:path invocation URI, "" otherwise.
func functionNameOf(uri string) string {
	name, _, _ := functionOf(uri)
	return name
}

// functionOf returns the function name, region and account of a Lambda
// ARN or invocation URI.
func functionOf(uri string) (name, region, account string) {
	if i := strings.Index(uri, ":lambda:path/"); i >= 0 {
		rest := uri[i+len(":lambda:path/"):]
		j := strings.Index(rest, "/functions/")
		if j < 0 {
			return "", "", ""
		}
		uri = strings.TrimSuffix(strings.TrimSuffix(rest[j+len("/functions/"):], "/invocations"), "/response-streaming-invocations")
	}
	parts := strings.Split(uri, ":")
	if len(parts) < 7 || parts[0] != "arn" || parts[2] != "lambda" || parts[5] != "function" {
		return "", "", ""
	}
	return parts[6], parts[3], parts[4]
}

// invoke is a use of a function by an API.
type invoke struct {
	s    *stack
	r    *resource
	fn   string
	what string
}

// permitted reports whether an AWS::Lambda::Permission (or a SAM event)
// lets API Gateway invoke function name.
func (l *loader) permitted(name string) bool {
	for _, s := range l.stacks {
		for _, r := range s.ofType("AWS::Serverless::Function") {
			if s.permissions[r.id] {
				if n, ok := s.functionName(evalCtx{s: s, path: r.id, lenient: true}, r); ok && n == name {
					return true
				}
			}
		}
		for _, fn := range s.authorizerPermissions {
			if v, ok := (evalCtx{s: s, lenient: true}).eval(fn); ok {
				if str, _ := stringOf(v); functionNameOf(str) == name {
					return true
				}
			}
		}
		for _, r := range s.ofType("AWS::Lambda::Permission") {
			c := evalCtx{s: s, path: r.id, lenient: true}
			fn, _ := c.propString(s, r, "FunctionName")
			principal, _ := c.propString(s, r, "Principal")
			if principal != "apigateway.amazonaws.com" {
				continue
			}
			if fn == name || functionNameOf(fn) == name {
				return true
			}
		}
	}
	return false
}

// apiKnown reports whether an api id belongs to some stack of the set.
func (l *loader) apiKnown(id string) bool {
	for _, s := range l.stacks {
		for _, r := range s.ofType("AWS::ApiGatewayV2::Api") {
			if r.apiID == id {
				return true
			}
		}
	}
	return false
}

// checkSet runs the checks across the whole set: function names,
// integration targets, permissions, API ids, the default API.
func (l *loader) checkSet(set *Set) {
	byName := map[string]*Function{}
	for i := range set.Functions {
		f := &set.Functions[i]
		if prev, dup := byName[f.Name]; dup {
			s := l.stackAt(f.StackPath)
			r := s.resources[f.LogicalID]
			l.ds.add(s.file, r.key, Error, f.LogicalID+".FunctionName", "function name %s is already used by %s: AWS refuses a second function of the same name (set FunctionName)", f.Name, prev.LogicalID)
			continue
		}
		byName[f.Name] = f
	}
	known := func(name string) bool {
		_, ok := byName[name]
		return ok || l.opts.ConfigFunction != nil && l.opts.ConfigFunction(name)
	}
	used := map[string]bool{}
	for _, iv := range l.invokes {
		used[iv.fn] = true
		if !known(iv.fn) {
			sev := Error
			if l.opts.UnrunnableWarn {
				sev = Warning
			}
			l.ds.add(iv.s.file, iv.r.key, sev, iv.r.id, "%s names function '%s', which is neither in the templates nor in the config's functions", iv.what, iv.fn)
			continue
		}
		if _, inTemplate := byName[iv.fn]; inTemplate && !l.permitted(iv.fn) {
			l.ds.add(iv.s.file, iv.r.key, Warning, iv.r.id, "on AWS this %s answers 500: API Gateway has no permission to invoke %s", iv.what, iv.fn)
		}
	}
	for i := range set.Functions {
		f := &set.Functions[i]
		if f.Unrunnable == "" || l.opts.ConfigFunction != nil && l.opts.ConfigFunction(f.Name) {
			continue
		}
		s := l.stackAt(f.StackPath)
		sev := Warning
		if used[f.Name] && !l.opts.UnrunnableWarn {
			sev = Error
		}
		l.ds.add(s.file, s.resources[f.LogicalID].key, sev, f.LogicalID, "%s", f.Unrunnable)
	}
	ids := map[string]string{}
	for _, a := range set.APIs {
		if prev, dup := ids[a.Definition.API.APIID]; dup {
			l.ds.add("", nil, Error, a.LogicalID, "API id %s is already used by %s", a.Definition.API.APIID, prev)
		}
		ids[a.Definition.API.APIID] = a.LogicalID
	}
	l.defaultAPI(set)
	sort.SliceStable(set.Functions, func(i, j int) bool { return set.Functions[i].Name < set.Functions[j].Name })
}

func (l *loader) stackAt(path string) *stack {
	for _, s := range l.stacks {
		if s.path == path {
			return s
		}
	}
	return l.stacks[0]
}

// defaultAPI picks the API serving requests that name no API: the one
// named by defaultApi, else the only API, else ServerlessHttpApi.
func (l *loader) defaultAPI(set *Set) {
	want := ""
	for _, s := range l.stacks {
		if s.src.DefaultAPI != "" {
			want = s.src.DefaultAPI
		}
	}
	pick := -1
	switch {
	case want != "":
		for i, a := range set.APIs {
			if a.LogicalID == want {
				pick = i
			}
		}
		if pick < 0 {
			l.ds.add(l.overrideFile, nil, Error, "", "default API %s is not an HTTP API of the templates", want)
			return
		}
	case len(set.APIs) == 1:
		pick = 0
	default:
		for i, a := range set.APIs {
			if a.LogicalID == implicitAPI {
				pick = i
			}
		}
	}
	if pick >= 0 {
		set.APIs[pick].Default = true
	} else if len(set.APIs) > 1 {
		l.ds.add(l.overrideFile, nil, Info, "", "no default API: requests must name one (path /_aws/execute-api/{apiId}/ or host {apiId}.execute-api.localhost); choose one with --default-api")
	}
}
