#!/usr/bin/env python3
"""Transforms template.yaml with aws-sam-translator, as CloudFormation would on deploy.

Usage: check_template.py TEMPLATE

Image functions get their ImageUri from `sam build`; this sets a placeholder the same way before
translating. Prints the generated resource types and exits non-zero on any translation error.
"""
import os
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class NoManagedPolicies:
    """The SAM policy templates used here need no AWS managed-policy lookups."""

    def load(self):
        return {}


def main():
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with open(sys.argv[1]) as f:
        template = yaml_parse(f.read())
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function" and resource["Properties"].get("PackageType") == "Image":
            resource["Properties"].setdefault("ImageUri", "123456789012.dkr.ecr.us-east-1.amazonaws.com/video-lambda:latest")
    output = transform(template, {}, NoManagedPolicies())
    for name, resource in sorted(output["Resources"].items()):
        print(f"{name} {resource['Type']}")


if __name__ == "__main__":
    main()
