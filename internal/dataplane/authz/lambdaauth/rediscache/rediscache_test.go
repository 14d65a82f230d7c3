package rediscache_test

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/apigwdev/apigw/internal/clustertest"
	"github.com/apigwdev/apigw/internal/dataplane/authz"
	"github.com/apigwdev/apigw/internal/dataplane/authz/lambdaauth"
	"github.com/apigwdev/apigw/internal/dataplane/authz/lambdaauth/rediscache"
	"github.com/apigwdev/apigw/internal/invoke"
	"github.com/apigwdev/apigw/internal/invoke/lambdacall"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/snapshot"
)

const authURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations"

// nodeAuthorizer compiles, as one node would, a cached REQUEST authorizer
// whose function counts its invocations, sharing results through Redis.
func nodeAuthorizer(t *testing.T, url, prefix string, calls *atomic.Int64) (snapshot.Authorizer, *rediscache.Cache) {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opts)
	t.Cleanup(func() { client.Close() })
	local := lambdaauth.NewCache(0)
	shared := rediscache.New(client, prefix, local, nil)
	t.Cleanup(shared.Close)
	local.Share(shared)
	caller := lambdacall.CallerFunc(func(context.Context, lambdacall.FunctionRef, []byte) (*lambdacall.CallResult, error) {
		calls.Add(1)
		return &lambdacall.CallResult{Payload: []byte(`{"isAuthorized":true,"context":{"user":"u1"}}`)}, nil
	})
	ttl := 300
	a := &model.Authorizer{AuthorizerID: "r1", Name: "r", AuthorizerType: "REQUEST", AuthorizerURI: authURI,
		AuthorizerPayloadFormatVersion: "2.0", EnableSimpleResponses: true, IdentitySource: []string{"$request.header.Authorization"}, AuthorizerResultTTLInSeconds: &ttl}
	az, err := authz.Compile(a, &model.Route{RouteKey: "GET /pets", AuthorizationType: "CUSTOM", AuthorizerID: "r1"}, authz.Deps{Functions: caller, Results: local})
	if err != nil {
		t.Fatal(err)
	}
	return az, shared
}

func authorize(t *testing.T, az snapshot.Authorizer, token string) {
	t.Helper()
	r := httptest.NewRequest("GET", "/pets", nil)
	r.Header.Set("Authorization", token)
	req := &invoke.Request{HTTP: r, RequestID: "rid", AccountID: "000000000000", Region: "us-east-1", APIID: "api1",
		Stage: "$default", RouteKey: "GET /pets", Path: "/pets"}
	if _, err := az.Authorize(context.Background(), req); err != nil {
		t.Fatalf("Authorize: %v", err)
	}
}

// TestOneInvocationForAllNodes checks that a token used on three nodes is
// decided by one invocation, and that a reset through one node reaches the
// others.
func TestOneInvocationForAllNodes(t *testing.T) {
	url := clustertest.Redis(t)
	prefix := clustertest.Prefix()
	var calls atomic.Int64
	var nodes []snapshot.Authorizer
	var shares []*rediscache.Cache
	for range 3 {
		az, sh := nodeAuthorizer(t, url, prefix, &calls)
		nodes = append(nodes, az)
		shares = append(shares, sh)
	}
	for range 2 {
		for _, az := range nodes {
			authorize(t, az, "token-1")
		}
	}
	if got := calls.Load(); got != 1 {
		t.Fatalf("authorizer invoked %d times for one token used on 3 nodes; want 1", got)
	}
	// Let the subscriptions start before publishing.
	time.Sleep(200 * time.Millisecond)
	if err := shares[0].ResetStage("api1", "$default"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Second)
	for {
		before := calls.Load()
		authorize(t, nodes[2], "token-1")
		if calls.Load() > before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("ResetAuthorizersCache through node 1 did not reach node 3 within 1 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRedisDownInvokes checks that without Redis the authorizer is
// invoked, never skipped.
func TestRedisDownInvokes(t *testing.T) {
	srv := clustertest.StartRedis(t)
	var calls atomic.Int64
	az, _ := nodeAuthorizer(t, srv.URL, clustertest.Prefix(), &calls)
	srv.Stop()
	authorize(t, az, "token-2")
	if calls.Load() != 1 {
		t.Errorf("invocations with Redis down = %d; want 1", calls.Load())
	}
}
