# apigw's Python bootstrap: a Lambda runtime interface client for Python 3.9
# and later, standard library only. apigw writes this file, read-only, to
# {dataDir}/runtime/{hash}/bootstrap.py (LAMBDA_RUNTIME_DIR) and runs
#
#   python3 bootstrap.py
#
# in the function's code directory (LAMBDA_TASK_ROOT) with AWS_LAMBDA_RUNTIME_API
# pointing at the instance's Runtime API. It imports _HANDLER and serves
# invocations one at a time, as Lambda's managed Python runtimes do:
# https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html (handlers),
# python-context.html (the context object), python-exceptions.html (error
# bodies), python-logging.html (log lines). Behaviour that could not be
# confirmed against Lambda is listed in apigw's docs/compatibility.md#runtimes.

import importlib
import json
import logging
import math
import os
import site
import socket
import sys
import time
import traceback

_env = os.environ
_task_root = _env.get("LAMBDA_TASK_ROOT") or os.getcwd()
_request_id = ""  # of the running (or last) invocation
_tenant_id = None


# ---- JSON as the managed runtime encodes it --------------------------------
#
# Lambda's Python runtime encodes results with simplejson (allow_nan, no
# use_decimal, ASCII-only before python3.12, Decimal rendered as its text);
# this encoder reproduces it with the standard library.

_ensure_ascii = _env.get("AWS_EXECUTION_ENV") not in {
    "AWS_Lambda_python3.12",
    "AWS_Lambda_python3.13",
    "AWS_Lambda_python3.14",
    "AWS_Lambda_python3.15",
}
_encode_str = json.encoder.encode_basestring_ascii if _ensure_ascii else json.encoder.encode_basestring


def _float(f):
    if f != f:
        return "NaN"
    if f == math.inf:
        return "Infinity"
    if f == -math.inf:
        return "-Infinity"
    return float.__repr__(f)


def _key(k):
    if isinstance(k, str):
        return k
    if isinstance(k, bytes):
        return k.decode("utf-8")
    if k is True:
        return "true"
    if k is False:
        return "false"
    if k is None:
        return "null"
    if isinstance(k, int):
        return int.__repr__(k)
    if isinstance(k, float):
        return _float(k)
    raise TypeError("keys must be str, int, float, bool or None, not " + type(k).__name__)


def _encode(o, out, seen):
    if o is None:
        out.append("null")
    elif o is True:
        out.append("true")
    elif o is False:
        out.append("false")
    elif isinstance(o, str):
        out.append(_encode_str(o))
    elif isinstance(o, bytes):
        out.append(_encode_str(o.decode("utf-8")))
    elif isinstance(o, int):
        out.append(int.__repr__(o))
    elif isinstance(o, float):
        out.append(_float(o))
    elif isinstance(o, (dict, list, tuple)):
        if id(o) in seen:
            raise ValueError("Circular reference detected")
        seen.add(id(o))
        if isinstance(o, tuple) and hasattr(o, "_asdict"):
            o = o._asdict()
        if isinstance(o, dict):
            out.append("{")
            first = True
            for k, v in o.items():
                if not first:
                    out.append(", ")
                first = False
                out.append(_encode_str(_key(k)))
                out.append(": ")
                _encode(v, out, seen)
            out.append("}")
        else:
            out.append("[")
            for i, v in enumerate(o):
                if i:
                    out.append(", ")
                _encode(v, out, seen)
            out.append("]")
        seen.discard(id(o))
    elif _is_decimal(o):
        out.append("NaN" if o.is_nan() else str(o))
    else:
        raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)


def _is_decimal(o):
    # decimal is imported only by functions that use it (it costs a cold
    # start several milliseconds).
    d = sys.modules.get("decimal")
    return d is not None and isinstance(o, d.Decimal)


def to_json(o):
    out = []
    _encode(o, out, set())
    return "".join(out)


# ---- faults and error bodies ------------------------------------------------


class FaultException(Exception):
    """An error with Lambda's fixed type and message and its own stack trace."""

    def __init__(self, exception_type, msg, trace=None):
        self.exception_type = exception_type
        self.msg = msg
        self.trace = trace


