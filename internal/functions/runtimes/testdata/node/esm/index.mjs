export const handler = async (e) => ({ statusCode: 200, body: e.x });
