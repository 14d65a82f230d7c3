package watch

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/apigwdev/apigw/internal/functions"
)

// Target is what to watch for one function. Exactly one of Dir and File is
// set.
type Target struct {
	// Function is the function's name, passed to Restarter.Restart.
	Function string
	// Dir is an absolute directory watched recursively: a change of any file
	// below it (except the ignored ones, see the package doc) restarts the
	// function. Directories created later are watched too.
	Dir string
	// File is an absolute file path, watched through its directory so that a
	// replaced file (`go build -o` renames a new file over the old one) is
	// seen: its creation, writes, renames and removal restart the function.
	File string
	// Ignore are absolute paths of files or directories whose changes are
	// not changes of the function's sources: build outputs, data
	// directories. The temporary file `go build -o` writes next to its
	// output (FILE-go-tmp-umask) is ignored with it.
	Ignore []string
}

// TargetFor returns what to watch for a function, as the package doc
// describes, and false for a remote function. Relative paths in c (Dir, a
// program path, a build's -o output) are resolved as the functions package
// resolves them: Dir against the working directory, the others against Dir.
func TargetFor(c functions.Config) (Target, bool) {
	dir, err := filepath.Abs(c.Dir)
	if err != nil {
		dir = filepath.Clean(c.Dir)
	}
	if c.Runtime != "" {
		// Neither node nor python reloads a module in a warm process: a
		// change anywhere in the code directory replaces the instances.
		return Target{Function: c.Name, Dir: dir}, true
	}
	if c.Endpoint != "" || len(c.Command) == 0 {
		return Target{}, false
	}
	t := Target{Function: c.Name}
	program := c.Command[0]
	isPath := strings.ContainsRune(program, '/') || strings.ContainsRune(program, filepath.Separator)
	if isPath && !filepath.IsAbs(program) {
		program = filepath.Join(dir, program)
	}
	switch {
	case len(c.Build) > 0:
		t.Dir = dir
		if isPath {
			t.Ignore = append(t.Ignore, program)
		}
		if out := buildOutput(c.Build); out != "" {
			if !filepath.IsAbs(out) {
				out = filepath.Join(dir, out)
			}
			t.Ignore = append(t.Ignore, filepath.Clean(out))
		}
	case isPath:
		t.File = filepath.Clean(program)
	default:
		t.Dir = dir
	}
	return t, true
}

// buildOutput returns the value of a build command's -o flag (`go build -o
// bin/x`, `-o=bin/x`, `--output bin/x`, gcc and rustc alike), or "".
func buildOutput(argv []string) string {
	for i, a := range argv {
		switch {
		case (a == "-o" || a == "--output") && i+1 < len(argv):
			return argv[i+1]
		case strings.HasPrefix(a, "-o="):
			return strings.TrimPrefix(a, "-o=")
		case strings.HasPrefix(a, "--output="):
			return strings.TrimPrefix(a, "--output=")
		}
	}
	return ""
}

// validate checks that t names a function and exactly one absolute path.
func (t Target) validate() error {
	switch {
	case t.Function == "":
		return fmt.Errorf("watch target %+v: no function name", t)
	case (t.Dir == "") == (t.File == ""):
		return fmt.Errorf("watch target for function %s: set exactly one of Dir and File", t.Function)
	case t.Dir != "" && !filepath.IsAbs(t.Dir), t.File != "" && !filepath.IsAbs(t.File):
		return fmt.Errorf("watch target for function %s: paths must be absolute", t.Function)
	}
	return nil
}

// matches reports whether a change of path is a change of the target's
// files.
func (t *Target) matches(path string) bool {
	path = filepath.Clean(path)
	if t.File != "" {
		return path == t.File
	}
	rel, ok := within(t.Dir, path)
	if !ok || rel == "." {
		return false
	}
	if ignoredRel(rel) {
		return false
	}
	for _, ig := range t.Ignore {
		if _, in := within(ig, path); in || strings.HasPrefix(path, ig+goTempSuffix) {
			return false
		}
	}
	return true
}

// goTempSuffix starts the name of the file `go build -o FILE` creates and
// removes next to FILE to learn the umask (FILE-go-tmp-umask;
// cmd/go/internal/work/shell.go moveOrCopyFile): a build output too.
const goTempSuffix = "-go-tmp-"

// within returns path relative to root and whether path is root or below it.
func within(root, path string) (string, bool) {
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return rel, true
}

// ignoredRel reports whether a path relative to a watched directory is
// ignored by name (see the package doc): a hidden element, node_modules or
// __pycache__ anywhere in it, or an editor backup as its last element.
func ignoredRel(rel string) bool {
	elems := strings.Split(filepath.ToSlash(rel), "/")
	for _, e := range elems {
		if strings.HasPrefix(e, ".") || e == "node_modules" || e == "__pycache__" {
			return true
		}
	}
	base := elems[len(elems)-1]
	return strings.HasSuffix(base, "~") || strings.HasPrefix(base, "#")
}

// skipDir reports whether the walk that registers a target's directories
// skips dir (an absolute directory below or at t.Dir).
func (t *Target) skipDir(dir string) bool {
	rel, ok := within(t.Dir, dir)
	if !ok {
		return true
	}
	if rel != "." && ignoredRel(rel) {
		return true
	}
	for _, ig := range t.Ignore {
		if _, in := within(ig, dir); in {
			return true
		}
	}
	return false
}

// firstFile returns the first file below dir (a directory below t.Dir) whose
// change would be a change of the target, or "".
func (t *Target) firstFile(dir string) string {
	var found string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return nil // vanished meanwhile: nothing to count
		case d.IsDir() && t.skipDir(path):
			return filepath.SkipDir
		case !d.IsDir() && t.matches(path):
			found = path
			return filepath.SkipAll
		}
		return nil
	})
	return found
}
