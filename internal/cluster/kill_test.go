package cluster_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"

	"github.com/apigwdev/apigw/internal/clustertest"
	"github.com/apigwdev/apigw/internal/testbin"
)

// processNode runs `apigw serve` in cluster mode as a process of its own,
// and returns it with its admin URL.
func processNode(t *testing.T, etcdURL, prefix, name, dir string) (*exec.Cmd, string) {
	t.Helper()
	cfg := filepath.Join(dir, "apigw.yaml")
	writeFile(t, cfg, fmt.Sprintf("cluster:\n  etcd:\n    endpoints: [%q]\n    prefix: %s\n", etcdURL, prefix))
	cmd := exec.Command(testbin.Path(t, "apigw"), "serve", "--config", cfg, "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
		"--data-dir", filepath.Join(dir, "data"), "--node", name, "--log-level", "warn")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	admin := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`admin listening on (\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				admin <- m[1]
			}
		}
	}()
	select {
	case u := <-admin:
		return cmd, u
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not start", name)
	}
	return nil, ""
}

// TestClusterKillNineLosesNoAcknowledgedWrite kills a node (SIGKILL) while
// writes go through it: every write it acknowledged is in the cluster, and
// the node restarted catches up.
func TestClusterKillNineLosesNoAcknowledgedWrite(t *testing.T) {
	etcdURL := clustertest.Etcd(t)
	prefix := clustertest.Prefix()
	other, err := startNode(t, etcdURL, prefix, "gw-1", filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd, admin := processNode(t, etcdURL, prefix, "gw-2", dir)
	client := apigatewayv2.New(apigatewayv2.Options{BaseEndpoint: aws.String(admin), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("x", "y", ""), RetryMaxAttempts: 1})

	var acked []string
	killed := make(chan struct{})
	go func() {
		time.Sleep(400 * time.Millisecond)
		_ = cmd.Process.Kill()
		close(killed)
	}()
	for i := 0; ; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		out, err := client.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String(fmt.Sprintf("w%d", i)), ProtocolType: "HTTP"})
		cancel()
		if err != nil {
			select {
			case <-killed:
			default:
				t.Fatalf("write %d failed before the kill: %v", i, err)
			}
			break
		}
		acked = append(acked, *out.ApiId)
	}
	_ = cmd.Wait()
	if len(acked) == 0 {
		t.Fatal("no write acknowledged before the kill")
	}
	// Every acknowledged write is served by the surviving node.
	deadline := time.Now().Add(5 * time.Second)
	for _, id := range acked {
		for {
			_, err := other.client.GetApi(context.Background(), &apigatewayv2.GetApiInput{ApiId: aws.String(id)})
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("acknowledged write %s lost after the kill: %v", id, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// A write made while it is down reaches the node when it restarts.
	late, err := other.client.CreateApi(context.Background(), &apigatewayv2.CreateApiInput{Name: aws.String("late"), ProtocolType: "HTTP"})
	if err != nil {
		t.Fatal(err)
	}
	_, admin = processNode(t, etcdURL, prefix, "gw-2", dir)
	client = apigatewayv2.New(apigatewayv2.Options{BaseEndpoint: aws.String(admin), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("x", "y", "")})
	if _, err := client.GetApi(context.Background(), &apigatewayv2.GetApiInput{ApiId: late.ApiId}); err != nil {
		t.Errorf("restarted node does not have the write made while it was down: %v", err)
	}
	t.Logf("%d writes acknowledged before kill -9, all kept", len(acked))
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
