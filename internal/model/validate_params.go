package model

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// mappingError wraps detail in the envelope AWS uses for parameter-mapping
// problems, observed as "Invalid mapping expression specified: Validation
// Result: warnings : [], errors : [...]" (request and response parameters)
// and "Invalid selection expression specified: ..." (service integration
// parameters) in hashicorp/terraform-provider-aws#17348 and #17997. The
// inner texts are ours.
func mappingError(kind, detail string) string {
	return "Invalid " + kind + " expression specified: Validation Result: warnings : [], errors : [" + detail + "]"
}

// validateRequestParameters checks the request parameter mapping of an
// integration without subtype (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html): keys
// append|overwrite|remove:header.{name}, append|overwrite|remove:querystring.{name}
// or overwrite:path; no reserved header; values of 1..512 characters
// (remove keys ignore their value) using known mapping sources.
func validateRequestParameters(c *collector, params map[string]string) {
	for _, k := range sortedKeys(params) {
		f := FieldKey("requestParameters", k)
		v := params[k]
		action, target, ok := strings.Cut(k, ":")
		if !ok {
			c.add(f, mappingError("mapping", "Invalid mapping key: "+k))
			continue
		}
		switch action {
		case "append", "overwrite", "remove":
		default:
			c.add(f, mappingError("mapping", "Invalid action "+action+" in mapping key "+k+"; must be append, overwrite or remove"))
			continue
		}
		switch {
		case target == "path":
			if action != "overwrite" {
				c.add(f, mappingError("mapping", "Invalid mapping key: "+k+"; the path can only be overwritten"))
				continue
			}
		case strings.HasPrefix(target, "header."):
			name := strings.TrimPrefix(target, "header.")
			if !validHeaderName(name) {
				c.add(f, mappingError("mapping", "Invalid header name in mapping key: "+k))
				continue
			}
			if ReservedHeader(name) {
				c.add(f, mappingError("mapping", "Header "+name+" is reserved and cannot be mapped"))
				continue
			}
		case strings.HasPrefix(target, "querystring."):
			name := strings.TrimPrefix(target, "querystring.")
			if name == "" || !allChars(name, isQueryNameChar) {
				c.add(f, mappingError("mapping", "Invalid query string name in mapping key: "+k))
				continue
			}
		default:
			c.add(f, mappingError("mapping", "Invalid mapping key: "+k+"; must target header.{name}, querystring.{name} or path"))
			continue
		}
		checkValue(c, f, k, v, action == "remove", false)
	}
}

// validateResponseParameters checks the response parameter mapping
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html): status-code keys "200".."599", each mapping
// append|overwrite|remove:header.{name} or overwrite:statuscode to a value.
func validateResponseParameters(c *collector, params map[string]map[string]string) {
	for _, code := range sortedKeys(params) {
		n, err := strconv.Atoi(code)
		if err != nil || len(code) != 3 || n < 200 || n > 599 {
			c.add(FieldKey("responseParameters", code), mappingError("mapping", "Invalid status code "+code+"; response parameter keys must be status codes from 200 to 599"))
			continue
		}
		m := params[code]
		for _, k := range sortedKeys(m) {
			f := FieldKey("responseParameters", code, k)
			v := m[k]
			if k == "overwrite:statuscode" {
				if s, err := strconv.Atoi(v); err == nil && len(v) == 3 && s >= 100 && s <= 599 {
					continue
				}
				if strings.HasPrefix(v, "$") {
					checkValue(c, f, k, v, false, true)
					continue
				}
				c.add(f, mappingError("mapping", "Invalid source: "+v+" specified for destination: "+k+"; a status code must be 100 to 599"))
				continue
			}
			action, target, _ := strings.Cut(k, ":")
			name, isHeader := strings.CutPrefix(target, "header.")
			switch {
			case action != "append" && action != "overwrite" && action != "remove", !isHeader:
				c.add(f, mappingError("mapping", "Invalid Response Actioned Parameter: "+k))
				continue
			case !validHeaderName(name):
				c.add(f, mappingError("mapping", "Invalid header name in mapping key: "+k))
				continue
			case ReservedHeader(name):
				c.add(f, mappingError("mapping", "Header "+name+" is reserved and cannot be mapped"))
				continue
			}
			checkValue(c, f, k, v, action == "remove", true)
		}
	}
}

