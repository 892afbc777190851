#!/usr/bin/env python3
"""Transforms template.yaml with aws-sam-translator, as CloudFormation would on deploy.

Usage: check_template.py TEMPLATE [--output FILE]

Image functions get their ImageUri from `sam build`; this sets a placeholder the same way before
translating. Prints the generated resource types and exits non-zero on any translation error.
With --output, also writes the translated CloudFormation template there as JSON, for cfn-lint:
only the translated template shows what CloudFormation will check (a dependency cycle between
a bucket's notification and its function's role, for one).
"""
import argparse
import json
import os

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class NoManagedPolicies:
    """The SAM policy templates used here need no AWS managed-policy lookups."""

    def load(self):
        return {}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("template")
    parser.add_argument("--output")
    args = parser.parse_args()
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with open(args.template) as f:
        template = yaml_parse(f.read())
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function" and resource["Properties"].get("PackageType") == "Image":
            resource["Properties"].setdefault("ImageUri", "123456789012.dkr.ecr.us-east-1.amazonaws.com/video-lambda:latest")
    output = transform(template, {}, NoManagedPolicies())
    if args.output:
        with open(args.output, "w") as f:
            json.dump(output, f, indent=1)
    for name, resource in sorted(output["Resources"].items()):
        print(f"{name} {resource['Type']}")


if __name__ == "__main__":
    main()
