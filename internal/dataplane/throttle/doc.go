// Package throttle implements the throttling of HTTP APIs
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html): token buckets for the account, for each stage's default route
// settings and for each route's settings, checked before the authorizer and
// the integration; a refused request is answered 429 by the data plane
// (gwerr.TooManyRequests).
//
// # Use
//
//  1. At startup, the application creates the account bucket once, for the
//     whole gateway, and keeps it across redeployments:
//     account := throttle.NewBucket(throttle.DefaultAccountLimits(), nil)
//     (the limits may come from configuration).
//  2. At each compile, for each stage: limiters, err :=
//     throttle.Compile(stage, routeKeys, account, nil), and route.Throttle =
//     limiters[route.Key.Raw] (nil, meaning unlimited, when absent).
//  3. Per request, after route selection and before the authorizer and the
//     integration: if route.Throttle != nil && !route.Throttle.Allow(),
//     answer gwerr.TooManyRequests and set Outcome.Throttled. A preflight
//     the gateway answers itself (no route matched) can be charged to the
//     account alone with account.Allow().
//
// # Algorithm
//
// A Bucket is a token bucket with capacity burst, refilled continuously at
// rate tokens per second, starting full. It is implemented as
// the equivalent generic cell rate algorithm: one int64, the theoretical
// arrival time of the next request, updated with a compare-and-swap, so
// Allow takes no lock and a refused request writes nothing. A Limiter checks
// its route bucket, then the account bucket; when the account refuses, the
// route's token is given back.
//
// Time comes from an injected clock (nil means time.Now); the bucket measures
// it from its creation, with the monotonic reading when the clock gives one.
//
// # Choices where the behaviour is undocumented by AWS (our choice: docs/compatibility.md#throttling) (13)
//
//   - Granularity: every route of a stage has a bucket of its own, seeded from
//     the stage's defaultRouteSettings and overridden member by member by
//     routeSettings[routeKey]. Routes never share
//     a stage-wide bucket.
//   - Inheritance is per member: a route setting with only
//     throttlingBurstLimit takes its rate from defaultRouteSettings, and a
//     member set nowhere takes the account bucket's value. A route with
//     neither member set at either level has no bucket of its own (account
//     limit only).
//   - Rate 0 never refills: the bucket lets its first burst requests through
//     after each deployment and refuses every later one. Burst 0 refuses
//     every request, whatever the rate. (Rates below one request per 100
//     years count as 0, and bursts above 2^40 as 2^40.)
//   - Route and stage limits above the account's are not refused or clamped:
//     the account bucket enforces its own limit anyway.
//   - Buckets are rebuilt, full, on every deployment of the stage; the
//     account bucket is not.
//   - routeSettings keys that name no route of the deployment are ignored.
//   - The account bucket is shared by every API and stage of the gateway
//     (AWS: per account and Region, across API types).
package throttle