def make_error(message, error_type, stack_trace, request_id=None):
    return {
        "errorMessage": message if message else "",
        "errorType": error_type if error_type else "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": stack_trace if stack_trace is not None else [],
    }


def fault_result(exc_info, request_id):
    etype, value, tb = exc_info
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i in range(len(frames)):
        if "/bootstrap.py" not in frames[i][0]:
            frames = frames[i:]
            break
    return make_error(str(value), etype.__name__, traceback.format_list(frames), request_id), frames


def xray_cause(error_type, message, frames):
    cause = {
        "working_directory": os.getcwd(),
        "exceptions": [
            {
                "message": message,
                "type": error_type,
                "stack": [{"label": f[2], "path": f[0], "line": f[1]} for f in frames],
            }
        ],
        "paths": sorted({f[0] for f in frames}),
    }
    return json.dumps(cause)


# ---- output ------------------------------------------------------------------


class Unbuffered:
    """Flushes every write, so that output reaches apigw at once (and is not
    lost if the function then times out)."""

    def __init__(self, stream):
        self.stream = stream

    def __getattr__(self, name):
        return getattr(self.stream, name)

    def write(self, msg):
        n = self.stream.write(msg)
        self.stream.flush()
        return n

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


def log_error(error):
    """Logs an init or invoke failure as the managed runtime does."""
    if _json_logs:
        rec = {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "log_level": "ERROR"}
        rec.update(error)
        sys.stdout.write(to_json(rec) + "\n")
        return
    head = "[ERROR]"
    if error.get("errorType"):
        head += " " + error["errorType"]
    if error.get("errorMessage"):
        if error.get("errorType"):
            head += ":"
        head += " " + error["errorMessage"]
    lines = [head, "Traceback (most recent call last):"]
    for element in error.get("stackTrace") or []:
        if element == "":
            lines.append("")
            continue
        for line in element.splitlines():
            stripped = line.lstrip(" ")
            lines.append("\u00a0" * (len(line) - len(stripped)) + stripped)
    sys.stdout.write("\r".join(lines) + "\n")


_json_logs = (_env.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"
_log_level = {None: "", "TRACE": "DEBUG"}.get(_env.get("AWS_LAMBDA_LOG_LEVEL"), _env.get("AWS_LAMBDA_LOG_LEVEL") or "").upper()

_reserved_record_fields = {
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info",
    "exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread",
    "threadName", "processName", "process", "aws_request_id", "tenant_id", "_frame_type", "taskName",
}


class JsonFormatter(logging.Formatter):
    def format(self, record):
        record.levelno = min(50, max(0, record.levelno)) // 10 * 10
        record.levelname = logging.getLevelName(record.levelno)
        exc = record.exc_info
        rec = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc else None,
            "errorMessage": str(exc[1]) if exc else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": "%s:%s:%s" % (record.pathname, record.funcName, record.lineno) if exc else None,
        }
        if getattr(record, "tenant_id", None) is not None:
            rec["tenantId"] = record.tenant_id
        rec.update((k, v) for k, v in record.__dict__.items() if k not in _reserved_record_fields and k not in rec)
        rec = {k: v for k, v in rec.items() if v is not None}
        return json.dumps(rec, default=str, ensure_ascii=False) + "\n"


class LambdaLoggerHandler(logging.Handler):
    def __init__(self):
        logging.Handler.__init__(self)

    def emit(self, record):
        sys.stdout.write(self.format(record))


class LambdaLoggerFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id or ""
        record.tenant_id = _tenant_id
        return True


def setup_logging():
    logging.Formatter.converter = time.gmtime
    handler = LambdaLoggerHandler()
    if _json_logs:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
                "%Y-%m-%dT%H:%M:%S",
            )
        )
    handler.addFilter(LambdaLoggerFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    if _log_level in logging._nameToLevel:
        root.setLevel(_log_level)


# ---- the context object ---------------------------------------------------------


class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]


class Client:
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]


class ClientContext:
    __slots__ = ["custom", "env", "client"]


