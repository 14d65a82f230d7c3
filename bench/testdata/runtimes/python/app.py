# The benchmark's Python handler: the same work as bench/internal/lambdafn
# (decode the 2.0 event's JSON body, answer a small JSON body).
import json
import os


def handler(event, context):
    if event["rawPath"].startswith("/cappython/"):
        return {"statusCode": 200, "body": json.dumps({"event": event})}
    if event["rawPath"] == "/pid/python":
        return {"statusCode": 200, "body": str(os.getpid())}
    body = json.loads(event.get("body") or "{}")
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"id": event["pathParameters"]["id"], "route": event["routeKey"], "received": len(event["body"]), "name": body.get("name")}),
    }
