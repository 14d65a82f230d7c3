// Command gen writes the apigw configurations bench/run.sh measures: an
// apigw.yaml and its OpenAPI documents in one directory per scenario.
//
//	go run ./bench/gen -kind KIND -dir DIR [-backend URL] [-routes N] [-apis N] [-hello PROGRAM] [-authz PROGRAM] [-admin ADDR] [-access-key ID -secret-key KEY]
//
// Kinds:
//   - routes: HTTP_PROXY routes GET /r{i}/items/{id} to the backend, at most
//     300 per API (the model's quota, as AWS's); -routes N above 300 spreads
//     them over ceil(N/300) APIs (10,000 routes = 34 APIs). The API holding the
//     last route is the default API; requests go to its last route.
//   - secure: the 10-route table with the measured route behind a JWT
//     authorizer (the gateway's local issuer at http://{admin}/_issuer,
//     audience "bench"), CORS, and an access log written to DIR/access.log.
//   - lambdaauth: the 10-route table with the measured route behind a Lambda
//     REQUEST authorizer (payload 2.0, simple responses, identity source
//     $request.header.Authorization, results cached for 300 s), the function
//     "authz" running -authz PROGRAM (bench/fixtures/authz).
//   - iam: the 10-route table with the measured route authorized by AWS_IAM
//     (x-amazon-apigateway-auth), and one identity, -access-key and
//     -secret-key, allowed to invoke it (bench/sign signs its requests).
//   - lambda: GET /hello, AWS_PROXY (payload 2.0) to the function "hello"
//     (-hello PROGRAM), plus /cold1../cold3 to three more functions running
//     the same program, for cold starts.
//   - startup: -apis N APIs of -routes N routes each (HTTP_PROXY).
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
)

const maxRoutesPerAPI = 300

