"""Handlers for the official Python runtime client (awslambdaric), the peer our runtime is checked against.

echo: returns the event, as our runtime's `echo` benchmark handler does (the same work for both).
fail: raises, to see how awslambdaric reports a function error through the Runtime API.
large: returns a string of event["bytes"] characters, to see what follows a response over Lambda's limit.
"""


def echo(event, context):
    return event


class VideoNotFound(Exception):
    pass


def fail(event, context):
    raise VideoNotFound("no object at " + str(event.get("video", "?")))


def large(event, context):
    return "x" * int(event.get("bytes", 7 * 1024 * 1024))
