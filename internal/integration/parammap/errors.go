package parammap

import "fmt"

// ParseError is one invalid entry of a requestParameters or
// responseParameters map. Its conditions are those of the control plane's
// validation (package model, validate_params.go), which accepts a superset:
// the compiler also refuses what model cannot check, such as JSONPath syntax
// it does not support and $context variables that are unknown or not known
// yet when the mapping runs.
type ParseError struct {
	// Status is the status-code key of a response parameter ("404"); empty
	// for request parameters.
	Status string
	// Key is the mapping key ("append:header.x-id", "overwrite:path").
	Key string
	// Value is the mapping value as configured.
	Value string
	// Detail says what is wrong.
	Detail string
}

// Error returns the problem in the form "requestParameters[KEY]: DETAIL" or
// "responseParameters[STATUS][KEY]: DETAIL".
func (e *ParseError) Error() string {
	if e.Status != "" {
		return fmt.Sprintf("responseParameters[%s][%s]: %s", e.Status, e.Key, e.Detail)
	}
	return fmt.Sprintf("requestParameters[%s]: %s", e.Key, e.Detail)
}
