package controlplane_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
)

func TestSmoke(t *testing.T) {
	e := start(t)
	out, err := e.client.CreateApi(ctx(t), &apigatewayv2.CreateApiInput{Name: aws.String("x"), ProtocolType: types.ProtocolTypeHttp})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", *out.ApiId)
}
