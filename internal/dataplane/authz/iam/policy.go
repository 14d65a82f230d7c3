package iam

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// InvokeAction is the IAM action every API request is authorized for
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html).
const InvokeAction = "execute-api:Invoke"

// Decision is the outcome of evaluating a policy.
type Decision uint8

// The decisions of IAM policy evaluation (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html):
// an explicit Deny wins over any Allow, and without an Allow the request is
// implicitly denied.
const (
	ImplicitDeny Decision = iota
	Allow
	ExplicitDeny
)

// String returns "Allow", "ExplicitDeny" or "ImplicitDeny".
func (d Decision) String() string {
	switch d {
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "ImplicitDeny"
}

// Policy is a parsed IAM policy document: identity policies from the config
// file and the policyDocument of Lambda authorizer responses. It is immutable
// and safe for concurrent use.
type Policy struct {
	statements []statement
}

// statement is one compiled Statement element.
type statement struct {
	deny bool
	// actions or notActions: lower-cased patterns (action matching is
	// case-insensitive).
	actions     []string
	notAction   bool
	resources   []string
	notResource bool
	// opaque is set when the statement has an element this evaluator does not
	// evaluate (Condition, policy variables in resources) under
	// ParseOptions.Conservative: such a statement never allows, and denies
	// whenever its action matches (the condition is assumed true).
	opaque bool
}

// ParseOptions control how strictly a policy document is read.
type ParseOptions struct {
	// Conservative accepts statements with a Condition element, or with
	// policy variables (${...}) in Resource or NotResource, instead of
	// refusing the document. Such statements are evaluated fail-closed: an
	// Allow among them never allows, a Deny among them denies every resource
	// (its condition is assumed to hold). Lambda authorizer responses are
	// parsed this way (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html: Condition undocumented by AWS, our choice: docs/compatibility.md#iam,
	// "treat as non-matching" for Allow; Deny made to apply so that an
	// unevaluated condition can never let a request through). Identity
	// policies from the config file are parsed strictly, so the user hears
	// about a condition the gateway would not honour.
	Conservative bool
}

// PolicyError reports a policy document that cannot be evaluated: Path names
// the element ("Statement[1].Action").
type PolicyError struct {
	// Path is the element, "" for the document as a whole.
	Path string
	// Reason says what is wrong with it.
	Reason string
}

// Error returns the element and the reason.
func (e *PolicyError) Error() string {
	if e.Path == "" {
		return "invalid policy document: " + e.Reason
	}
	return "invalid policy document: " + e.Path + ": " + e.Reason
}

// errNoPolicy is returned for an empty document.
var errNoPolicy = errors.New("invalid policy document: empty")

// ParsePolicy parses a JSON IAM policy document with the grammar of
// identity-based policies (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html):
//
//   - the document is an object with Statement (an object or a non-empty
//     array of objects) and optionally Version ("2012-10-17" or
//     "2008-10-17") and Id; any other member is refused;
//   - each statement has Effect "Allow" or "Deny"; exactly one of Action and
//     NotAction and exactly one of Resource and NotResource, each a string or
//     a non-empty array of strings; optionally Sid; Condition only under
//     ParseOptions.Conservative; Principal and NotPrincipal, which identity
//     policies cannot have, and any other member are refused.
//
// Action patterns match case-insensitively, resource patterns
// case-sensitively; both use IAM's wildcards: * for any run of characters
// (including none and including "/"), ? for exactly one character.
func ParsePolicy(doc []byte, opts ParseOptions) (*Policy, error) {
	doc = bytes.TrimSpace(doc)
	if len(doc) == 0 {
		return nil, errNoPolicy
	}
	var raw map[string]json.RawMessage
	if err := strictUnmarshal(doc, &raw); err != nil || raw == nil {
		return nil, &PolicyError{Reason: "not a JSON object"}
	}
	p := &Policy{}
	for k, v := range raw {
		switch k {
		case "Version":
			var s string
			if json.Unmarshal(v, &s) != nil || (s != "2012-10-17" && s != "2008-10-17") {
				return nil, &PolicyError{Path: "Version", Reason: `must be "2012-10-17" or "2008-10-17"`}
			}
		case "Id":
			var s string
			if json.Unmarshal(v, &s) != nil {
				return nil, &PolicyError{Path: "Id", Reason: "must be a string"}
			}
		case "Statement":
		default:
			return nil, &PolicyError{Path: k, Reason: "unknown policy element"}
		}
	}
	stmtRaw, ok := raw["Statement"]
	if !ok {
		return nil, &PolicyError{Path: "Statement", Reason: "is required"}
	}
	var list []json.RawMessage
	single := false
	switch firstByte(stmtRaw) {
	case '[':
		if err := json.Unmarshal(stmtRaw, &list); err != nil {
			return nil, &PolicyError{Path: "Statement", Reason: "must be an object or an array of objects"}
		}
		if len(list) == 0 {
			return nil, &PolicyError{Path: "Statement", Reason: "must not be empty"}
		}
	case '{':
		list, single = []json.RawMessage{stmtRaw}, true
	default:
		return nil, &PolicyError{Path: "Statement", Reason: "must be an object or an array of objects"}
	}
	for i, sr := range list {
		path := "Statement"
		if !single {
			path = fmt.Sprintf("Statement[%d]", i)
		}
		st, err := parseStatement(sr, path, opts)
		if err != nil {
			return nil, err
		}
		p.statements = append(p.statements, st)
	}
	return p, nil
}

func parseStatement(raw json.RawMessage, path string, opts ParseOptions) (statement, error) {
	var st statement
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return st, &PolicyError{Path: path, Reason: "must be an object"}
	}
	bad := func(elem, reason string) (statement, error) {
		return statement{}, &PolicyError{Path: path + "." + elem, Reason: reason}
	}
	var haveAction, haveResource bool
	for k, v := range m {
		switch k {
		case "Sid":
			var s string
			if json.Unmarshal(v, &s) != nil {
				return bad(k, "must be a string")
			}
		case "Effect":
			var s string
			if json.Unmarshal(v, &s) != nil || (s != "Allow" && s != "Deny") {
				return bad(k, `must be "Allow" or "Deny"`)
			}
			st.deny = s == "Deny"
		case "Action", "NotAction":
			if haveAction {
				return bad(k, "a statement has either Action or NotAction, not both")
			}
			haveAction = true
			list, err := stringList(v)
			if err != nil {
				return bad(k, err.Error())
			}
			for i, a := range list {
				list[i] = strings.ToLower(a)
			}
			st.actions, st.notAction = list, k == "NotAction"
		case "Resource", "NotResource":
			if haveResource {
				return bad(k, "a statement has either Resource or NotResource, not both")
			}
			haveResource = true
			list, err := stringList(v)
			if err != nil {
				return bad(k, err.Error())
			}
			for _, r := range list {
				if strings.Contains(r, "${") {
					if !opts.Conservative {
						return bad(k, "policy variables (${...}) are not supported")
					}
					st.opaque = true
				}
			}
			st.resources, st.notResource = list, k == "NotResource"
		case "Condition":
			if !opts.Conservative {
				return bad(k, "conditions are not supported: remove the Condition element (the gateway does not evaluate conditions and will not ignore them)")
			}
			st.opaque = true
		case "Principal", "NotPrincipal":
			return bad(k, "identity policies cannot name a principal")
		default:
			return bad(k, "unknown statement element")
		}
	}
	if _, ok := m["Effect"]; !ok {
		return bad("Effect", "is required")
	}
	if !haveAction {
		return bad("Action", "a statement needs Action or NotAction")
	}
	if !haveResource {
		return bad("Resource", "a statement needs Resource or NotResource")
	}
	return st, nil
}

