package model

import (
	"maps"
	"slices"
	"strings"
)

// arn is an Amazon Resource Name split into its parts. resource is
// everything after the fifth colon.
type arn struct {
	partition, service, region, account, resource string
}

func parseARN(s string) (arn, bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !isPartition(parts[1]) || parts[2] == "" || parts[5] == "" {
		return arn{}, false
	}
	return arn{parts[1], parts[2], parts[3], parts[4], parts[5]}, true
}

// isPartition accepts aws and the aws-* partitions (aws-cn, aws-us-gov, ...).
func isPartition(s string) bool {
	if s == "aws" {
		return true
	}
	rest, ok := strings.CutPrefix(s, "aws-")
	return ok && rest != "" && allChars(rest, func(c byte) bool { return c >= 'a' && c <= 'z' || c == '-' })
}

// IsRegion reports whether s is shaped like an AWS Region name:
// lower-case words joined by "-" ending in a number (us-east-1,
// us-gov-west-1, ap-southeast-2).
func IsRegion(s string) bool { return isRegion(s) }

func isRegion(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) < 3 {
		return false
	}
	for i, p := range parts {
		last := i == len(parts)-1
		if p == "" {
			return false
		}
		for j := 0; j < len(p); j++ {
			c := p[j]
			if last && !(c >= '0' && c <= '9') || !last && !(c >= 'a' && c <= 'z') {
				return false
			}
		}
	}
	return len(parts[0]) == 2
}

// IsAccountID reports whether s is a 12-digit AWS account id.
func IsAccountID(s string) bool { return isAccount(s) }

func isAccount(s string) bool {
	return len(s) == 12 && allChars(s, isDigit)
}

// ValidLambdaURI reports whether uri is an accepted Lambda integration URI
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html): a function ARN
// arn:aws:lambda:{region}:{account}:function:{name}, optionally qualified
// with :{alias|version}, or the invocation URI
// arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations.
// The function name and the qualifier may be or contain
// ${stageVariables.name} placeholders.
func ValidLambdaURI(uri string) bool {
	p, ok := parseARN(uri)
	if !ok {
		return false
	}
	switch p.service {
	case "lambda":
		return validFunctionARN(uri)
	case "apigateway":
		if !isRegion(p.region) || p.account != "lambda" {
			return false
		}
		fn, ok := strings.CutPrefix(p.resource, "path/2015-03-31/functions/")
		if !ok {
			return false
		}
		fn, ok = strings.CutSuffix(fn, "/invocations")
		return ok && validFunctionARN(fn)
	}
	return false
}

// ValidLambdaInvocationURI reports whether uri is the invocation-URI form
// of ValidLambdaURI, the only form authorizerUri takes.
func ValidLambdaInvocationURI(uri string) bool {
	p, ok := parseARN(uri)
	return ok && p.service == "apigateway" && ValidLambdaURI(uri)
}

func validFunctionARN(s string) bool {
	p, ok := parseARN(s)
	if !ok || p.service != "lambda" || !isRegion(p.region) || !isAccount(p.account) {
		return false
	}
	rest, ok := strings.CutPrefix(p.resource, "function:")
	if !ok {
		return false
	}
	name, qualifier, qualified := strings.Cut(rest, ":")
	name = stripStageVariables(name)
	if name == "" || len(name) > 64 || !allChars(name, isFunctionNameChar) {
		return false
	}
	if !qualified {
		return true
	}
	if qualifier == "$LATEST" {
		return true
	}
	qualifier = stripStageVariables(qualifier)
	return qualifier != "" && len(qualifier) <= 128 && allChars(qualifier, isFunctionNameChar)
}

// stripStageVariables replaces each ${stageVariables.name} with "v"; a
// malformed placeholder is left as is (and then fails the character check).
func stripStageVariables(s string) string {
	for {
		i := strings.Index(s, "${stageVariables.")
		if i < 0 {
			return s
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return s
		}
		name := s[i+len("${stageVariables.") : i+j]
		if name == "" || !allChars(name, isWordChar) {
			return s
		}
		s = s[:i] + "v" + s[i+j+1:]
	}
}

func isFunctionNameChar(c byte) bool { return isAlnum(c) || c == '-' || c == '_' }

func isARNResourceChar(c byte) bool { return c > ' ' && c < 0x7f }

func isWordChar(c byte) bool { return isAlnum(c) || c == '_' }

func isAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allChars(s string, f func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !f(s[i]) {
			return false
		}
	}
	return true
}

func validMethod(m string) bool {
	switch m {
	case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY":
		return true
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
