package awsservice_test

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/gatewaytest"
)

// recorded is one request the recording server received.
type recorded struct {
	method, path, query, target, auth string
	body                              []byte
}

// recorder stands in for every AWS service endpoint: it records each
// request and answers with the reply its test set.
type recorder struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []recorded // guarded by mu
	// reply answers a request; set before the gateway sends.
	reply func(w http.ResponseWriter, r *http.Request, body []byte)
}

func newRecorder(t *testing.T) *recorder {
	rec := &recorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.got = append(rec.got, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("X-Amz-Target"), r.Header.Get("Authorization"), b})
		reply := rec.reply
		rec.mu.Unlock()
		reply(w, r, b)
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *recorder) take() []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	g := rec.got
	rec.got = nil
	return g
}

func jsonReply(status int, body string) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amzn-Requestid", "req-1")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func md5hex(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }

// sqsSendReply answers SendMessage with the body's correct MD5, which the
// SDK checks.
func sqsSendReply(w http.ResponseWriter, r *http.Request, body []byte) {
	var in struct{ MessageBody string }
	_ = json.Unmarshal(body, &in)
	jsonReply(200, fmt.Sprintf(`{"MessageId":"m-1","MD5OfMessageBody":%q}`, md5hex(in.MessageBody)))(w, r, body)
}

func jsonEq(t *testing.T, what, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Errorf("%s: %v in %s", what, err, got)
		return
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad want: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s = %s; want %s", what, got, want)
	}
}

