// A Node.js function run on the machine's own node: no build, nothing to
// install. apigw loads app.mjs and calls lambdaHandler as Lambda's nodejs20.x
// runtime would (handler: app.lambdaHandler in apigw.yaml).
export const lambdaHandler = async (event, context) => {
  const name = event.queryStringParameters?.name ?? 'world';
  console.log('greeting', name);
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message: `Hello, ${name}!`, node: process.version, requestId: context.awsRequestId }),
  };
};