def _from_dict(cls, d):
    if d is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, d.get(field, None))
    return obj


class LambdaContext:
    def __init__(self, request_id, client_context, cognito_identity, deadline_ms, invoked_function_arn=None, tenant_id=None):
        self.aws_request_id = request_id
        self.log_group_name = _env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = _env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = _env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = _env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = _env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self.client_context = _from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _from_dict(Client, self.client_context.client)
        self.identity = _from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        left = self._deadline_ms - int(time.time() * 1000)
        return left if left > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        return (
            "%s([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,function_name=%s,memory_limit_in_mb=%s,"
            "function_version=%s,invoked_function_arn=%s,client_context=%s,identity=%s,tenant_id=%s])"
            % (
                self.__class__.__name__, self.aws_request_id, self.log_group_name, self.log_stream_name,
                self.function_name, self.memory_limit_in_mb, self.function_version, self.invoked_function_arn,
                self.client_context, self.identity, self.tenant_id,
            )
        )


# ---- Runtime API client ------------------------------------------------------------


class RuntimeAPI:
    """A Runtime API client: HTTP/1.1 over one kept-alive connection, by
    hand, because http.client imports the email package and ssl, which can
    cost a cold start tens of milliseconds."""

    def __init__(self, address):
        hostport, _, prefix = address.partition("/")
        host, _, port = hostport.rpartition(":")
        self.addr = (host.strip("[]"), int(port))
        self.host = hostport
        self.prefix = ("/" + prefix.strip("/")) if prefix.strip("/") else ""
        self.sock = None
        self.rfile = None

    def _call(self, method, path, body=b"", headers=None):
        if self.sock is None:
            self.sock = socket.create_connection(self.addr)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.rfile = self.sock.makefile("rb")
        lines = ["%s %s/2018-06-01/runtime%s HTTP/1.1" % (method, self.prefix, path), "Host: " + self.host]
        for k, v in (headers or {}).items():
            lines.append("%s: %s" % (k, v))
        if method != "GET":
            lines.append("Content-Length: %d" % len(body))
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body)
        status_line = self.rfile.readline()
        parts = status_line.split(None, 2)
        if len(parts) < 2:
            raise RuntimeError("Runtime API closed the connection (%r)" % status_line)
        status = int(parts[1])
        res_headers = {}
        while True:
            line = self.rfile.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            k, _, v = line.decode("utf-8", "surrogateescape").partition(":")
            res_headers[k.strip().lower()] = v.strip()
        if res_headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            data = b"".join(chunks)
        else:
            data = self.rfile.read(int(res_headers.get("content-length", "0")))
        if res_headers.get("connection", "").lower() == "close":
            self.rfile.close()
            self.sock.close()
            self.sock = None
        return status, res_headers, data

    def next(self):
        status, headers, body = self._call("GET", "/invocation/next")
        if status != 200:
            raise RuntimeError("Runtime API answered %d to GET /invocation/next: %r" % (status, body))
        return headers, body

    def _post(self, path, body, headers):
        if isinstance(body, str):
            body = body.encode("utf-8")
        status, _, data = self._call("POST", path, body, headers)
        if status != 202:
            raise RuntimeError("Runtime API answered %d to POST %s: %r" % (status, path, data))

    def result(self, request_id, body, content_type):
        self._post("/invocation/%s/response" % request_id, body, {"Content-Type": content_type})

    def error(self, request_id, error, cause):
        headers = {"Content-Type": "application/json"}
        if cause is not None and len(cause.encode("utf-8")) < 1024 * 1024:
            headers["Lambda-Runtime-Function-XRay-Error-Cause"] = cause
        self._post("/invocation/%s/error" % request_id, to_json(error), headers)

    def init_error(self, error):
        self._post("/init/error", to_json(error), {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": error["errorType"]})


# ---- handler loading ---------------------------------------------------------------


def load_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException("Runtime.MalformedHandlerName", "Bad handler '%s': %s" % (handler, e))
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException("Runtime.BuiltInModuleConflict", "Cannot use built-in module %s as a handler module" % modname)
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (modname, e))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (modname, e), trace)
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (fname, modname))


