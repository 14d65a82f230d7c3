package parammap

import (
	"errors"
	"io"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/apigwdev/apigw/internal/invoke"
)

func TestValues(t *testing.T) {
	t.Parallel()
	v, err := CompileValues(map[string]string{
		"QueueUrl":    "https://sqs/${stageVariables.q}",
		"MessageBody": "$request.body.message",
		"Group":       "$request.header.x-group",
		"Static":      "text",
	})
	if err != nil {
		t.Fatal(err)
	}
	hr := httptest.NewRequest("POST", "/x", strings.NewReader(`{"message":"hi"}`))
	req := &invoke.Request{HTTP: hr, StageVariables: map[string]string{"q": "q1"}}
	got, err := v.Resolve(req)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"QueueUrl": "https://sqs/q1", "MessageBody": "hi", "Static": "text"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Resolve = %v; want %v", got, want)
	}
	if b, _ := io.ReadAll(req.HTTP.Body); string(b) != `{"message":"hi"}` {
		t.Errorf("body after Resolve = %q; want it whole", b)
	}
}

func TestCompileValuesErrors(t *testing.T) {
	t.Parallel()
	_, err := CompileValues(map[string]string{"A": "$request.bogus", "B": "$context.status"})
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Key != "A" || !strings.Contains(err.Error(), "requestParameters[B]") {
		t.Errorf("err = %v; want ParseErrors for A and B", err)
	}
	if v, err := CompileValues(nil); v != nil || err != nil {
		t.Errorf("CompileValues(nil) = %v, %v; want nil, nil", v, err)
	}
}
