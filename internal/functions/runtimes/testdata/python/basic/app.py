# Handlers of the Python acceptance cases (P1..P36), one function per case.
# p11 must stay on line 4: the expected stack trace names it.
def p11(event, context):
    raise Exception("boom")


import base64
import collections
import datetime
import decimal
import logging
import os
import sys
import time


def p1(event, context):
    return {"statusCode": 200, "body": event["x"]}


def p2(event, context):
    pass


def p3(event, context):
    return "ok"


def p4(event, context):
    return {"m": "é😀"}


def p5(event, context):
    return {"d": decimal.Decimal("1.10"), "e": decimal.Decimal("1E+2")}


def p6(event, context):
    return {"body": base64.b64encode(b"hi")}


def p7(event, context):
    return b"raw\x00"


def p8(event, context):
    return collections.namedtuple("P", "x y")(1, 2)


def p9(event, context):
    return {"f": float("nan")}


def p10(event, context):
    return {1, 2}


def p12(event, context):
    return event["action"]


def p13(event, context):
    raise ValueError()


def p24(event, context):
    print("a\nb")
    return 1


def p25(event, context):
    logging.info("i")
    logging.warning("w")
    logging.getLogger().setLevel(logging.INFO)
    logging.info("j")


def p26(event, context):
    logging.getLogger().warning("w", extra={"k": 1})


def p27(event, context):
    logging.debug("d")


def p28(event, context):
    return [context.memory_limit_in_mb, context.function_version, context.identity.cognito_identity_id, context.client_context, context.tenant_id]


def p29(event, context):
    time.sleep(0.2)
    return context.get_remaining_time_in_millis()


def p30(event, context):
    return [os.environ.get("_X_AMZN_TRACE_ID"), os.environ["AWS_EXECUTION_ENV"], os.environ["PYTHONPATH"], os.getcwd() == os.environ["LAMBDA_TASK_ROOT"]]


def p31(event, context):
    sys.exit(2)


def p32(event, context):
    print("before")
    time.sleep(5)


def p33(event, context):
    return context.invoked_function_arn


n = 0


def p34(event, context):
    global n
    n += 1
    return n


def p35(event, context):
    context.log("x")
    context.log("y\n")


def p36(event, context):
    return datetime.datetime(2024, 1, 1)


def pid(event, context):
    return os.getpid()


def echo(event, context):
    return event


def client(event, context):
    cc = context.client_context
    return [cc.custom, cc.client.app_title if cc.client else None]


def flood(event, context):
    line = "x" * 1000
    for _ in range(20000):
        sys.stdout.write(line + "\n")
    return "flooded"


def layer(event, context):
    import greeting

    return greeting.greet("python")


def slow(event, context):
    time.sleep(0.3)
    return os.getpid()
