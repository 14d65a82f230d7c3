package awsservice

import (
	"context"
	"encoding/json"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/appconfig"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go/middleware"
)

// result is a successful service answer, sent to the client with status
// 200.
type result struct {
	body        []byte
	contentType string
}

// operation calls one service action with the resolved parameters.
type operation func(ctx context.Context, c *Clients, region string, p params) (*result, error)

// operations are the subtypes of https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-aws-services-reference.html.
var operations = map[string]operation{
	"EventBridge-PutEvents":            putEvents,
	"SQS-SendMessage":                  sendMessage,
	"SQS-ReceiveMessage":               receiveMessage,
	"SQS-DeleteMessage":                deleteMessage,
	"SQS-PurgeQueue":                   purgeQueue,
	"AppConfig-GetConfiguration":       getConfiguration,
	"Kinesis-PutRecord":                putRecord,
	"StepFunctions-StartExecution":     startExecution,
	"StepFunctions-StartSyncExecution": startSyncExecution,
	"StepFunctions-StopExecution":      stopExecution,
}

func jsonResult(v any) (*result, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &result{body: b, contentType: "application/json"}, nil
}

// epoch renders a time as the JSON protocols do: seconds since the epoch,
// with a fraction.
func epoch(t *time.Time) *float64 {
	if t == nil {
		return nil
	}
	f := float64(t.UnixMilli()) / 1e3
	return &f
}

// --- EventBridge ---

func putEvents(ctx context.Context, c *Clients, region string, p params) (*result, error) {
	res, err := p.list("Resources")
	if err != nil {
		return nil, err
	}
	t, err := p.time("Time")
	if err != nil {
		return nil, err
	}
	cl := client(c, "eventbridge", region, func(cfg aws.Config) *eventbridge.Client { return eventbridge.NewFromConfig(cfg) })
	out, err := cl.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		Detail:       p.str("Detail"),
		DetailType:   p.str("DetailType"),
		Source:       p.str("Source"),
		EventBusName: p.str("EventBusName"),
		Resources:    res,
		Time:         t,
		TraceHeader:  p.str("TraceHeader"),
	}}})
	if err != nil {
		return nil, err
	}
	type entry struct {
		ErrorCode    *string `json:"ErrorCode,omitempty"`
		ErrorMessage *string `json:"ErrorMessage,omitempty"`
		EventID      *string `json:"EventId,omitempty"`
	}
	body := struct {
		Entries          []entry `json:"Entries"`
		FailedEntryCount int32   `json:"FailedEntryCount"`
	}{Entries: []entry{}, FailedEntryCount: out.FailedEntryCount}
	for _, e := range out.Entries {
		body.Entries = append(body.Entries, entry{e.ErrorCode, e.ErrorMessage, e.EventId})
	}
	return jsonResult(body)
}

// --- SQS: answered in the JSON rendering of the Query protocol's
// responses (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-aws-services-reference.html), every member present, absent
// ones null. ---

type sqsMetadata struct {
	RequestID string `json:"RequestId"`
}

func requestID(md middleware.Metadata) string {
	id, _ := awsmiddleware.GetRequestIDMetadata(md)
	return id
}

func sqsClient(c *Clients, region string) *sqs.Client {
	return client(c, "sqs", region, func(cfg aws.Config) *sqs.Client { return sqs.NewFromConfig(cfg) })
}

func sendMessage(ctx context.Context, c *Clients, region string, p params) (*result, error) {
	in := &sqs.SendMessageInput{
		QueueUrl:               p.str("QueueUrl"),
		MessageBody:            p.str("MessageBody"),
		MessageDeduplicationId: p.str("MessageDeduplicationId"),
		MessageGroupId:         p.str("MessageGroupId"),
	}
	var err error
	if in.DelaySeconds, err = p.int32("DelaySeconds"); err != nil {
		return nil, err
	}
	if err := p.object("MessageAttributes", &in.MessageAttributes); err != nil {
		return nil, err
	}
	if err := p.object("MessageSystemAttributes", &in.MessageSystemAttributes); err != nil {
		return nil, err
	}
	out, err := sqsClient(c, region).SendMessage(ctx, in)
	if err != nil {
		return nil, err
	}
	type sendResult struct {
		MD5OfMessageAttributes       *string
		MD5OfMessageBody             *string
		MD5OfMessageSystemAttributes *string
		MessageID                    *string `json:"MessageId"`
		SequenceNumber               *string
	}
	type sendResponse struct {
		ResponseMetadata  sqsMetadata
		SendMessageResult sendResult
	}
	return jsonResult(struct{ SendMessageResponse sendResponse }{sendResponse{
		ResponseMetadata: sqsMetadata{requestID(out.ResultMetadata)},
		SendMessageResult: sendResult{out.MD5OfMessageAttributes, out.MD5OfMessageBody,
			out.MD5OfMessageSystemAttributes, out.MessageId, out.SequenceNumber},
	}})
}

