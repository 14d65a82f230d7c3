// Handlers of the Node.js acceptance cases (N2..N42), one export per case.
exports.n2 = async () => 'ok';
exports.n3 = async () => {};
exports.n4 = (e) => 42;
exports.n5 = (e) => Promise.resolve(7);
exports.n6 = (e, c, cb) => cb(null, { a: 1 });
exports.n7 = (e, c, cb) => {
  cb(null, 'x');
  setTimeout(() => console.log('late'), 300);
};
exports.n8 = (e, c, cb) => {
  c.callbackWaitsForEmptyEventLoop = false;
  cb(null, 'x');
  setTimeout(() => console.log('late'), 1000);
};
exports.n9 = (e, c, cb) => cb(new Error('bad'));
exports.n10 = (e, c, cb) => cb('oops');
exports.n11a = (e, c) => {
  c.succeed({ a: 1 });
};
exports.n11b = (e, c) => {
  c.fail();
};
exports.n11c = (e, c) => {
  c.done(null, 'r');
};
exports.n12 = async (e, c) => {
  c.succeed('a');
  return 'b';
};
exports.n13 = async () => {
  throw new TypeError('t');
};
class V extends Error {}
class W extends Error {
  constructor(m) {
    super(m);
    this.name = 'ValidationError';
  }
}
exports.n14a = async () => {
  throw new V('v');
};
exports.n14b = async () => {
  throw new W('v');
};
exports.n15 = async () => {
  throw { code: 1 };
};
exports.n16 = async () => new Promise(() => {});
exports.n17 = async () => {
  setInterval(() => {}, 100);
  await new Promise(() => {});
};
exports.n18 = async (e) => {
  if (e.boom) {
    setTimeout(() => {
      throw new Error('boom');
    }, 10);
  }
  await new Promise((r) => setTimeout(r, 100));
  return 1;
};
exports.n19 = async () => {
  Promise.reject(new Error('r'));
  await new Promise((r) => setTimeout(r, 50));
};
exports.n20 = async () => process.exit(3);
exports.n21a = async () => {
  const o = {};
  o.o = o;
  return o;
};
exports.n21b = async () => 1n;
exports.n22 = async () => ({ d: new Date(0), u: undefined, n: NaN });
exports.n35 = async (e, c) => JSON.stringify(c);
exports.n36 = async (e, c) => [c.getRemainingTimeInMillis(), await new Promise((r) => setTimeout(r, 200)), c.getRemainingTimeInMillis()];
exports.n37 = async () => {
  console.log('a\nb', { x: 1 });
  console.warn('w');
  console.error('e');
  console.debug('d');
  console.trace('t');
};
exports.n39 = async () => [
  process.env._X_AMZN_TRACE_ID,
  process.env.AWS_EXECUTION_ENV,
  process.env._HANDLER,
  process.env.LAMBDA_TASK_ROOT === process.cwd(),
  process.env.NODE_PATH,
  process.env.TZ,
];
exports.n40 = async (e, c) => [c.clientContext, c.identity];
exports.n42 = async (e) => ({ statusCode: 201, body: e.rawPath });
exports.pid = async () => process.pid;
exports.flood = async () => {
  const line = 'x'.repeat(1000);
  for (let i = 0; i < 20000; i++) process.stdout.write(line + '\n');
  return 'flooded';
};
exports.echo = async (e) => e;
exports.layer = async () => require('greeting')('node');
exports.slow = async () => {
  await new Promise((r) => setTimeout(r, 300));
  return process.pid;
};
