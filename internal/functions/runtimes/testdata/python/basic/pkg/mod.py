from helper import value


def handler(event, context):
    return value
