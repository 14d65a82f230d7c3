package iam

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/apigwdev/apigw/internal/invoke"
)

// BenchmarkAuthorize is a signed GET (SigV4 in the Authorization header,
// signed by the SDK's signer) verified and its policy evaluated, as on an
// AWS_IAM route: the same request again and again, as one client sends.
func BenchmarkAuthorize(b *testing.B) {
	store, err := NewStore([]Credentials{alice, bob, carol})
	if err != nil {
		b.Fatal(err)
	}
	a := New(Config{Identities: store, Now: func() time.Time { return testNow }})
	r := httptest.NewRequest("GET", "http://api1.execute-api.us-east-1.amazonaws.com/pets/42?a=1&b=two", nil)
	r.Header.Set("User-Agent", "aws-sdk-go-v2/1.0")
	sign(b, r, nil, alice, testNow)
	req := &invoke.Request{HTTP: r, Region: testRegion, AccountID: testAccount, APIID: testAPI, Stage: "$default", Path: "/pets/42"}
	b.ReportAllocs()
	for b.Loop() {
		ac, err := a.Authorize(context.Background(), req)
		if err != nil || ac == nil {
			b.Fatal(err)
		}
	}
}