// checkValue checks one mapping value: 1..512 characters (any for remove
// keys) naming known sources.
func checkValue(c *collector, field, key, v string, remove, response bool) {
	if utf8.RuneCountInString(v) > MaxParameterValueLen {
		c.add(field, mappingError("mapping", "Invalid source for destination: "+key+"; values must be at most 512 characters long"))
		return
	}
	if remove {
		return
	}
	if v == "" {
		c.add(field, mappingError("mapping", "Invalid source:  specified for destination: "+key))
		return
	}
	if detail := checkMappingValue(v, response); detail != "" {
		e := c.add(field, mappingError("mapping", "Invalid source: "+v+" specified for destination: "+key))
		e.Detail = detail
	}
}

// checkMappingValue returns why v is not a valid mapping value, or "". A
// value starting with "$" (but not "${") is one source expression; elsewhere
// ${...} embeds sources in literal text. Sources are request.header.{n},
// request.querystring.{n}, request.body[.{jsonpath}], request.path[.{n}]
// (request side), response.header.{n}, response.body[.{jsonpath}] (response
// side), context.{name} and stageVariables.{name}.
func checkMappingValue(v string, response bool) string {
	if strings.HasPrefix(v, "$") && !strings.HasPrefix(v, "${") {
		if why := checkSource(v[1:], response); why != "" {
			return why
		}
		return ""
	}
	for i := 0; i < len(v); i++ {
		if v[i] != '$' || i+1 >= len(v) || v[i+1] != '{' {
			continue
		}
		end := strings.IndexByte(v[i:], '}')
		if end < 0 {
			return "unterminated ${ in " + v
		}
		if why := checkSource(v[i+2:i+end], response); why != "" {
			return why
		}
		i += end
	}
	return ""
}

func checkSource(s string, response bool) string {
	name := func(prefix string, ok func(byte) bool) (bool, string) {
		n, has := strings.CutPrefix(s, prefix)
		if !has {
			return false, ""
		}
		if n == "" || !allChars(n, ok) {
			return true, "invalid name in $" + s
		}
		return true, ""
	}
	jsonPath := func(prefix string) (bool, string) {
		if s == prefix {
			return true, ""
		}
		p, has := strings.CutPrefix(s, prefix+".")
		if !has {
			return false, ""
		}
		if p == "" || strings.Contains("."+p, "..") || strings.Contains(p, "?(") {
			return true, "JSONPath in $" + s + " must not be empty or use recursive descent (..) or filters (?())"
		}
		return true, ""
	}
	checks := []func() (bool, string){
		func() (bool, string) { return name("context.", isContextChar) },
		func() (bool, string) { return name("stageVariables.", isWordChar) },
	}
	if response {
		checks = append(checks,
			func() (bool, string) { return name("response.header.", isHeaderChar) },
			func() (bool, string) { return jsonPath("response.body") },
		)
	} else {
		checks = append(checks,
			func() (bool, string) { return name("request.header.", isHeaderChar) },
			func() (bool, string) { return name("request.querystring.", isQueryNameChar) },
			func() (bool, string) { return jsonPath("request.body") },
			func() (bool, string) {
				if s == "request.path" {
					return true, ""
				}
				return name("request.path.", isVarNameChar)
			},
		)
	}
	for _, chk := range checks {
		if matched, why := chk(); matched {
			return why
		}
	}
	side := "request"
	if response {
		side = "response"
	}
	return "$" + s + " is not a known " + side + " mapping source"
}

// ReservedHeader reports whether a header can never be mapped by request
// or response parameters (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html): access-control-*, apigw-*,
// x-amz-*, x-amzn-* and a fixed list, compared case-insensitively.
func ReservedHeader(name string) bool {
	n := strings.ToLower(name)
	for _, p := range []string{"access-control-", "apigw-", "x-amz-", "x-amzn-"} {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	switch n {
	case "authorization", "connection", "content-encoding", "content-length", "content-location",
		"forwarded", "keep-alive", "origin", "proxy-authenticate", "proxy-authorization", "te",
		"trailers", "transfer-encoding", "upgrade", "x-forwarded-for", "x-forwarded-host",
		"x-forwarded-proto", "via":
		return true
	}
	return false
}

// validHeaderName reports whether name is an RFC 9110 token.
func validHeaderName(name string) bool {
	return name != "" && allChars(name, isHeaderChar)
}

func isHeaderChar(c byte) bool {
	return isAlnum(c) || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func isQueryNameChar(c byte) bool {
	return c > ' ' && c < 0x7f && c != '&' && c != '=' && c != '#'
}

func isContextChar(c byte) bool { return isAlnum(c) || c == '.' || c == '_' }

func isVarNameChar(c byte) bool {
	return isAlnum(c) || c == '_' || c == '.' || c == ':' || c == '-' || c == '+'
}
