package cli

import (
	"strings"
	"testing"
)

// TestServeWatch: `serve --watch` starts watching the functions' files
// before it listens (what is watched and when a function restarts is tested
// in internal/functions/watch and internal/app).
func TestServeWatch(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	dir := writeFiles(t, map[string]string{"bootstrap": "#!/bin/sh\n"})
	bin := buildBinary(t)
	_, _, _, startLog := startServe(t, bin, dir, "--watch", "--function", "live=./bootstrap")
	if log := startLog.String(); !strings.Contains(log, `msg="watching function files"`) || !strings.Contains(log, "function=live") {
		t.Errorf("no watch of function live before the listening lines:\n%s", log)
	}
}
