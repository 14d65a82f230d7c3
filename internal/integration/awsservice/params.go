package awsservice

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// params are the resolved request parameters of one request: the
// subtype's parameter names to their string values. Absent names had no
// value (their sources were missing). The accessors coerce a string to the
// target API's type; a value that cannot be coerced is a *paramError,
// answered 400 Bad Request.
type params map[string]string

// paramError is a request-time parameter value the target API cannot take.
type paramError struct {
	Name, Value, Want string
}

func (e *paramError) Error() string {
	return fmt.Sprintf("parameter %s: value %q is not %s", e.Name, e.Value, e.Want)
}

// str returns the value of name, nil when absent.
func (p params) str(name string) *string {
	if v, ok := p[name]; ok {
		return aws.String(v)
	}
	return nil
}

// int32 parses the value of name as a decimal integer ("10", " 10 ");
// absent gives 0.
func (p params) int32(name string) (int32, error) {
	v, ok := p[name]
	if !ok {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return 0, &paramError{name, v, "an integer"}
	}
	return int32(n), nil
}

// list parses the value of name as a JSON array of strings
// (["All","SenderId"]) or, when it does not start with "[", as a comma
// list (All, SenderId), items trimmed, empty items dropped. Absent gives
// nil.
func (p params) list(name string) ([]string, error) {
	v, ok := p[name]
	if !ok {
		return nil, nil
	}
	t := strings.TrimSpace(v)
	if strings.HasPrefix(t, "[") {
		var out []string
		if err := json.Unmarshal([]byte(t), &out); err != nil {
			return nil, &paramError{name, v, "a JSON array of strings"}
		}
		return out, nil
	}
	var out []string
	for _, s := range strings.Split(t, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// object decodes the value of name as a JSON object into dst (a pointer to
// a map of the SDK's type); absent leaves dst unchanged.
func (p params) object(name string, dst any) error {
	v, ok := p[name]
	if !ok {
		return nil
	}
	if err := json.Unmarshal([]byte(v), dst); err != nil {
		return &paramError{name, v, "a JSON object in the shape of the service API"}
	}
	return nil
}

// time parses the value of name as an RFC 3339 timestamp or as seconds
// since the epoch (fractions allowed); absent gives nil.
func (p params) time(name string) (*time.Time, error) {
	v, ok := p[name]
	if !ok {
		return nil, nil
	}
	t := strings.TrimSpace(v)
	if ts, err := time.Parse(time.RFC3339Nano, t); err == nil {
		return &ts, nil
	}
	if f, err := strconv.ParseFloat(t, 64); err == nil {
		ts := time.Unix(0, int64(f*1e9)).UTC()
		return &ts, nil
	}
	return nil, &paramError{name, v, "an RFC 3339 timestamp or epoch seconds"}
}
