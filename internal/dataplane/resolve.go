package dataplane

import (
	"net"
	"net/url"
	"strings"

	"github.com/apigwdev/apigw/internal/snapshot"
)

// pathStylePrefix is the path prefix naming an API on the data plane listener
// (docs/configuration.md).
const pathStylePrefix = "/_aws/execute-api/"

// executeAPILabel is the second label of a host-style API host.
const executeAPILabel = ".execute-api."

// target is what resolution found: the API stage serving a request and the
// path pieces the integration and the event need.
type target struct {
	api   *snapshot.API
	stage *snapshot.Stage
	// domain is the custom domain that matched, nil for the other styles.
	domain *snapshot.Domain
	// basePath is the custom-domain mapping key that matched.
	basePath string
	// escapedPath is the path as received, without the path-style prefix,
	// stage and mapping key included (payload 1.0 "path").
	escapedPath string
	// stagePrefix is the escaped stage segment with its slash ("/prod"), "" for
	// $default and custom domains.
	stagePrefix string
	// rest is the escaped path after stage and mapping key, starting with "/".
	rest string
}

// hostName returns the Host without port, lower-cased.
func hostName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.ToLower(strings.TrimSuffix(host, "."))
}

// resolve finds the API and stage for a request (docs/configuration.md). ok is
// false when nothing serves it (404 Not Found).
func resolve(s *snapshot.Snapshot, host, escapedPath string) (t target, ok bool) {
	t.escapedPath = escapedPath
	// 1. Custom domain (exact name, then wildcard): longest matching
	// mapping key.
	if d := s.Domain(host); d != nil {
		t.domain = d
		for _, m := range d.Mappings {
			rest, match := stripMappingKey(escapedPath, m.Segments)
			if !match {
				continue
			}
			t.api, t.stage, t.basePath, t.rest = m.API, m.Stage, m.Key, rest
			return t, t.stage != nil
		}
		return t, false
	}
	var api *snapshot.API
	// 2. Host style: {apiId}.execute-api.{anything}
	if i := strings.Index(host, executeAPILabel); i > 0 {
		api = s.APIs[host[:i]]
		if api == nil {
			return t, false
		}
	} else if strings.HasPrefix(escapedPath, pathStylePrefix) {
		// 3. Path style: /_aws/execute-api/{apiId}/...
		id, rest, _ := strings.Cut(escapedPath[len(pathStylePrefix):], "/")
		api = s.APIs[id]
		if api == nil {
			return t, false
		}
		escapedPath = "/" + rest
		t.escapedPath = escapedPath
	} else {
		// 4. Default API.
		api = s.Default
	}
	if api == nil || api.DisableExecuteAPIEndpoint {
		return t, false
	}
	t.api = api
	// Stage: a first segment naming a stage selects it; else $default.
	first, after := firstSegment(escapedPath)
	if len(api.Stages) > 0 && first != "" {
		name := first
		if strings.IndexByte(name, '%') >= 0 {
			if dec, err := url.PathUnescape(name); err == nil {
				name = dec
			}
		}
		if st := api.Stages[name]; st != nil {
			t.stage, t.stagePrefix, t.rest = st, escapedPath[:len(escapedPath)-len(after)], after
			if t.rest == "" {
				t.rest = "/"
			}
			return t, true
		}
	}
	if api.DefaultStage == nil {
		return t, false
	}
	t.stage, t.rest = api.DefaultStage, escapedPath
	return t, true
}

// firstSegment splits "/a/b/c" into "a" and "/b/c".
func firstSegment(p string) (first, after string) {
	if len(p) == 0 || p[0] != '/' {
		return "", p
	}
	p = p[1:]
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i], p[i:]
	}
	return p, ""
}

// stripMappingKey matches a mapping key's segments against the start of an
// escaped path, segment-aligned, and returns the remaining path.
func stripMappingKey(p string, key []string) (rest string, ok bool) {
	rest = p
	for _, k := range key {
		first, after := firstSegment(rest)
		if first != k {
			if dec, err := url.PathUnescape(first); err != nil || dec != k {
				return "", false
			}
		}
		rest = after
	}
	if rest == "" {
		rest = "/"
	}
	return rest, true
}

// splitPath splits an escaped path ("/pets/a%2Fb") into decoded segments
// (["pets", "a/b"]). Each segment is decoded on its own, so an encoded slash
// stays inside its segment. "/" gives no segments. ok is false when a segment
// is not valid percent-encoding.
func splitPath(escaped string) (segs []string, ok bool) {
	if escaped == "" || escaped == "/" {
		return nil, true
	}
	parts := strings.Split(escaped[1:], "/")
	for i, p := range parts {
		if strings.IndexByte(p, '%') < 0 {
			continue
		}
		dec, err := url.PathUnescape(p)
		if err != nil {
			return nil, false
		}
		parts[i] = dec
	}
	return parts, true
}

// joinPath is the inverse of splitPath on decoded segments: "/" + segments.
func joinPath(segs []string) string {
	if len(segs) == 0 {
		return "/"
	}
	return "/" + strings.Join(segs, "/")
}

// hasDotSegment reports whether a decoded path segment is "." or "..", or
// holds one between slashes or backslashes once decoded ("%2e%2e",
// "..%2F", "..%5C"). Such a request is refused before routing
// (docs/compatibility.md#dot-segments): a route never matched "..", and a
// backend that resolves it would serve a path the route table never saw.
func hasDotSegment(segs []string) bool {
	for _, s := range segs {
		if strings.IndexByte(s, '.') < 0 {
			continue
		}
		for {
			i := strings.IndexAny(s, "/\\")
			piece := s
			if i >= 0 {
				piece = s[:i]
			}
			if piece == "." || piece == ".." {
				return true
			}
			if i < 0 {
				break
			}
			s = s[i+1:]
		}
	}
	return false
}
