package awserr

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/apigwdev/apigw/internal/model"
)

func TestWrite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantType   string
		wantBody   string
	}{
		{"not found", NotFound("", "Invalid API identifier specified %s:%s", "000000000000", "abc"), 404, TypeNotFound,
			`{"message":"Invalid API identifier specified 000000000000:abc"}`},
		{"not found with resource type", NotFound("Api", "gone"), 404, TypeNotFound, `{"message":"gone","resourceType":"Api"}`},
		{"bad request", BadRequest("bad"), 400, TypeBadRequest, `{"message":"bad"}`},
		{"conflict", Conflict("dup"), 409, TypeConflict, `{"message":"dup"}`},
		{"too many", TooManyRequests("", "slow down"), 429, TypeTooManyRequests, `{"message":"slow down"}`},
		{"access denied", AccessDenied("no"), 403, TypeAccessDenied, `{"message":"no"}`},
		{"wrapped", fmt.Errorf("creating route: %w", BadRequest("inner")), 400, TypeBadRequest, `{"message":"inner"}`},
		{"validation", &model.ValidationError{Resource: "route", Field: "routeKey", Message: "One or more path parts appear to be invalid"}, 400, TypeBadRequest,
			`{"message":"One or more path parts appear to be invalid"}`},
		{"validation conflict", model.ValidationErrors{{Message: "first"}, {Message: "clash", Conflict: true}}, 409, TypeConflict, `{"message":"clash"}`},
		{"internal", errors.New("disk on fire"), 500, TypeInternal, `{"message":"Internal server error"}`},
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			Write(rec, tt.err)
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d; want %d", rec.Code, tt.wantStatus)
			}
			if got := rec.Header().Get("X-Amzn-Errortype"); got != tt.wantType {
				t.Errorf("x-amzn-ErrorType = %q; want %q", got, tt.wantType)
			}
			if got := rec.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
			if got := rec.Header().Get("X-Amzn-Requestid"); !uuid.MatchString(got) {
				t.Errorf("x-amzn-RequestId = %q; want a UUID", got)
			}
			if got := rec.Body.String(); got != tt.wantBody {
				t.Errorf("body = %s; want %s", got, tt.wantBody)
			}
			var v map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
				t.Errorf("body is not JSON: %v", err)
			}
		})
	}
}

func TestWriteKeepsRequestID(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	rec.Header().Set(HeaderRequestID, "given")
	Write(rec, BadRequest("x"))
	if got := rec.Header().Get(HeaderRequestID); got != "given" {
		t.Errorf("request id = %q; want the one already set", got)
	}
}

func TestInternalHidesCause(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	e := Write(rec, errors.New("secret path /var/x"))
	if !errors.Is(e, e.Cause) || e.Cause == nil {
		t.Fatalf("cause lost: %v", e)
	}
	if rec.Code != http.StatusInternalServerError || regexp.MustCompile(`secret`).MatchString(rec.Body.String()) {
		t.Errorf("internal error leaked: %d %s", rec.Code, rec.Body)
	}
}