func receiveMessage(ctx context.Context, c *Clients, region string, p params) (*result, error) {
	in := &sqs.ReceiveMessageInput{
		QueueUrl:                p.str("QueueUrl"),
		ReceiveRequestAttemptId: p.str("ReceiveRequestAttemptId"),
	}
	names, err := p.list("AttributeNames")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		//lint:ignore SA1019 the subtype's parameter is AttributeNames, sent as such.
		in.AttributeNames = append(in.AttributeNames, sqstypes.QueueAttributeName(n))
	}
	if in.MessageAttributeNames, err = p.list("MessageAttributeNames"); err != nil {
		return nil, err
	}
	if in.MaxNumberOfMessages, err = p.int32("MaxNumberOfMessages"); err != nil {
		return nil, err
	}
	if in.VisibilityTimeout, err = p.int32("VisibilityTimeout"); err != nil {
		return nil, err
	}
	if in.WaitTimeSeconds, err = p.int32("WaitTimeSeconds"); err != nil {
		return nil, err
	}
	out, err := sqsClient(c, region).ReceiveMessage(ctx, in)
	if err != nil {
		return nil, err
	}
	type attr struct {
		BinaryValue []byte  `json:"BinaryValue"`
		DataType    *string `json:"DataType"`
		StringValue *string `json:"StringValue"`
	}
	type message struct {
		Attributes             map[string]string
		Body                   *string
		MD5OfBody              *string
		MD5OfMessageAttributes *string
		MessageAttributes      map[string]attr
		MessageID              *string `json:"MessageId"`
		ReceiptHandle          *string
	}
	type receiveResult struct {
		Messages []message `json:"messages"`
	}
	type receiveResponse struct {
		ReceiveMessageResult receiveResult
		ResponseMetadata     sqsMetadata
	}
	var msgs []message
	for _, m := range out.Messages {
		mm := message{Attributes: m.Attributes, Body: m.Body, MD5OfBody: m.MD5OfBody,
			MD5OfMessageAttributes: m.MD5OfMessageAttributes, MessageID: m.MessageId, ReceiptHandle: m.ReceiptHandle}
		if len(m.MessageAttributes) > 0 {
			mm.MessageAttributes = make(map[string]attr, len(m.MessageAttributes))
			for k, a := range m.MessageAttributes {
				mm.MessageAttributes[k] = attr{a.BinaryValue, a.DataType, a.StringValue}
			}
		}
		msgs = append(msgs, mm)
	}
	return jsonResult(struct{ ReceiveMessageResponse receiveResponse }{receiveResponse{
		ReceiveMessageResult: receiveResult{msgs},
		ResponseMetadata:     sqsMetadata{requestID(out.ResultMetadata)},
	}})
}

type sqsEmptyResponse struct {
	ResponseMetadata sqsMetadata
}

func deleteMessage(ctx context.Context, c *Clients, region string, p params) (*result, error) {
	out, err := sqsClient(c, region).DeleteMessage(ctx, &sqs.DeleteMessageInput{
		QueueUrl: p.str("QueueUrl"), ReceiptHandle: p.str("ReceiptHandle"),
	})
	if err != nil {
		return nil, err
	}
	return jsonResult(struct{ DeleteMessageResponse sqsEmptyResponse }{sqsEmptyResponse{sqsMetadata{requestID(out.ResultMetadata)}}})
}

func purgeQueue(ctx context.Context, c *Clients, region string, p params) (*result, error) {
	out, err := sqsClient(c, region).PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: p.str("QueueUrl")})
	if err != nil {
		return nil, err
	}
	return jsonResult(struct{ PurgeQueueResponse sqsEmptyResponse }{sqsEmptyResponse{sqsMetadata{requestID(out.ResultMetadata)}}})
}

// --- AppConfig: the configuration's content, with its content type. ---

func getConfiguration(ctx context.Context, c *Clients, region string, p params) (*result, error) {
	cl := client(c, "appconfig", region, func(cfg aws.Config) *appconfig.Client { return appconfig.NewFromConfig(cfg) })
	//lint:ignore SA1019 the subtype names the legacy GetConfiguration, not AppConfigData.
	out, err := cl.GetConfiguration(ctx, &appconfig.GetConfigurationInput{
		Application:                p.str("Application"),
		Environment:                p.str("Environment"),
		Configuration:              p.str("Configuration"),
		ClientId:                   p.str("ClientId"),
		ClientConfigurationVersion: p.str("ClientConfigurationVersion"),
	})
	if err != nil {
		return nil, err
	}
	ct := aws.ToString(out.ContentType)
	if ct == "" {
		ct = "application/octet-stream"
	}
	return &result{body: out.Content, contentType: ct}, nil
}

