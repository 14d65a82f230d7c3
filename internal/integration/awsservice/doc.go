// Package awsservice implements AWS service integrations ("first-class
// integrations", https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-aws-services-reference.html): an AWS_PROXY integration
// with an integrationSubtype calls one AWS API action with the AWS SDK for
// Go v2, its parameters filled from the integration's requestParameters.
//
// # Use
//
// One Clients per gateway (NewClients: endpoints and credentials from the
// config's aws section, else the SDK's default chain), shared by every
// compiled snapshot; one Invoker per integration (New), built at compile
// time, which parses every parameter value with package parammap. At
// request time the values are resolved, coerced to the API's types and the
// action is called with the integration timeout. SDK clients are created
// lazily, one per service and region (the Region parameter, else the
// gateway's region), with one attempt (no SDK retries).
//
// # Choices where AWS's behaviour is undocumented by AWS (our choice: docs/compatibility.md#aws-service-integrations)
//
//   - Success: status 200 and the service's JSON answer with the service's
//     member names. EventBridge: {"Entries":[{"EventId":...}],
//     "FailedEntryCount":0}; Kinesis: {"SequenceNumber","ShardId"} (and
//     EncryptionType when set); Step Functions: lowerCamel members
//     (executionArn, startDate in epoch seconds, ...). SQS, a Query-era
//     service, answers in the JSON rendering of its Query responses, every
//     member present and null when absent:
//     {"SendMessageResponse":{"ResponseMetadata":{"RequestId":...},
//     "SendMessageResult":{...}}}, {"ReceiveMessageResponse":
//     {"ReceiveMessageResult":{"messages":[...]|null},"ResponseMetadata":...}},
//     {"DeleteMessageResponse":{"ResponseMetadata":...}},
//     {"PurgeQueueResponse":{"ResponseMetadata":...}}. AppConfig
//     GetConfiguration answers the configuration's content with its content
//     type.
//   - Service errors (an HTTP status of 400 or more with an AWS error):
//     the service's status, body {"message":"<the service's message>"}
//     (the error code when there is no message) and x-amzn-ErrorType with
//     the error code. Failures without a service answer (connection
//     refused, a malformed answer, bad credentials that never reach the
//     service) are 500 {"message":"Internal Server Error"}.
//   - The integration timeout (timeoutInMillis) is 503
//     {"message":"Service Unavailable"}, as for Lambda.
//   - A required parameter whose sources are all missing in a request, or a
//     value the API cannot take (see coercion), is 400
//     {"message":"Bad Request"}: the client's request lacks what the
//     mapping reads. Optional parameters without a value are not sent.
//   - Coercion of the string values: DelaySeconds, MaxNumberOfMessages,
//     VisibilityTimeout and WaitTimeSeconds are decimal integers;
//     Resources, AttributeNames and MessageAttributeNames are a JSON array
//     of strings or a comma list; MessageAttributes and
//     MessageSystemAttributes are JSON objects in the SQS API's shape
//     ({"n":{"DataType":"String","StringValue":"v"}}, BinaryValue in
//     base64); EventBridge Time is RFC 3339 or epoch seconds; Kinesis Data
//     is the raw bytes of the value (the SDK base64-encodes them on the
//     wire, so the record holds exactly the mapped text). Every other
//     parameter is sent as a string. EventBridge PutEvents sends a single
//     entry.
//   - credentialsArn is recorded and logged at debug level with each call;
//     the role is not assumed: calls are signed with the configured
//     credentials (or the default chain).
//   - With a configured endpoint, host prefixes are disabled
//     (StartSyncExecution's "sync-"), so one local endpoint serves every
//     action of a service.
package awsservice
