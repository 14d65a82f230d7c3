// apigw's Node.js bootstrap: a Lambda runtime interface client for Node.js 18
// and later, with node: built-ins only. apigw writes this file, read-only, to
// {dataDir}/runtime/{hash}/index.mjs (LAMBDA_RUNTIME_DIR) and runs
//
//   node --expose-gc --max-http-header-size 81920 [heap flags] index.mjs
//
// in the function's code directory (LAMBDA_TASK_ROOT) with AWS_LAMBDA_RUNTIME_API
// pointing at the instance's Runtime API. It loads _HANDLER and serves
// invocations one at a time, as Lambda's managed Node.js runtimes do:
// https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html (handlers,
// the event loop), nodejs-context.html (the context object), nodejs-exceptions.html
// (error bodies), nodejs-logging.html (log lines). Behaviour that could not be
// confirmed against Lambda is listed in apigw's docs/compatibility.md#runtimes.

import fs from 'node:fs';
import net from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import util from 'node:util';
import { Writable } from 'node:stream';

// require is rooted here, so Node's "Require stack:" ends with this file, as
// Lambda's ends with /var/runtime/index.mjs.
const require = createRequire(import.meta.url);
const env = process.env;

// ---- errors ---------------------------------------------------------------

// runtimeError makes the Runtime.* error classes: their name is
// "Runtime.{Name}" and an Error given as the reason becomes String(reason).
function runtimeError(name) {
  const cls = class extends Error {};
  Object.defineProperty(cls, 'name', { value: name });
  cls.prototype.name = `Runtime.${name}`;
  return cls;
}
const ImportModuleError = runtimeError('ImportModuleError');
const HandlerNotFound = runtimeError('HandlerNotFound');
const MalformedHandlerName = runtimeError('MalformedHandlerName');
const UserCodeSyntaxError = runtimeError('UserCodeSyntaxError');
const CallbackHandlerDeprecated = runtimeError('CallbackHandlerDeprecated');
const NodeJsExit = runtimeError('NodeJsExit');
class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}
UnhandledPromiseRejection.prototype.name = 'Runtime.UnhandledPromiseRejection';

const nodeJsExitMessage =
  'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes';

function looksLikeError(e) {
  return e && typeof e.name === 'string' && typeof e.message === 'string' && typeof e.stack === 'string';
}

const del = (s) => (typeof s === 'string' ? s.replace(/\x7F/g, '%7F') : s);

