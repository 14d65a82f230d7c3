# A Python function run on the machine's own python3: no build, nothing to
# install. apigw imports report.py and calls handler as Lambda's python3.11
# runtime would (handler: report.handler in apigw.yaml).
import datetime
import json
import logging
import platform

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def handler(event, context):
    logger.info("report for %s", event["requestContext"]["http"]["sourceIp"])
    body = {
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "requestId": context.aws_request_id,
        "remainingMs": context.get_remaining_time_in_millis(),
    }
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}