// stringList decodes a string or a non-empty array of strings.
func stringList(v json.RawMessage) ([]string, error) {
	var s string
	if json.Unmarshal(v, &s) == nil {
		if s == "" {
			return nil, errors.New("must not be empty")
		}
		return []string{s}, nil
	}
	var list []string
	if err := json.Unmarshal(v, &list); err != nil || len(list) == 0 {
		return nil, errors.New("must be a string or a non-empty array of strings")
	}
	for _, x := range list {
		if x == "" {
			return nil, errors.New("must not contain empty strings")
		}
	}
	return list, nil
}

// Evaluate decides whether the policy allows action on the resource ARNs of
// one request (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html):
//
//  1. If any Deny statement matches the action and any of the resources, the
//     answer is ExplicitDeny.
//  2. Otherwise, if for every resource some Allow statement matches the action
//     and that resource, the answer is Allow.
//  3. Otherwise ImplicitDeny.
//
// IAM compares resources case-sensitively, and so does Evaluate; in addition,
// a statement is also compared with the lower-cased resource and its
// lower-cased patterns, and the stricter answer wins: a Deny that matches
// either way denies, an Allow must match both ways. So a request whose path
// differs from a denied one only in letter case, which a case-insensitive
// backend would serve alike, is denied too; for Resource patterns the extra
// comparison never removes an Allow, it only matters for NotResource.
//
// The resources are the variants RouteARNs returns for one request: a
// request is allowed only if every reading of its path is. With no resources
// the answer is ImplicitDeny. A nil Policy allows nothing.
func (p *Policy) Evaluate(action string, resources ...string) Decision {
	if p == nil || len(resources) == 0 {
		return ImplicitDeny
	}
	action = strings.ToLower(action)
	for _, st := range p.statements {
		if !st.deny || !st.matchesAction(action) {
			continue
		}
		if st.opaque {
			return ExplicitDeny
		}
		for _, r := range resources {
			if st.matchesResource(r, false) || st.matchesResource(r, true) {
				return ExplicitDeny
			}
		}
	}
	for _, r := range resources {
		allowed := false
		for _, st := range p.statements {
			if !st.deny && !st.opaque && st.matchesAction(action) &&
				st.matchesResource(r, false) && st.matchesResource(r, true) {
				allowed = true
				break
			}
		}
		if !allowed {
			return ImplicitDeny
		}
	}
	return Allow
}

