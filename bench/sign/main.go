// Command sign prints the SigV4 headers of one execute-api request, signed
// with the AWS SDK for Go v2 signer, one "Name: value" line each, for
// bench/run.sh to pass to wrk and curl with -H:
//
//	go run ./bench/sign -url URL [-method GET] [-valid 11s] [-access-key ID] [-secret-key KEY] [-region us-east-1]
//
// wrk sends the same headers with every request, so the one signature must
// verify for the whole run. The gateway accepts a timestamp within five
// minutes of its clock, either way (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html). A run of
// -valid up to four and a half minutes is signed at the current time; a
// longer one (up to nine minutes) is signed later, so that the run's start
// and end both fall within the five minutes around the timestamp.
//
// The request has no body: the payload hash is the empty string's, which the
// gateway computes from the (empty) body, as it does for any request without
// X-Amz-Content-Sha256.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"net/http"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Bounds on the signing time: the gateway's allowed clock skew less a
// margin for the time between signing and the first request, and for clocks.
const (
	maxSkew = 5 * time.Minute
	margin  = 30 * time.Second
)

func main() {
	var (
		url       = flag.String("url", "", "the request URL (required)")
		method    = flag.String("method", "GET", "the request method")
		valid     = flag.Duration("valid", 11*time.Second, "how long from now the signature must verify")
		accessKey = flag.String("access-key", "AKIABENCH", "access key id")
		secretKey = flag.String("secret-key", "bench-secret", "secret access key")
		region    = flag.String("region", "us-east-1", "the gateway's region")
	)
	flag.Parse()
	if *url == "" {
		log.Fatal("sign: -url is required")
	}
	if *valid > 2*(maxSkew-margin) {
		log.Fatalf("sign: -valid %s is longer than a signature can verify (%s): sign more often", *valid, 2*(maxSkew-margin))
	}
	req, err := http.NewRequest(*method, *url, nil)
	if err != nil {
		log.Fatalf("sign: %v", err)
	}
	at := time.Now()
	if late := *valid - (maxSkew - margin); late > 0 {
		at = at.Add(late)
	}
	sum := sha256.Sum256(nil)
	creds := aws.Credentials{AccessKeyID: *accessKey, SecretAccessKey: *secretKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "execute-api", *region, at); err != nil {
		log.Fatalf("sign: %v", err)
	}
	// The request had no headers: every header is the signer's.
	names := make([]string, 0, len(req.Header))
	for h := range req.Header {
		names = append(names, h)
	}
	sort.Strings(names)
	for _, h := range names {
		fmt.Printf("%s: %s\n", h, req.Header.Get(h))
	}
}
