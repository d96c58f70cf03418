"""AWS Lambda: the resource-based policy of each function."""

from __future__ import annotations

from typing import Any

from awsaudit.aws.absent import absent_when
from awsaudit.findings import Resource
from awsaudit.policy_documents import ResourcePolicy, read
from awsaudit.source_fixtures import source


@source("lambda", regional=True, actions=["lambda:ListFunctions", "lambda:GetPolicy"],
        evidence=lambda found: [str(policy.resource) for policy in found])
def function_policies(client: Any) -> list[ResourcePolicy]:
    """The functions of the region that have a resource-based policy, with it (GetPolicy per function; a function
    without one answers ResourceNotFoundException)."""
    found = []
    functions = [f for page in client.get_paginator("list_functions").paginate() for f in page.get("Functions", [])]
    for function in functions:
        arn = function["FunctionArn"]
        policy = absent_when("ResourceNotFoundException", lambda: client.get_policy(FunctionName=arn)["Policy"])
        if policy:
            found.append(ResourcePolicy(Resource(arn, "AWS::Lambda::Function", client.meta.region_name,
                                                 function["FunctionName"]), read(policy, "lambda:GetPolicy", arn)))
    return found