func (st *statement) matchesAction(action string) bool {
	m := false
	for _, a := range st.actions {
		if Match(a, action) {
			m = true
			break
		}
	}
	return m != st.notAction
}

// matchesResource reports whether the statement's Resource (or NotResource)
// element applies to resource; fold compares both lower-cased.
func (st *statement) matchesResource(resource string, fold bool) bool {
	if fold {
		resource = strings.ToLower(resource)
	}
	m := false
	for _, pat := range st.resources {
		if fold {
			pat = strings.ToLower(pat)
		}
		if Match(pat, resource) {
			m = true
			break
		}
	}
	return m != st.notResource
}

// Match reports whether s matches the IAM wildcard pattern: * matches any run
// of characters (none included, "/" included), ? exactly one character, every
// other character itself. The comparison is exact (callers fold case where
// IAM does). It runs in O(len(pattern)·len(s)) at worst, so hostile patterns
// from authorizer responses cannot make it blow up.
func Match(pattern, s string) bool {
	p, i := 0, 0
	starP, starI := -1, 0
	for i < len(s) {
		if p < len(pattern) {
			switch c := pattern[p]; c {
			case '*':
				starP, starI = p, i
				p++
				continue
			case '?':
				_, n := utf8.DecodeRuneInString(s[i:])
				p++
				i += n
				continue
			default:
				if c == s[i] {
					p++
					i++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		// Backtrack: let the last * absorb one more character.
		_, n := utf8.DecodeRuneInString(s[starI:])
		starI += n
		p, i = starP+1, starI
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

func firstByte(b []byte) byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// strictUnmarshal decodes one JSON value and refuses trailing data.
func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decoding JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("decoding JSON: trailing data after the value")
	}
	return nil
}