// --- Kinesis ---

func putRecord(ctx context.Context, c *Clients, region string, p params) (*result, error) {
	in := &kinesis.PutRecordInput{
		StreamName:                p.str("StreamName"),
		PartitionKey:              p.str("PartitionKey"),
		SequenceNumberForOrdering: p.str("SequenceNumberForOrdering"),
		ExplicitHashKey:           p.str("ExplicitHashKey"),
	}
	if d, ok := p["Data"]; ok {
		// The value's bytes are the record; the SDK base64-encodes them on
		// the wire.
		in.Data = []byte(d)
	}
	cl := client(c, "kinesis", region, func(cfg aws.Config) *kinesis.Client { return kinesis.NewFromConfig(cfg) })
	out, err := cl.PutRecord(ctx, in)
	if err != nil {
		return nil, err
	}
	return jsonResult(struct {
		EncryptionType string  `json:"EncryptionType,omitempty"`
		SequenceNumber *string `json:"SequenceNumber"`
		ShardID        *string `json:"ShardId"`
	}{string(out.EncryptionType), out.SequenceNumber, out.ShardId})
}

// --- Step Functions (lowerCamel member names, dates in epoch seconds) ---

func sfnClient(c *Clients, region string) *sfn.Client {
	return client(c, "sfn", region, func(cfg aws.Config) *sfn.Client { return sfn.NewFromConfig(cfg) })
}

func startExecution(ctx context.Context, c *Clients, region string, p params) (*result, error) {
	out, err := sfnClient(c, region).StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: p.str("StateMachineArn"), Name: p.str("Name"), Input: p.str("Input"),
	})
	if err != nil {
		return nil, err
	}
	return jsonResult(struct {
		ExecutionARN *string  `json:"executionArn"`
		StartDate    *float64 `json:"startDate"`
	}{out.ExecutionArn, epoch(out.StartDate)})
}

func startSyncExecution(ctx context.Context, c *Clients, region string, p params) (*result, error) {
	out, err := sfnClient(c, region).StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{
		StateMachineArn: p.str("StateMachineArn"), Name: p.str("Name"), Input: p.str("Input"),
		TraceHeader: p.str("TraceHeader"),
	})
	if err != nil {
		return nil, err
	}
	type billing struct {
		BilledDurationInMilliseconds int64 `json:"billedDurationInMilliseconds"`
		BilledMemoryUsedInMB         int64 `json:"billedMemoryUsedInMB"`
	}
	type details struct {
		Included bool `json:"included"`
	}
	body := struct {
		BillingDetails  *billing `json:"billingDetails,omitempty"`
		Cause           *string  `json:"cause,omitempty"`
		Error           *string  `json:"error,omitempty"`
		ExecutionARN    *string  `json:"executionArn,omitempty"`
		Input           *string  `json:"input,omitempty"`
		InputDetails    *details `json:"inputDetails,omitempty"`
		Name            *string  `json:"name,omitempty"`
		Output          *string  `json:"output,omitempty"`
		OutputDetails   *details `json:"outputDetails,omitempty"`
		StartDate       *float64 `json:"startDate,omitempty"`
		StateMachineARN *string  `json:"stateMachineArn,omitempty"`
		Status          string   `json:"status,omitempty"`
		StopDate        *float64 `json:"stopDate,omitempty"`
		TraceHeader     *string  `json:"traceHeader,omitempty"`
	}{
		Cause: out.Cause, Error: out.Error, ExecutionARN: out.ExecutionArn, Input: out.Input,
		Name: out.Name, Output: out.Output, StartDate: epoch(out.StartDate),
		StateMachineARN: out.StateMachineArn, Status: string(out.Status),
		StopDate: epoch(out.StopDate), TraceHeader: out.TraceHeader,
	}
	if b := out.BillingDetails; b != nil {
		body.BillingDetails = &billing{b.BilledDurationInMilliseconds, b.BilledMemoryUsedInMB}
	}
	if d := out.InputDetails; d != nil {
		body.InputDetails = &details{d.Included}
	}
	if d := out.OutputDetails; d != nil {
		body.OutputDetails = &details{d.Included}
	}
	return jsonResult(body)
}

func stopExecution(ctx context.Context, c *Clients, region string, p params) (*result, error) {
	out, err := sfnClient(c, region).StopExecution(ctx, &sfn.StopExecutionInput{
		ExecutionArn: p.str("ExecutionArn"), Cause: p.str("Cause"), Error: p.str("Error"),
	})
	if err != nil {
		return nil, err
	}
	return jsonResult(struct {
		StopDate *float64 `json:"stopDate"`
	}{epoch(out.StopDate)})
}