func main() {
	var (
		kind    = flag.String("kind", "routes", "routes, secure, lambdaauth, iam, lambda or startup")
		dir     = flag.String("dir", "", "output directory (created)")
		backend = flag.String("backend", "http://127.0.0.1:18080", "backend base URL")
		routes  = flag.Int("routes", 10, "route count (routes: in total; startup: per API)")
		apis    = flag.Int("apis", 10, "API count (startup)")
		hello   = flag.String("hello", "", "the hello function's program (lambda)")
		authz   = flag.String("authz", "", "the authorizer function's program (lambdaauth)")
		admin   = flag.String("admin", "127.0.0.1:13300", "the gateway's admin address (secure: the JWT issuer)")
		keyID   = flag.String("access-key", "AKIABENCH", "the access key id of the identity allowed to call the route (iam)")
		secret  = flag.String("secret-key", "bench-secret", "its secret access key (iam)")
	)
	flag.Parse()
	if *dir == "" {
		log.Fatal("gen: -dir is required")
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}
	var cfg strings.Builder
	switch *kind {
	case "routes":
		n := *routes
		nAPIs := (n + maxRoutesPerAPI - 1) / maxRoutesPerAPI
		cfg.WriteString("apis:\n")
		for a := 0; a < nAPIs; a++ {
			lo, hi := a*maxRoutesPerAPI, min((a+1)*maxRoutesPerAPI, n)
			name := fmt.Sprintf("rt%02d.yaml", a)
			write(*dir, name, routesDoc(*backend, lo, hi, ""))
			fmt.Fprintf(&cfg, "  - id: rt%02d\n    openapi: ./%s\n", a, name)
			if a == nAPIs-1 {
				cfg.WriteString("    default: true\n")
			}
		}
	case "secure":
		sec := `      security: [{benchJwt: []}]
`
		doc := routesDoc(*backend, 0, *routes, sec) + fmt.Sprintf(`components:
  securitySchemes:
    benchJwt:
      type: oauth2
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: "$request.header.Authorization"
        jwtConfiguration: {issuer: "http://%s/_issuer", audience: ["bench"]}
x-amazon-apigateway-cors:
  allowOrigins: ["http://localhost:8080"]
  allowMethods: ["GET", "POST"]
  allowHeaders: ["content-type", "authorization"]
  exposeHeaders: ["x-request-id"]
  maxAge: 600
`, *admin)
		write(*dir, "secure.yaml", doc)
		logFile, err := filepath.Abs(filepath.Join(*dir, "access.log"))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Fprintf(&cfg, `apis:
  - id: secure
    openapi: ./secure.yaml
    default: true
    stages:
      - name: $default
        accessLogSettings:
          destinationArn: %q
          format: '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength","sub":"$context.authorizer.claims.sub"}'
`, logFile)
	case "lambdaauth":
		if *authz == "" {
			log.Fatal("gen: -authz is required for lambdaauth")
		}
		sec := `      security: [{benchLambda: []}]
`
		doc := routesDoc(*backend, 0, *routes, sec) + `components:
  securitySchemes:
    benchLambda:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authorizer:
        type: request
        identitySource: "$request.header.Authorization"
        authorizerUri: arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:authz/invocations
        authorizerPayloadFormatVersion: "2.0"
        enableSimpleResponses: true
        authorizerResultTtlInSeconds: 300
`
		write(*dir, "lambdaauth.yaml", doc)
		fmt.Fprintf(&cfg, "functions:\n  authz: {command: [%q]}\n", *authz)
		cfg.WriteString("apis:\n  - id: lambdaauth\n    openapi: ./lambdaauth.yaml\n    default: true\n")
	case "iam":
		sec := `      x-amazon-apigateway-auth: {type: AWS_IAM}
`
		write(*dir, "iam.yaml", routesDoc(*backend, 0, *routes, sec))
		last := *routes - 1
		fmt.Fprintf(&cfg, `apis:
  - id: iam
    openapi: ./iam.yaml
    default: true
identities:
  - accessKeyId: %s
    secretAccessKey: %s
    arn: arn:aws:iam::000000000000:user/bench
    policy:
      Version: "2012-10-17"
      Statement:
        - {Effect: Allow, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:*:*:iam/*/GET/r%d/items/*"}
`, *keyID, *secret, last)
	case "lambda":
		if *hello == "" {
			log.Fatal("gen: -hello is required for lambda")
		}
		var doc strings.Builder
		doc.WriteString("openapi: \"3.0.1\"\ninfo: {title: lambda, version: \"1\"}\npaths:\n")
		cfg.WriteString("functions:\n")
		for _, fn := range []string{"hello", "cold1", "cold2", "cold3"} {
			fmt.Fprintf(&cfg, "  %s: {command: [%q], concurrency: 10}\n", fn, *hello)
			path := "/" + fn
			fmt.Fprintf(&doc, `  %s:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:%s/invocations
        payloadFormatVersion: "2.0"
`, path, fn)
		}
		write(*dir, "lambda.yaml", doc.String())
		cfg.WriteString("apis:\n  - id: lambda\n    openapi: ./lambda.yaml\n    default: true\n")
	case "startup":
		cfg.WriteString("apis:\n")
		for a := 0; a < *apis; a++ {
			name := fmt.Sprintf("st%02d.yaml", a)
			write(*dir, name, routesDoc(*backend, 0, *routes, ""))
			fmt.Fprintf(&cfg, "  - id: st%02d\n    openapi: ./%s\n", a, name)
		}
	default:
		log.Fatalf("gen: unknown kind %q", *kind)
	}
	// The account throttle (AWS's 10,000 rps) would cap every apigw row;
	// the bench measures the proxy, so it raises the limit far out of reach.
	cfg.WriteString("accountThrottle: {throttlingRateLimit: 10000000, throttlingBurstLimit: 10000000}\n")
	write(*dir, "apigw.yaml", cfg.String())
}

// routesDoc is an OpenAPI document with routes GET /r{i}/items/{id} for i in
// [lo, hi), each an HTTP_PROXY integration to backend; extra is added to the
// last route's operation.
func routesDoc(backend string, lo, hi int, extra string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "openapi: \"3.0.1\"\ninfo: {title: routes-%d-%d, version: \"1\"}\npaths:\n", lo, hi)
	for i := lo; i < hi; i++ {
		fmt.Fprintf(&b, "  /r%d/items/{id}:\n    get:\n", i)
		if i == hi-1 {
			b.WriteString(extra)
		}
		fmt.Fprintf(&b, "      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: \"%s/items/{id}\", payloadFormatVersion: \"1.0\"}\n", backend)
	}
	return b.String()
}

func write(dir, name, content string) {
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		log.Fatal(err)
	}
}
