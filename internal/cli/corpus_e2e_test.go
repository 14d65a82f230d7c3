package cli

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestServeCorpusTemplates serves real templates of the corpus with
// `apigw serve --template` and sends the request their source expects: the
// API Gateway developer guide's Lambda quick create (a CloudFormation
// ZipFile Node.js function) and the CDK integ snapshot of a Lambda proxy
// (a cloud assembly directory).
func TestServeCorpusTemplates(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs Node.js functions")
	}
	corpus, err := filepath.Abs("../../../shared/realworld/corpus")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(corpus); err != nil {
		t.Skipf("no real-world corpus at %s", corpus)
	}
	if _, err := exec.LookPath("node"); err != nil {
		if os.Getenv("APIGW_CI") == "1" {
			t.Fatalf("node is not on PATH (APIGW_CI=1: template tests with Node.js functions must run): %v", err)
		}
		t.Skip("node is not on PATH")
	}
	t.Parallel()
	bin := buildBinary(t)
	for _, tc := range []struct {
		name, dir, template, path, want string
	}{
		{"lambda quick create", "awsdocs-cfn-lambda-quick-create", "lambda-quick-create.yaml", "/", `"Hello from Lambda!"`},
		{"cdk cloud assembly", "cdk-integ-lambda-proxy", "integ.lambda-proxy.js.snapshot", "/any/path", "success"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, dataURL, _, _ := startServe(t, bin, filepath.Join(corpus, tc.dir), "--template", tc.template, "--data-dir", t.TempDir())
			resp, err := http.Get(dataURL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(b) != tc.want {
				t.Errorf("GET %s: %d %q; want 200 %q", tc.path, resp.StatusCode, b, tc.want)
			}
		})
	}
}
