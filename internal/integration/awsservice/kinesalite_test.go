package awsservice_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/apigwdev/apigw/internal/gatewaytest"
)

// TestKinesisPutRecordKinesalite stores a real record in kinesalite
// (scripts/kinesalite.sh start; its URL in APIGW_KINESALITE).
func TestKinesisPutRecordKinesalite(t *testing.T) {
	ep := os.Getenv("APIGW_KINESALITE")
	if ep == "" {
		t.Skip("APIGW_KINESALITE is not set (scripts/kinesalite.sh start)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	kc := kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(ep),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	})
	stream := "apigw-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")) + "-" + time.Now().Format("150405.000000")
	stream = strings.ReplaceAll(stream, ".", "-")
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(stream), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatalf("creating stream: %v", err)
	}
	for {
		out, err := kc.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(stream)})
		if err != nil {
			t.Fatalf("describing stream: %v", err)
		}
		if out.StreamDescription.StreamStatus == types.StreamStatusActive {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}

	g := gatewaytest.Start(t, gatewaytest.Files{
		"k.yaml": "openapi: \"3.0.1\"\ninfo: {title: t, version: \"1\"}\npaths:\n  /put:\n    post:\n      x-amazon-apigateway-integration: {type: aws_proxy, integrationSubtype: Kinesis-PutRecord, credentials: \"arn:aws:iam::000000000000:role/r\", payloadFormatVersion: \"1.0\", requestParameters: {StreamName: " + stream + ", Data: \"$request.body.data\", PartitionKey: \"$request.header.x-key\"}}\n",
		"apigw.yaml": "apis:\n  - {id: kin0000001, openapi: ./k.yaml, default: true}\n" +
			"aws:\n  endpoints: {kinesis: \"" + ep + "\"}\n  credentials: {accessKeyId: AKIDTEST, secretAccessKey: secret}\n",
	})
	req, _ := http.NewRequest(http.MethodPost, g.DataURL+"/put", strings.NewReader(`{"data":"hello kinesis"}`))
	req.Header.Set("x-key", "pk-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"ShardId":"shardId-000000000000"`) {
		t.Fatalf("got %d %s; want 200 with the shard id", resp.StatusCode, body)
	}

	it, err := kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
		StreamName: aws.String(stream), ShardId: aws.String("shardId-000000000000"),
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs.Records) != 1 {
		t.Fatalf("records = %d; want 1", len(recs.Records))
	}
	r := recs.Records[0]
	if string(r.Data) != "hello kinesis" || aws.ToString(r.PartitionKey) != "pk-1" {
		t.Errorf("record = %q, partition key %q; want %q, %q", r.Data, aws.ToString(r.PartitionKey), "hello kinesis", "pk-1")
	}
}
