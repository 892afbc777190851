#!/usr/bin/env python3
"""Prepares a running moto_server for tests: an IAM user whose keys sign requests, buckets, objects.

Usage: s3_fixture.py ENDPOINT --bucket NAME [--bucket NAME...] [--put BUCKET/KEY=PATH...] [--enforce-auth]

Prints {"accessKeyId": ..., "secretAccessKey": ...} as JSON. moto only checks signatures against
keys its IAM knows, so the keys are created here, with a policy allowing S3; --enforce-auth then turns
signature checking on for every later request (moto's /moto-api/reset-auth).
"""
import argparse
import json
import urllib.request

import boto3

POLICY = json.dumps({"Version": "2012-10-17",
                     "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("endpoint")
    parser.add_argument("--bucket", action="append", default=[])
    parser.add_argument("--put", action="append", default=[], help="BUCKET/KEY=PATH")
    parser.add_argument("--enforce-auth", action="store_true")
    args = parser.parse_args()

    session = dict(endpoint_url=args.endpoint, region_name="us-east-1",
                   aws_access_key_id="setup", aws_secret_access_key="setup")
    iam = boto3.client("iam", **session)
    iam.create_user(UserName="video-lambda-test")
    iam.put_user_policy(UserName="video-lambda-test", PolicyName="s3", PolicyDocument=POLICY)
    key = iam.create_access_key(UserName="video-lambda-test")["AccessKey"]

    s3 = boto3.client("s3", **session)
    for bucket in args.bucket:
        s3.create_bucket(Bucket=bucket)
    for item in args.put:
        target, path = item.split("=", 1)
        bucket, name = target.split("/", 1)
        s3.upload_file(path, bucket, name)

    if args.enforce_auth:
        # A form content type would make Flask swallow the body; moto reads it as raw text.
        request = urllib.request.Request(args.endpoint + "/moto-api/reset-auth", data=b"0", method="POST",
                                         headers={"Content-Type": "text/plain"})
        urllib.request.urlopen(request).read()

    print(json.dumps({"accessKeyId": key["AccessKeyId"], "secretAccessKey": key["SecretAccessKey"]}))


if __name__ == "__main__":
    main()