# ---- the invoke loop -------------------------------------------------------------------


def _json_header(headers, name, what):
    value = headers.get(name)
    if not value:
        return None
    try:
        return json.loads(value)
    except Exception as e:
        raise FaultException("Runtime.LambdaContextUnmarshalError", "Unable to parse %s JSON: %s" % (what, e))


def handle(api, handler, headers, body):
    request_id = headers.get("lambda-runtime-aws-request-id")
    error, cause = None, None
    try:
        context = LambdaContext(
            request_id,
            _json_header(headers, "lambda-runtime-client-context", "Client Context"),
            _json_header(headers, "lambda-runtime-cognito-identity", "Cognito Identity"),
            int(headers.get("lambda-runtime-deadline-ms")),
            headers.get("lambda-runtime-invoked-function-arn"),
            headers.get("lambda-runtime-aws-tenant-id"),
        )
        event = body
        if (headers.get("content-type") or "").startswith("application/json"):
            try:
                event = json.loads(body)
            except Exception as e:
                raise FaultException("Runtime.UnmarshalError", "Unable to unmarshal input: %s" % e)
        response = handler(event, context)
        if isinstance(response, bytes):
            result, content_type = response, "application/unknown"
        else:
            try:
                result, content_type = to_json(response), "application/json"
            except Exception as e:
                raise FaultException("Runtime.MarshalError", "Unable to marshal response: %s" % e)
    except FaultException as e:
        error = make_error(e.msg, e.exception_type, e.trace, request_id)
        cause = xray_cause("LambdaValidationError", e.msg, [])
    except Exception:
        error, frames = fault_result(sys.exc_info(), request_id)
        cause = xray_cause(error["errorType"], error["errorMessage"], frames)
    if error is not None:
        log_error(error)
        api.error(request_id, error, cause)
    else:
        api.result(request_id, result, content_type)


def wait_for_debugger(addr):
    """Listens with debugpy on addr (host:port) and waits for a client, for
    apigw serve --debug-function; debugpy must be installed."""
    try:
        import debugpy
    except ImportError:
        raise FaultException("Runtime.ImportModuleError",
                             "--debug-function needs debugpy for %s: %s -m pip install debugpy" % (sys.executable, sys.executable))
    host, _, port = addr.rpartition(":")
    debugpy.listen((host, int(port)))
    print("debugpy listening on %s; waiting for a debugger to attach" % addr, file=sys.stderr)
    debugpy.wait_for_client()


def main():
    global _request_id, _tenant_id
    sys.stdout = Unbuffered(sys.stdout)
    sys.stderr = Unbuffered(sys.stderr)
    # The code directory comes first on sys.path (and its .pth files count);
    # this script's directory stays after it, as /var/runtime does on Lambda.
    sys.path.insert(0, _task_root)
    site.addsitedir(_task_root)
    if "PYTHONPATH" not in _env:
        _env["PYTHONPATH"] = _env.get("LAMBDA_RUNTIME_DIR") or os.path.dirname(os.path.abspath(__file__))
    api = RuntimeAPI(_env["AWS_LAMBDA_RUNTIME_API"])
    debug = _env.pop("APIGW_DEBUGPY_LISTEN", None)
    error = None
    try:
        setup_logging()
        if debug:
            wait_for_debugger(debug)
        handler = load_handler(_env.get("_HANDLER", ""))
    except FaultException as e:
        error = make_error(e.msg, e.exception_type, e.trace)
    except Exception:
        error, _ = fault_result(sys.exc_info(), None)
    if error is not None:
        log_error(error)
        api.init_error(error)
        sys.exit(1)
    while True:
        headers, body = api.next()
        _request_id = headers.get("lambda-runtime-aws-request-id") or ""
        _tenant_id = headers.get("lambda-runtime-aws-tenant-id")
        trace_id = headers.get("lambda-runtime-trace-id")
        if trace_id:
            _env["_X_AMZN_TRACE_ID"] = trace_id
        else:
            _env.pop("_X_AMZN_TRACE_ID", None)
        handle(api, handler, headers, body)


if __name__ == "__main__":
    main()
