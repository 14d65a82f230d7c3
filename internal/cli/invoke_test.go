package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// testFunctions builds the functions package's echo and fail test
// functions into dir.
func testFunctions(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("go", "build", "-o", dir+string(filepath.Separator),
		"github.com/apigwdev/apigw/internal/functions/testdata/fn/echo",
		"github.com/apigwdev/apigw/internal/functions/testdata/fn/fail").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

// TestInvoke runs a function once with an event from a file: the result
// on stdout, the function's log (Lambda's START/END/REPORT lines) on
// stderr; a failing function exits 1 with its error on stdout.
func TestInvoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds functions")
	}
	t.Parallel()
	bin := testFunctions(t)
	event := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(event, []byte(`{"hello":"world"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := Main([]string{"invoke", "echo", "--event", event, "--function", "echo=" + filepath.Join(bin, "echo")}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	var rep struct {
		Event json.RawMessage `json:"event"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || string(rep.Event) != `{"hello":"world"}` {
		t.Errorf("stdout %q: %v", out.String(), err)
	}
	if log := errOut.String(); !strings.Contains(log, "START RequestId: ") || !strings.Contains(log, "REPORT RequestId: ") {
		t.Errorf("stderr lacks the function's log lines:\n%s", log)
	}

	out.Reset()
	errOut.Reset()
	code = Main([]string{"invoke", "--function", "fail=" + filepath.Join(bin, "fail"), "fail"}, &out, &errOut)
	if code != 1 || !strings.Contains(out.String(), "errorMessage") {
		t.Errorf("failing function: exit %d, stdout %q; want 1 and the error", code, out.String())
	}

	out.Reset()
	errOut.Reset()
	code = Main([]string{"invoke", "ghost", "--function", "echo=" + filepath.Join(bin, "echo")}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "function ghost is not configured; the functions are: echo") {
		t.Errorf("unknown function: exit %d, stderr %q", code, errOut.String())
	}
}
