package gwerr

import (
	"errors"
	"net/http/httptest"
	"strconv"
	"testing"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		err         *Error
		status      int
		body        string
		contentType string
	}{
		{New(NotFound, errors.New("no route")), 404, `{"message":"Not Found"}`, "application/json"},
		{New(Unauthorized, nil), 401, `{"message":"Unauthorized"}`, ""},
		{New(ServiceUnavailable, nil), 503, `{"message":"Service Unavailable"}`, ""},
		{&Error{Kind: Forbidden, Message: "Signature expired: 20201027T123008Z is now earlier than 20201027T125507Z (20201027T130007Z - 5 min.)"},
			403, `{"message":"Signature expired: 20201027T123008Z is now earlier than 20201027T125507Z (20201027T130007Z - 5 min.)"}`, "application/json"},
		// Quotes and control characters are escaped; "<" and ">" are kept as
		// AWS writes them.
		{&Error{Kind: Forbidden, Message: "a \"quoted\" <redacted>\n"}, 403, `{"message":"a \"quoted\" <redacted>\n"}`, "application/json"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		Write(rec, tt.err)
		if rec.Code != tt.status || rec.Body.String() != tt.body {
			t.Errorf("%v: wrote %d %s; want %d %s", tt.err, rec.Code, rec.Body, tt.status, tt.body)
		}
		if got := rec.Header().Get("Content-Type"); got != tt.contentType {
			t.Errorf("%v: content-type %q; want %q", tt.err, got, tt.contentType)
		}
		if got := rec.Header().Get("Content-Length"); got != strconv.Itoa(len(tt.body)) {
			t.Errorf("%v: content-length %s; want %d", tt.err, got, len(tt.body))
		}
		if tt.err.Cause != nil && rec.Body.String() != tt.err.Kind.Body() {
			t.Errorf("%v: the cause reached the body", tt.err)
		}
	}
}

func TestText(t *testing.T) {
	if got := New(TooManyRequests, errors.New("bucket empty")).Text(); got != "Too Many Requests" {
		t.Errorf("Text() = %q", got)
	}
	if got := (&Error{Kind: Forbidden, Message: "The security token included in the request is invalid."}).Text(); got != "The security token included in the request is invalid." {
		t.Errorf("Text() = %q", got)
	}
}
