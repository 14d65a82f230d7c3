package lambdaauth

import (
	"fmt"

	"github.com/apigwdev/apigw/internal/invoke"
)

// BuildEvent returns the event a Lambda authorizer of payload format
// version ("1.0" or "2.0") receives for req, with the route ARN arn and
// the identity source values: the very builder requests use, so that
// `apigw generate-event authorizer-v1|v2` prints what the gateway sends.
func BuildEvent(req *invoke.Request, arn string, values []string, version string) ([]byte, error) {
	switch version {
	case "1.0":
		return buildEventV1(req, arn, values)
	case "2.0":
		return buildEventV2(req, arn, values)
	}
	return nil, fmt.Errorf("authorizer payload format version %q: want 1.0 or 2.0", version)
}
