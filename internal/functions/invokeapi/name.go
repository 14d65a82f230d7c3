package invokeapi

import (
	"regexp"
	"strings"
)

// functionRef is a FunctionName from the path, resolved.
type functionRef struct {
	Name      string
	Qualifier string // from the name; "" if none
	// Foreign is set when an ARN names another region or account: no
	// function of this gateway matches.
	Foreign bool
}

var (
	namePart      = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	qualifierPart = regexp.MustCompile(`^(\$LATEST|[a-zA-Z0-9_-]{1,128})$`)
	accountPart   = regexp.MustCompile(`^\d{12}$`)
)

// parseFunctionName resolves the Invoke API's FunctionName in the forms the
// Lambda model accepts: "name", "name:qualifier",
// "123456789012:function:name[:qualifier]" and
// "arn:{partition}:lambda:{region}:{account}:function:name[:qualifier]". It
// reports ok=false for anything else. region and account are the gateway's.
func parseFunctionName(s, region, account string) (ref functionRef, ok bool) {
	parts := strings.Split(s, ":")
	var name, qualifier string
	var qualified bool
	switch {
	case len(parts) <= 2:
		name = parts[0]
		if qualified = len(parts) == 2; qualified {
			qualifier = parts[1]
		}
	case parts[0] == "arn":
		if (len(parts) != 7 && len(parts) != 8) || !strings.HasPrefix(parts[1], "aws") || parts[2] != "lambda" ||
			parts[3] == "" || !accountPart.MatchString(parts[4]) || parts[5] != "function" {
			return ref, false
		}
		name = parts[6]
		if qualified = len(parts) == 8; qualified {
			qualifier = parts[7]
		}
		ref.Foreign = parts[3] != region || parts[4] != account
	case parts[1] == "function":
		if (len(parts) != 3 && len(parts) != 4) || !accountPart.MatchString(parts[0]) {
			return ref, false
		}
		name = parts[2]
		if qualified = len(parts) == 4; qualified {
			qualifier = parts[3]
		}
		ref.Foreign = parts[0] != account
	default:
		return ref, false
	}
	if !namePart.MatchString(name) {
		return ref, false
	}
	if qualified && !qualifierPart.MatchString(qualifier) {
		return ref, false
	}
	ref.Name, ref.Qualifier = name, qualifier
	return ref, true
}