func TestServiceIntegrations(t *testing.T) {
	rec := newRecorder(t)
	type route struct {
		path, subtype, params string
	}
	routes := []route{
		{"/events", "EventBridge-PutEvents", `{Detail: "$request.body.detail", DetailType: "$request.header.x-type", Source: "my.app", Resources: "[\"arn:a\",\"arn:b\"]", EventBusName: bus1}`},
		{"/send", "SQS-SendMessage", `{QueueUrl: "$request.querystring.q", MessageBody: "$request.body.message", DelaySeconds: "5", MessageAttributes: "{\"k\":{\"DataType\":\"String\",\"StringValue\":\"v\"}}"}`},
		{"/receive", "SQS-ReceiveMessage", `{QueueUrl: "https://sqs/q", MaxNumberOfMessages: "$request.querystring.n", AttributeNames: "All, SenderId", WaitTimeSeconds: "1"}`},
		{"/delete", "SQS-DeleteMessage", `{QueueUrl: "https://sqs/q", ReceiptHandle: "$request.body.h"}`},
		{"/purge", "SQS-PurgeQueue", `{QueueUrl: "https://sqs/q"}`},
		{"/config", "AppConfig-GetConfiguration", `{Application: app1, Environment: env1, Configuration: cfg1, ClientId: "$context.requestId"}`},
		{"/put", "Kinesis-PutRecord", `{StreamName: s1, Data: "$request.body", PartitionKey: "$request.header.x-key"}`},
		{"/start", "StepFunctions-StartExecution", `{StateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:sm", Input: "$request.body", Name: "$request.querystring.name"}`},
		{"/startsync", "StepFunctions-StartSyncExecution", `{StateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:sm", Input: "$request.body"}`},
		{"/stop", "StepFunctions-StopExecution", `{ExecutionArn: "$request.body.arn", Cause: because, Region: eu-west-1}`},
	}
	var oas strings.Builder
	oas.WriteString("openapi: \"3.0.1\"\ninfo: {title: t, version: \"1\"}\npaths:\n")
	oas.WriteString("  /slow:\n    post:\n      x-amazon-apigateway-integration: {type: aws_proxy, integrationSubtype: SQS-PurgeQueue, credentials: \"arn:aws:iam::000000000000:role/r\", payloadFormatVersion: \"1.0\", timeoutInMillis: 100, requestParameters: {QueueUrl: \"https://sqs/q\"}}\n")
	for _, r := range routes {
		fmt.Fprintf(&oas, "  %s:\n    post:\n      x-amazon-apigateway-integration: {type: aws_proxy, integrationSubtype: %s, credentials: \"arn:aws:iam::000000000000:role/r\", payloadFormatVersion: \"1.0\", timeoutInMillis: 2000, requestParameters: %s}\n", r.path, r.subtype, r.params)
	}
	u := rec.srv.URL
	g := gatewaytest.Start(t, gatewaytest.Files{
		"svc.yaml": oas.String(),
		"apigw.yaml": "apis:\n  - {id: svc0000001, openapi: ./svc.yaml, default: true}\n" +
			"aws:\n  endpoints: {sqs: " + u + ", eventbridge: " + u + ", kinesis: " + u + ", sfn: " + u + ", appconfig: " + u + "}\n" +
			"  credentials: {accessKeyId: AKIDTEST, secretAccessKey: secret}\n",
	})

	tests := []struct {
		name       string
		path, body string
		header     map[string]string
		reply      func(http.ResponseWriter, *http.Request, []byte)
		// what the service saw
		wantTarget, wantPath, wantScope, wantWire string
		wantQuery                                 string
		// what the client got
		wantStatus int
		wantBody   string
		wantType   string
	}{
		{
			name: "EventBridge-PutEvents", path: "/events", body: `{"detail":{"a":1}}`, header: map[string]string{"x-type": "created"},
			reply:      jsonReply(200, `{"Entries":[{"EventId":"e-1"}],"FailedEntryCount":0}`),
			wantTarget: "AWSEvents.PutEvents", wantPath: "/", wantScope: "us-east-1/events",
			wantWire:   `{"Entries":[{"Detail":"{\"a\":1}","DetailType":"created","EventBusName":"bus1","Resources":["arn:a","arn:b"],"Source":"my.app"}]}`,
			wantStatus: 200, wantBody: `{"Entries":[{"EventId":"e-1"}],"FailedEntryCount":0}`, wantType: "application/json",
		},
		{
			name: "SQS-SendMessage", path: "/send?q=https%3A%2F%2Fsqs%2Fq", body: `{"message":"hello"}`,
			reply:      sqsSendReply,
			wantTarget: "AmazonSQS.SendMessage", wantPath: "/", wantScope: "us-east-1/sqs",
			wantWire:   `{"QueueUrl":"https://sqs/q","MessageBody":"hello","DelaySeconds":5,"MessageAttributes":{"k":{"DataType":"String","StringValue":"v"}}}`,
			wantStatus: 200, wantType: "application/json",
			wantBody: `{"SendMessageResponse":{"ResponseMetadata":{"RequestId":"req-1"},"SendMessageResult":{"MD5OfMessageAttributes":null,"MD5OfMessageBody":"` + md5hex("hello") + `","MD5OfMessageSystemAttributes":null,"MessageId":"m-1","SequenceNumber":null}}}`,
		},
		{
			name: "SQS-ReceiveMessage", path: "/receive?n=3",
			reply:      jsonReply(200, `{"Messages":[{"MessageId":"m-1","ReceiptHandle":"h-1","Body":"hi","MD5OfBody":"`+md5hex("hi")+`","Attributes":{"SenderId":"s"}}]}`),
			wantTarget: "AmazonSQS.ReceiveMessage", wantPath: "/", wantScope: "us-east-1/sqs",
			wantWire:   `{"QueueUrl":"https://sqs/q","MaxNumberOfMessages":3,"AttributeNames":["All","SenderId"],"WaitTimeSeconds":1}`,
			wantStatus: 200, wantType: "application/json",
			wantBody: `{"ReceiveMessageResponse":{"ReceiveMessageResult":{"messages":[{"Attributes":{"SenderId":"s"},"Body":"hi","MD5OfBody":"` + md5hex("hi") + `","MD5OfMessageAttributes":null,"MessageAttributes":null,"MessageId":"m-1","ReceiptHandle":"h-1"}]},"ResponseMetadata":{"RequestId":"req-1"}}}`,
		},
		{
			name: "SQS-DeleteMessage", path: "/delete", body: `{"h":"h-1"}`,
			reply:      jsonReply(200, `{}`),
			wantTarget: "AmazonSQS.DeleteMessage", wantPath: "/", wantScope: "us-east-1/sqs",
			wantWire:   `{"QueueUrl":"https://sqs/q","ReceiptHandle":"h-1"}`,
			wantStatus: 200, wantType: "application/json", wantBody: `{"DeleteMessageResponse":{"ResponseMetadata":{"RequestId":"req-1"}}}`,
		},
		{
			name: "SQS-PurgeQueue", path: "/purge",
			reply:      jsonReply(200, `{}`),
			wantTarget: "AmazonSQS.PurgeQueue", wantPath: "/", wantScope: "us-east-1/sqs",
			wantWire:   `{"QueueUrl":"https://sqs/q"}`,
			wantStatus: 200, wantType: "application/json", wantBody: `{"PurgeQueueResponse":{"ResponseMetadata":{"RequestId":"req-1"}}}`,
		},
		{
			name: "AppConfig-GetConfiguration", path: "/config",
			reply: func(w http.ResponseWriter, _ *http.Request, _ []byte) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Configuration-Version", "3")
				_, _ = io.WriteString(w, `{"feature":true}`)
			},
			wantPath: "/applications/app1/environments/env1/configurations/cfg1", wantScope: "us-east-1/appconfig",
			wantQuery:  "client_id=",
			wantStatus: 200, wantType: "application/json", wantBody: `{"feature":true}`,
		},
		{
			name: "Kinesis-PutRecord", path: "/put", body: `raw data`, header: map[string]string{"x-key": "pk1"},
			reply:      jsonReply(200, `{"SequenceNumber":"1","ShardId":"shardId-000000000000"}`),
			wantTarget: "Kinesis_20131202.PutRecord", wantPath: "/", wantScope: "us-east-1/kinesis",
			wantWire:   `{"StreamName":"s1","Data":"cmF3IGRhdGE=","PartitionKey":"pk1"}`,
			wantStatus: 200, wantType: "application/json", wantBody: `{"SequenceNumber":"1","ShardId":"shardId-000000000000"}`,
		},
		{
			name: "StepFunctions-StartExecution", path: "/start?name=run1", body: `{"x":1}`,
			reply:      jsonReply(200, `{"executionArn":"arn:x","startDate":1.6E9}`),
			wantTarget: "AWSStepFunctions.StartExecution", wantPath: "/", wantScope: "us-east-1/states",
			wantWire:   `{"stateMachineArn":"arn:aws:states:us-east-1:000000000000:stateMachine:sm","input":"{\"x\":1}","name":"run1"}`,
			wantStatus: 200, wantType: "application/json", wantBody: `{"executionArn":"arn:x","startDate":1600000000}`,
		},
		{
			name: "StepFunctions-StartSyncExecution", path: "/startsync", body: `{"x":1}`,
			reply:      jsonReply(200, `{"executionArn":"arn:x","startDate":1.6E9,"stopDate":1.6E9,"status":"SUCCEEDED","output":"{}"}`),
			wantTarget: "AWSStepFunctions.StartSyncExecution", wantPath: "/", wantScope: "us-east-1/states",
			wantWire:   `{"stateMachineArn":"arn:aws:states:us-east-1:000000000000:stateMachine:sm","input":"{\"x\":1}"}`,
			wantStatus: 200, wantType: "application/json", wantBody: `{"executionArn":"arn:x","startDate":1600000000,"stopDate":1600000000,"status":"SUCCEEDED","output":"{}"}`,
		},
		{
			name: "StepFunctions-StopExecution (Region)", path: "/stop", body: `{"arn":"arn:e"}`,
			reply:      jsonReply(200, `{"stopDate":1.6E9}`),
			wantTarget: "AWSStepFunctions.StopExecution", wantPath: "/", wantScope: "eu-west-1/states",
			wantWire:   `{"executionArn":"arn:e","cause":"because"}`,
			wantStatus: 200, wantType: "application/json", wantBody: `{"stopDate":1600000000}`,
		},
		{
			name: "service error", path: "/send?q=https%3A%2F%2Fsqs%2Fnope", body: `{"message":"hello"}`,
			reply: func(w http.ResponseWriter, _ *http.Request, _ []byte) {
				w.Header().Set("Content-Type", "application/x-amz-json-1.0")
				w.WriteHeader(400)
				_, _ = io.WriteString(w, `{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}`)
			},
			wantTarget: "AmazonSQS.SendMessage", wantPath: "/", wantScope: "us-east-1/sqs",
			wantWire:   `{"QueueUrl":"https://sqs/nope","MessageBody":"hello","DelaySeconds":5,"MessageAttributes":{"k":{"DataType":"String","StringValue":"v"}}}`,
			wantStatus: 400, wantType: "application/json", wantBody: `{"message":"The specified queue does not exist."}`,
		},
		{
			name: "integration timeout", path: "/slow",
			reply: func(w http.ResponseWriter, r *http.Request, b []byte) {
				select {
				case <-r.Context().Done():
				case <-time.After(2 * time.Second):
				}
				jsonReply(200, `{}`)(w, r, b)
			},
			wantTarget: "AmazonSQS.PurgeQueue", wantPath: "/", wantScope: "us-east-1/sqs",
			wantStatus: 503, wantBody: `{"message":"Service Unavailable"}`,
		},
		{
			name: "missing required value", path: "/send", body: `{"message":"hello"}`,
			wantStatus: 400, wantType: "application/json", wantBody: `{"message":"Bad Request"}`,
		},
		{
			name: "value the API cannot take", path: "/receive?n=ten",
			wantStatus: 400, wantType: "application/json", wantBody: `{"message":"Bad Request"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec.mu.Lock()
			rec.reply = tt.reply
			rec.mu.Unlock()
			req, _ := http.NewRequest(http.MethodPost, g.DataURL+tt.path, strings.NewReader(tt.body))
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got := rec.take()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d; want %d (body %s)", resp.StatusCode, tt.wantStatus, b)
			}
			if ct := resp.Header.Get("Content-Type"); ct != tt.wantType {
				t.Errorf("content-type = %q; want %q", ct, tt.wantType)
			}
			jsonEq(t, "client body", string(b), tt.wantBody)
			if tt.reply == nil {
				if len(got) != 0 {
					t.Errorf("service called %d times; want 0", len(got))
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("service called %d times; want 1", len(got))
			}
			w := got[0]
			if w.target != tt.wantTarget || w.path != tt.wantPath {
				t.Errorf("target, path = %q, %q; want %q, %q", w.target, w.path, tt.wantTarget, tt.wantPath)
			}
			if !strings.Contains(w.auth, "AWS4-HMAC-SHA256 Credential=AKIDTEST/") || !strings.Contains(w.auth, "/"+tt.wantScope+"/aws4_request") {
				t.Errorf("authorization = %q; want credential AKIDTEST and scope %s", w.auth, tt.wantScope)
			}
			if tt.wantQuery != "" && !strings.HasPrefix(w.query, tt.wantQuery) {
				t.Errorf("query = %q; want prefix %q", w.query, tt.wantQuery)
			}
			if tt.wantWire != "" {
				jsonEq(t, "wire body", string(w.body), tt.wantWire)
			}
		})
	}
}
