#!/usr/bin/env python3
"""Calls InvokeWithResponseStream with boto3, as users' code does, and prints what it read as JSON.

Usage: invoke_stream.py ENDPOINT FUNCTION PAYLOAD [--log-type Tail] [--signal FILE]

ENDPOINT is the emulator's invoke endpoint (http://127.0.0.1:PORT). The output holds the status,
the Content-Type, each PayloadChunk's bytes (as text) and the InvokeComplete event. With --signal,
FILE is created once the first chunk has arrived: a runtime that waits for it before sending the
rest proves the chunks reach the caller while the response is still being written.
"""
import argparse
import json
import pathlib

import boto3
from botocore.config import Config


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("endpoint")
    parser.add_argument("function")
    parser.add_argument("payload")
    parser.add_argument("--log-type", default="None")
    parser.add_argument("--signal")
    args = parser.parse_args()
    client = boto3.client("lambda", endpoint_url=args.endpoint, region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local",
                          config=Config(retries={"max_attempts": 1}, read_timeout=60))
    response = client.invoke_with_response_stream(FunctionName=args.function, Payload=args.payload.encode(),
                                                  LogType=args.log_type)
    chunks, complete = [], None
    for event in response["EventStream"]:
        if "PayloadChunk" in event:
            chunks.append(event["PayloadChunk"]["Payload"].decode())
            if args.signal:
                pathlib.Path(args.signal).touch()
        elif "InvokeComplete" in event:
            complete = event["InvokeComplete"]
    print(json.dumps({"status": response["StatusCode"], "contentType": response.get("ResponseStreamContentType"),
                      "requestId": response["ResponseMetadata"]["RequestId"], "chunks": chunks, "complete": complete}))


if __name__ == "__main__":
    main()
