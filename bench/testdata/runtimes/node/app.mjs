// The benchmark's Node.js handler: the same work as bench/internal/lambdafn
// (decode the 2.0 event's JSON body, answer a small JSON body).
export const handler = async (event) => {
  if (event.rawPath.startsWith('/capnode/')) return { statusCode: 200, body: JSON.stringify({ event }) };
  if (event.rawPath === '/pid/node') return { statusCode: 200, body: String(process.pid) };
  const body = JSON.parse(event.body || '{}');
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: event.pathParameters?.id, route: event.routeKey, received: event.body.length, name: body.name }),
  };
};
