package docstest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// root is the module root, relative to this package.
const root = "../.."

// forbidden are what a maintainer holding only this repository cannot
// follow, each with what to write instead. The patterns are assembled from
// parts so that this file does not match them itself.
var forbidden = []struct {
	re   *regexp.Regexp
	what string
}{
	{regexp.MustCompile(`\b(` + strings.Join([]string{"dataplane", "interface", "auth-and-integrations", "wire-contracts", "templates", "runtimes", "cluster", "STY" + "LE", "LAY" + "OUT"}, "|") + `)\.md\b`),
		"a specification file that is not in the repository: cite AWS's documentation by URL or docs/compatibility.md#anchor"},
	{regexp.MustCompile(`\bUNCON` + `FIRMED\b`),
		"a private marker: say what AWS does not document and cite the choice, docs/compatibility.md#anchor"},
	{regexp.MustCompile(`\b(OBS|EMU)\s+[A-Z][A-Z0-9_-]+|\[(DOC|OBS|RIC|LIB|EMU)[\] ]|\bDOC D-[a-z]`),
		"a private evidence code: cite the public source (a URL, an issue)"},
	{regexp.MustCompile(`(^|[ (])[A-G]\.[0-9]+\b|\b(wire-contracts|auth-and-integrations)\b|\b[0-9]\.[0-9]+ (step|item) [0-9]`),
		"a section of a private specification: cite AWS's documentation or docs/compatibility.md#anchor"},
}

// outside is a path outside the repository; it may appear in test code
// that reads the shared real-world corpus, not in a comment or a document.
var outside = regexp.MustCompile(`\.\./shared/|\bshared/spec\b`)

// isProse reports whether line of file f is prose: a Markdown line, or a
// Go comment.
func isProse(f, line string) bool {
	if !strings.HasSuffix(f, ".go") {
		return true
	}
	trimmed := strings.TrimSpace(line)
	return strings.HasPrefix(trimmed, "//") || strings.Contains(line, " // ")
}

// citation is a reference to a document of the repository with an anchor.
var citation = regexp.MustCompile(`\b((?:docs/)?[A-Za-z0-9_-]+\.md)#([A-Za-z0-9_-]+)`)

// files lists the files git tracks (or, outside a checkout, every file),
// without test data.
func files(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("git", "-C", root, "ls-files", "--cached", "--others", "--exclude-standard").Output()
	var list []string
	if err == nil {
		list = strings.Fields(string(out))
	} else {
		_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(root, p)
				list = append(list, filepath.ToSlash(rel))
			}
			return nil
		})
	}
	var keep []string
	seen := map[string]bool{}
	for _, f := range list {
		if seen[f] {
			continue // a file in conflict is listed once per stage
		}
		seen[f] = true
		if strings.Contains(f, "testdata/") || strings.HasPrefix(f, ".git/") || strings.Contains(f, "node_modules/") {
			continue
		}
		if strings.HasSuffix(f, ".go") || strings.HasSuffix(f, ".md") || strings.HasSuffix(f, ".sh") ||
			strings.HasSuffix(f, ".js") || strings.HasSuffix(f, ".py") || strings.HasSuffix(f, ".yaml") || strings.HasSuffix(f, ".yml") {
			keep = append(keep, f)
		}
	}
	return keep
}

// anchors returns the anchors a Markdown document defines: headings'
// explicit {#id} attributes, <a id="..."> and <a name="..."> elements, and
// the ids GitHub derives from heading text.
func anchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		return nil
	}
	ids := map[string]bool{}
	explicit := regexp.MustCompile(`\{#([A-Za-z0-9_-]+)\}|<a (?:id|name)="([A-Za-z0-9_-]+)"`)
	for _, line := range strings.Split(string(b), "\n") {
		for _, m := range explicit.FindAllStringSubmatch(line, -1) {
			ids[m[1]+m[2]] = true
		}
		if h, ok := strings.CutPrefix(strings.TrimLeft(line, "#"), " "); ok && strings.HasPrefix(line, "#") {
			ids[slug(h)] = true
		}
	}
	return ids
}

// slug is GitHub's heading id: lower case, punctuation other than '-' and
// '_' dropped, spaces as '-'.
func slug(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestCitationsStandAlone(t *testing.T) {
	t.Parallel()
	list := files(t)
	if len(list) < 20 {
		t.Fatalf("found %d files: is the module root right?", len(list))
	}
	self := "internal/docstest/docs_test.go"
	known := map[string]map[string]bool{}
	for _, f := range list {
		if f == self {
			continue
		}
		fh, err := os.Open(filepath.Join(root, f))
		if err != nil {
			continue // listed but deleted in the working tree
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			for _, fb := range forbidden {
				if m := fb.re.FindString(line); m != "" {
					t.Errorf("%s:%d: %q is %s", f, n, m, fb.what)
				}
			}
			if m := outside.FindString(line); m != "" && isProse(f, line) {
				t.Errorf("%s:%d: %q is a path outside the repository", f, n, m)
			}
			for _, m := range citation.FindAllStringSubmatch(line, -1) {
				doc, anchor := m[1], m[2]
				if !strings.Contains(doc, "/") {
					doc = filepath.ToSlash(filepath.Join(filepath.Dir(f), doc))
				}
				if _, err := os.Stat(filepath.Join(root, doc)); err != nil {
					continue // not a document of this repository (a URL's fragment, say)
				}
				if known[doc] == nil {
					known[doc] = anchors(t, doc)
				}
				if !known[doc][anchor] {
					t.Errorf("%s:%d: %s#%s: no such anchor in %s", f, n, doc, anchor, doc)
				}
			}
		}
		fh.Close()
	}
}

// TestSlug checks the heading ids the citations may rely on.
func TestSlug(t *testing.T) {
	t.Parallel()
	for h, want := range map[string]string{
		"Lambda proxy integrations": "lambda-proxy-integrations",
		"IAM (SigV4)":               "iam-sigv4",
		"Development loop (`--watch`) and remote functions": "development-loop---watch-and-remote-functions",
	} {
		if got := slug(h); got != want {
			t.Errorf("slug(%q) = %q; want %q", h, got, want)
		}
	}
	if got := fmt.Sprint(anchors(t, "docs/compatibility.md")["lambda-proxy"]); got != "true" {
		t.Errorf("docs/compatibility.md has no {#lambda-proxy} anchor")
	}
}