// errorBody is the body posted to /error and /init/error.
function errorBody(e) {
  try {
    if (util.types.isNativeError(e) || looksLikeError(e)) {
      return { errorType: del(e.name), errorMessage: del(e.message), trace: del(e.stack).split('\n') };
    }
    return { errorType: typeof e, errorMessage: e.toString(), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

// withOwnFields renders an Error for error logs: type, message, code, its own
// enumerable fields and the stack as lines.
function withOwnFields(v) {
  if (!(v instanceof Error)) return v;
  const out = Object.assign({ errorType: v.name, errorMessage: v.message, code: v.code }, v);
  if (typeof v.stack === 'string') out.stack = v.stack.split('\n');
  return out;
}

function formatted(e) {
  try {
    return '\t' + JSON.stringify(e, (_k, v) => withOwnFields(v));
  } catch {
    return '\t' + JSON.stringify(errorBody(e));
  }
}

const intoError = (e) => (e instanceof Error ? e : new Error(e));

// ---- logging --------------------------------------------------------------

const levels = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
const jsonLogs = (env.AWS_LAMBDA_LOG_FORMAT || '').toUpperCase() === 'JSON';
let minLevel = levels.indexOf((env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase());
if (minLevel < 0) minLevel = 0;
let currentRequestId; // of the running (or last) invocation; undefined before the first
let currentTenantId;
const stdoutWrite = process.stdout.write.bind(process.stdout);

function errorReplacer(_k, v) {
  if (v instanceof Error) {
    return Object.assign(
      { errorType: v?.constructor?.name ?? 'UnknownError', errorMessage: v.message, stackTrace: typeof v.stack === 'string' ? v.stack.split('\n') : v.stack },
      v,
    );
  }
  return v;
}

function textLine(level, args) {
  return `${new Date().toISOString()}\t${currentRequestId}\t${level}\t${util.format(...args)}`;
}

function jsonLine(level, args) {
  const rec = { timestamp: new Date().toISOString(), level, requestId: currentRequestId };
  if (currentTenantId !== undefined) rec.tenantId = currentTenantId;
  if (args.length <= 1) {
    rec.message = args[0];
    try {
      return JSON.stringify(rec, errorReplacer);
    } catch {
      rec.message = util.format(rec.message);
      return JSON.stringify(rec);
    }
  }
  rec.message = util.format(...args);
  for (const a of args) {
    if (a instanceof Error) {
      rec.errorType = a?.constructor?.name ?? 'UnknownError';
      rec.errorMessage = a.message;
      rec.stackTrace = typeof a.stack === 'string' ? a.stack.split('\n') : [];
      break;
    }
  }
  return JSON.stringify(rec, errorReplacer);
}

// One record per line: a newline inside a record is written as \r, as the
// managed runtimes do when they log to stdout (apigw shows it as a newline).
function emit(level, args) {
  const line = jsonLogs ? jsonLine(level, args) : textLine(level, args);
  stdoutWrite(line.replace(/\n/g, '\r') + '\n');
}

function patchConsole() {
  const methods = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', log: 'INFO', warn: 'WARN', error: 'ERROR' };
  for (const [m, level] of Object.entries(methods)) {
    console[m] = levels.indexOf(level) >= minLevel ? (...args) => emit(level, args) : () => {};
  }
  console.fatal = (...args) => emit('FATAL', args);
}

// logError logs an invocation's or the runtime's failure at ERROR.
function logError(label, err) {
  if (jsonLogs) console.error(intoError(err));
  else console.error(label, formatted(intoError(err)));
}

// ---- Runtime API client ---------------------------------------------------

// A Runtime API client: HTTP/1.1 over kept-alive connections, by hand
// (node:http's client costs a warm invocation a few hundred microseconds).
// An idle connection is unref'd, so that it does not keep the event loop
// alive: the callback handlers' "wait for an empty event loop" relies on it.
// A request made while another is in flight (an uncaught exception reported
// while the next event is awaited) gets a connection of its own.
const api = (() => {
  const address = env.AWS_LAMBDA_RUNTIME_API || '';
  const slash = address.indexOf('/');
  const hostport = slash < 0 ? address : address.slice(0, slash);
  const prefix = slash < 0 ? '' : '/' + address.slice(slash + 1).replace(/^\/+|\/+$/g, '');
  const colon = hostport.lastIndexOf(':');
  const host = hostport.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(hostport.slice(colon + 1));
  return { hostport, prefix, host, port };
})();
const idle = [];

function openConnection() {
  const sock = net.connect({ host: api.host, port: api.port, noDelay: true });
  const conn = { sock, buf: Buffer.alloc(0), pending: null };
  sock.on('data', (d) => {
    conn.buf = conn.buf.length ? Buffer.concat([conn.buf, d]) : d;
    parseResponse(conn);
  });
  const fail = (err) => {
    const i = idle.indexOf(conn);
    if (i >= 0) idle.splice(i, 1);
    conn.closed = true;
    if (conn.pending) {
      const p = conn.pending;
      conn.pending = null;
      p.reject(err);
    }
  };
  sock.on('error', fail);
  sock.on('close', () => fail(new Error('Runtime API closed the connection')));
  return conn;
}

function parseResponse(conn) {
  const p = conn.pending;
  if (!p) return;
  const end = conn.buf.indexOf('\r\n\r\n');
  if (end < 0) return;
  const head = conn.buf.toString('latin1', 0, end).split('\r\n');
  const status = Number(head[0].split(' ')[1]);
  const headers = {};
  for (let i = 1; i < head.length; i++) {
    const c = head[i].indexOf(':');
    headers[head[i].slice(0, c).trim().toLowerCase()] = Buffer.from(head[i].slice(c + 1).trim(), 'latin1').toString('utf8');
  }
  let body;
  let rest;
  if ((headers['transfer-encoding'] || '').toLowerCase() === 'chunked') {
    const chunks = [];
    let at = end + 4;
    for (;;) {
      const eol = conn.buf.indexOf('\r\n', at);
      if (eol < 0) return;
      const size = parseInt(conn.buf.toString('latin1', at, eol), 16);
      if (size === 0) {
        const fin = conn.buf.indexOf('\r\n\r\n', eol);
        if (fin < 0) return;
        rest = conn.buf.subarray(fin + 4);
        break;
      }
      if (conn.buf.length < eol + 2 + size + 2) return;
      chunks.push(conn.buf.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
    body = Buffer.concat(chunks);
  } else {
    const len = Number(headers['content-length'] || 0);
    if (conn.buf.length < end + 4 + len) return;
    body = conn.buf.subarray(end + 4, end + 4 + len);
    rest = conn.buf.subarray(end + 4 + len);
  }
  conn.buf = rest.length ? Buffer.from(rest) : Buffer.alloc(0);
  conn.pending = null;
  if ((headers.connection || '').toLowerCase() === 'close') conn.sock.destroy();
  else {
    conn.sock.unref();
    idle.push(conn);
  }
  p.resolve({ status, headers, body });
}

function request(method, pathname, body, headers) {
  return new Promise((resolve, reject) => {
    let conn = idle.pop();
    if (!conn || conn.closed) conn = openConnection();
    conn.sock.ref();
    conn.pending = { resolve, reject };
    let head = `${method} ${api.prefix}/2018-06-01/runtime${pathname} HTTP/1.1\r\nHost: ${api.hostport}\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    if (body !== undefined) head += `Content-Length: ${body.length}\r\n`;
    conn.sock.write(body === undefined ? head + '\r\n' : Buffer.concat([Buffer.from(head + '\r\n', 'utf8'), body]));
  });
}

// post sends a result or an error; a Runtime API that refuses it ends the
// runtime, which apigw then replaces.
async function post(pathname, body, headers) {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const res = await request('POST', pathname, buf, { 'Content-Type': 'application/json', ...headers });
  if (res.status !== 202) throw new Error(`Runtime API answered ${res.status} to POST ${pathname}: ${res.body}`);
}

function fatal(err) {
  stdoutWrite(`Unexpected Top Level Error: ${err}\n`);
  process.exit(129);
}

function xrayCause(body) {
  const cause = JSON.stringify({
    working_directory: process.cwd(),
    exceptions: [{ type: body.errorType, message: body.errorMessage, stack: [] }],
    paths: [],
  });
  return Buffer.byteLength(cause) < 1024 * 1024 ? { 'Lambda-Runtime-Function-XRay-Error-Cause': cause } : {};
}

function postError(id, err) {
  const body = errorBody(err);
  return post(`/invocation/${encodeURIComponent(id)}/error`, JSON.stringify(body), xrayCause(body));
}

// serialize renders a result as the managed runtime does: undefined is null;
// a value JSON cannot render fails the invocation.
function serialize(result) {
  let s;
  try {
    s = JSON.stringify(result === undefined ? null : result);
  } catch {
    throw new Error('Unable to stringify response body');
  }
  if (s === undefined) throw new TypeError('Wrong arguments');
  return s;
}

// ---- handler loading ------------------------------------------------------

function typeModuleIn(dir) {
  if (dir.endsWith('/node_modules')) return false;
  const pj = path.join(dir, 'package.json');
  if (fs.existsSync(pj)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(pj));
      const root = path.resolve(env.LAMBDA_TASK_ROOT || process.cwd());
      if (dir !== root && !dir.startsWith(root + path.sep)) {
        console.warn(`apigw: ${pj}, outside the function's directory, decides whether its .js files are ES modules; on Lambda only the deployment package counts.`);
      }
      return Boolean(pkg) && pkg.type === 'module';
    } catch (e) {
      console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
      return false;
    }
  }
  const parent = path.dirname(dir);
  return parent === dir ? false : typeModuleIn(parent);
}

const exists = (f) => fs.existsSync(f);

async function loadModule(root, moduleRoot, name) {
  const p = path.resolve(root, moduleRoot, name);
  if (exists(p)) {
    if (fs.statSync(p).isDirectory() && !exists(path.join(p, 'package.json')) && !exists(path.join(p, 'index.js'))) {
      console.warn(`apigw: ${p} is a directory, which Lambda also tries before ${name}.js and its siblings; rename it or the module.`);
    }
    return require(p);
  }
  const esm = exists(p + '.js') && typeModuleIn(path.dirname(p + '.js'));
  if (exists(p + '.js') && !esm) return require(p + '.js');
  if (esm) return import(pathToFileURL(p + '.js').href);
  if (exists(p + '.mjs')) return import(pathToFileURL(p + '.mjs').href);
  if (exists(p + '.cjs')) return require(p + '.cjs');
  return require(require.resolve(name, { paths: [root, moduleRoot] }));
}

async function loadHandler(root, handler) {
  if (handler.includes('..')) {
    throw new MalformedHandlerName(`'${handler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`);
  }
  const base = path.basename(handler);
  const moduleRoot = handler.substring(0, handler.indexOf(base));
  const m = base.match(/^([^.]*)\.(.*)$/);
  if (!m) throw new MalformedHandlerName('Bad handler');
  let mod;
  try {
    mod = await loadModule(root, moduleRoot, m[1]);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(String(e));
    if (e && e.code === 'MODULE_NOT_FOUND') throw new ImportModuleError(String(e));
    throw e;
  }
  const fn = m[2].split('.').reduce((o, k) => o && o[k], mod);
  if (!fn) throw new HandlerNotFound(`${handler} is undefined or not exported`);
  if (typeof fn !== 'function') throw new HandlerNotFound(`${handler} is not a function`);
  return fn;
}

// ---- response streaming (buffered) ----------------------------------------

const streamingMark = Symbol.for('aws.lambda.runtime.handler.streaming');

function installGlobal() {
  const off = (env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA || '').toLowerCase();
  if (off === '1' || off === 'true') return;
  globalThis.awslambda = {
    streamifyResponse(handler) {
      handler[streamingMark] = 'response';
      return handler;
    },
    HttpResponseStream: {
      from(stream, prelude) {
        stream.setContentType?.('application/vnd.awslambda.http-integration-response');
        stream.write(JSON.stringify(prelude));
        stream.write(Buffer.alloc(8));
        return stream;
      },
    },
  };
}

// ---- the invoke loop ------------------------------------------------------

let onBeforeExit = () => {};
let onUncaught = (err) => fatal(err);
let onRejection = (err) => fatal(err);

const executionEnv = env.AWS_EXECUTION_ENV || '';
const nodeMajor = Number((executionEnv.match(/nodejs(\d+)\.x$/) || [])[1] || process.versions.node.split('.')[0]);
const noCallbacks = nodeMajor >= 24;

function isCallbackHandler(fn) {
  return fn.constructor.name !== 'AsyncFunction' && fn.length >= 3 && !fn[streamingMark];
}

const callbackWarning =
  'WARN: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You will need to modify this function to use a supported handler signature when upgrading to Node.js 24 or later. To disable this warning, set the AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING environment variable. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';
const callbackRefusal =
  'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';

function parseJSONHeader(v, name) {
  if (v === undefined) return undefined;
  try {
    return JSON.parse(v);
  } catch (e) {
    throw new Error(`Cannot parse ${name} as json: ${e.toString()}`);
  }
}

// invocation builds the callback and the context of one invocation. The
// callback, succeed, fail, done and the returned promise share one latch:
// the first completion counts.
function invocation(id, headers, next) {
  let waits = true;
  let reported = false; // a result was posted (complete ran)
  let finished = false; // the latch

  const failed = (err) => {
    logError('Invoke Error', err);
    postError(id, err).then(next, fatal);
  };
  const complete = (result) => {
    onBeforeExit = () => {};
    if (reported) {
      console.error('Invocation has already been reported as done. Cannot call complete more than once per invocation.');
      return;
    }
    reported = true;
    const body = serialize(result);
    post(`/invocation/${encodeURIComponent(id)}/response`, body).then(next, fatal);
  };
  const done = (err, result) => {
    onBeforeExit = () => {};
    if (err !== undefined && err !== null) failed(err);
    else complete(result);
  };
  const once = (fn) =>
    function (...args) {
      if (!finished) {
        fn(...args);
        finished = true;
      }
    };
  const callback = once((err, result) => {
    onBeforeExit = () => {};
    if (err !== undefined && err !== null) failed(err);
    else if (!waits) complete(result);
    else onBeforeExit = () => setImmediate(() => complete(result));
  });
  const succeed = once((result) => done(null, result));
  const fail = once((err) => (err === undefined || err === null ? done('handled') : done(err, null)));
  const doneOnce = once(done);

  const context = {};
  if (!noCallbacks) {
    Object.defineProperty(context, 'callbackWaitsForEmptyEventLoop', {
      get: () => waits,
      set: (v) => {
        waits = v;
      },
      enumerable: true,
    });
    Object.assign(context, { succeed, fail, done: doneOnce });
  }
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  Object.assign(
    context,
    {
      functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
      functionName: env.AWS_LAMBDA_FUNCTION_NAME,
      memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    },
    {
      clientContext: parseJSONHeader(headers['lambda-runtime-client-context'], 'ClientContext'),
      identity: parseJSONHeader(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
      invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
      awsRequestId: id,
      tenantId: headers['lambda-runtime-aws-tenant-id'],
      getRemainingTimeInMillis: () => deadline - Date.now(),
    },
  );
  return { callback, context, succeed, fail, markFinished: () => (finished = true) };
}

async function invokeOnce(handler, next) {
  const res = await request('GET', '/invocation/next', undefined, {});
  if (res.status !== 200) throw new Error(`Runtime API answered ${res.status} to GET /invocation/next: ${res.body}`);
  const h = res.headers;
  const id = h['lambda-runtime-aws-request-id'];
  currentRequestId = id;
  currentTenantId = h['lambda-runtime-aws-tenant-id'];
  if (h['lambda-runtime-trace-id']) env._X_AMZN_TRACE_ID = h['lambda-runtime-trace-id'];
  else delete env._X_AMZN_TRACE_ID;

  onUncaught = (err) => postError(id, err).then(() => process.exit(129), () => process.exit(129));
  onRejection = (err) => postError(id, err).then(() => process.exit(128), () => process.exit(128));

  let inv;
  try {
    inv = invocation(id, h, next);
    const isAsync = handler.constructor.name === 'AsyncFunction';
    onBeforeExit = () => {
      inv.markFinished();
      if (isAsync) postError(id, new NodeJsExit(nodeJsExitMessage)).then(next, fatal);
      else post(`/invocation/${encodeURIComponent(id)}/response`, 'null').then(next, fatal);
    };
    const event = JSON.parse(res.body.toString('utf8'));
    let result;
    if (handler[streamingMark]) {
      result = invokeStreaming(handler, event, inv.context);
    } else {
      result = handler(event, inv.context, inv.callback);
    }
    if (result && typeof result.then === 'function') {
      result.then(inv.succeed, inv.fail).catch(inv.fail);
    }
  } catch (err) {
    if (inv) inv.callback(err);
    else {
      logError('Invoke Error', err);
      postError(id, err).then(next, fatal);
    }
  }
}

// invokeStreaming runs a streamifyResponse handler with a stream that
// collects what it writes; the collected body is the result (apigw buffers
// streamed responses).
function invokeStreaming(handler, event, context) {
  const chunks = [];
  let ended;
  const finished = new Promise((resolve) => (ended = resolve));
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
    final(cb) {
      ended();
      cb();
    },
  });
  stream.setContentType = () => {};
  return Promise.resolve(handler(event, stream, context)).then(async () => {
    await finished;
    return Buffer.concat(chunks).toString('utf8');
  });
}

async function main() {
  patchConsole();
  installGlobal();
  process.on('beforeExit', () => onBeforeExit());
  process.on('uncaughtException', (err) => {
    logError('Uncaught Exception', err);
    onUncaught(err);
  });
  process.on('unhandledRejection', (reason, promise) => {
    const err = new UnhandledPromiseRejection(reason?.toString(), promise);
    logError('Unhandled Promise Rejection', err);
    onRejection(err);
  });

  const initFailed = async (label, err) => {
    logError(label, err);
    const body = errorBody(err);
    try {
      await post('/init/error', JSON.stringify(body), { 'Lambda-Runtime-Function-Error-Type': body.errorType });
    } finally {
      process.exit(129);
    }
  };
  onUncaught = (err) => initFailed('Uncaught Exception', err).catch(fatal);
  onRejection = onUncaught;

  let handler;
  try {
    handler = await loadHandler(env.LAMBDA_TASK_ROOT || process.cwd(), env._HANDLER || '');
  } catch (err) {
    return initFailed('Uncaught Exception', err);
  }
  if (isCallbackHandler(handler)) {
    if (noCallbacks) return initFailed('Init Error', new CallbackHandlerDeprecated(callbackRefusal));
    if (!env.AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING) console.warn(callbackWarning);
  }
  const next = () =>
    setImmediate(() =>
      invokeOnce(handler, next).catch((err) => {
        stdoutWrite(`Unexpected Top Level Error: ${err}\n`);
        onUncaught(err);
      }),
    );
  next();
}

main();
