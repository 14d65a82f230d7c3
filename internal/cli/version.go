package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// Build stamps, set by release builds (scripts/release.sh) with
//
//	-ldflags "-X github.com/apigwdev/apigw/internal/cli.version=v1.2.3 -X github.com/apigwdev/apigw/internal/cli.commit=<sha>"
//
// Builds without them fall back on what the go command records
// (debug.ReadBuildInfo): the module version of `go install ...@v1.2.3`, the
// pseudo-version and VCS revision of a `go build` in a clone, or "devel" for
// `go run`, which records neither.
var (
	version = ""
	commit  = ""
)

// BuildInfo is what `apigw version` prints.
type BuildInfo struct {
	// Version is the release version (v1.2.3), a module pseudo-version, or
	// "devel" when the build recorded none.
	Version string
	// Commit is the VCS revision the binary was built from, "" if unknown;
	// Modified is set when the work tree had uncommitted changes.
	Commit   string
	Modified bool
	// Time is the commit's time (RFC 3339), "" if unknown.
	Time string
	// GoVersion is the Go release that built the binary (go1.27.3).
	GoVersion string
	// Platform is GOOS/GOARCH.
	Platform string
}

// ReadBuildInfo returns the binary's build information: the ldflags stamps
// first, then the go command's records.
func ReadBuildInfo() BuildInfo {
	b := BuildInfo{Version: version, Commit: commit, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			b.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
		if bi.GoVersion != "" {
			b.GoVersion = bi.GoVersion
		}
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	return b
}

// Version returns the binary's version; see ReadBuildInfo.
func Version() string { return ReadBuildInfo().Version }

// String renders the build information on one line:
//
//	apigw v1.2.3 (commit 0fa8cb3d1234, 2026-12-06T10:00:00Z, go1.27.3 linux/amd64)
func (b BuildInfo) String() string {
	var parts []string
	if b.Commit != "" {
		c := b.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		if b.Modified {
			c += "-dirty"
		}
		parts = append(parts, "commit "+c)
	}
	if b.Time != "" {
		parts = append(parts, b.Time)
	}
	parts = append(parts, b.GoVersion+" "+b.Platform)
	return fmt.Sprintf("apigw %s (%s)", b.Version, strings.Join(parts, ", "))
}

func versionCommand(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", "", "Prints the version, the commit and the Go release apigw was built with.", stderr)
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "apigw version: unexpected arguments %q\n", fs.Args())
		return 2
	}
	fmt.Fprintln(stdout, ReadBuildInfo())
	return 0
}
