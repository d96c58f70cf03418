"""Amazon API Gateway: the stages of each region's REST APIs (apigateway) and HTTP and WebSocket APIs
(apigatewayv2), with their access-log settings.

Each region costs one paginated GetRestApis and one GetApis, then one GetStages per API: the stages of an API are
read only through the API. An API with no stage is deployed nowhere and serves no traffic: only stages are judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from awsaudit.errors import SourceError
from awsaudit.findings import Resource
from awsaudit.source_fixtures import source

# How reports name each kind of API.
PROTOCOLS = {"REST": "REST", "HTTP": "HTTP", "WEBSOCKET": "WebSocket"}
# The largest page GetRestApis returns.
REST_PAGE = {"PageSize": 500}


@dataclass(frozen=True)
class ApiStage:
    api_id: str
    api_name: str
    protocol: str  # "REST", "HTTP" or "WEBSOCKET"
    stage: str
    region: str
    log_destination: str  # the access logs' destination ARN (a CloudWatch Logs group or a Firehose stream), "" if none
    partition: str = "aws"

    @property
    def arn(self) -> str:
        apis = "restapis" if self.protocol == "REST" else "apis"
        return f"arn:{self.partition}:apigateway:{self.region}::/{apis}/{self.api_id}/stages/{self.stage}"

    @property
    def resource(self) -> Resource:
        if self.protocol == "REST":
            return Resource(self.arn, "AWS::ApiGateway::Stage", self.region,
                            f"REST API {self.api_name} ({self.api_id}) stage {self.stage}")
        return Resource(self.arn, "AWS::ApiGatewayV2::Stage", self.region,
                        f"{PROTOCOLS.get(self.protocol, self.protocol)} API {self.api_name} ({self.api_id}) "
                        f"stage {self.stage}")


def _shown(found: tuple[ApiStage, ...]) -> list[str] | str:
    return [f"{stage.api_name}/{stage.stage} (" + ("access logs to " + stage.log_destination
                                                   if stage.log_destination else "no access logs") + ")"
            for stage in found] or "none"


def _named(answer: Mapping[str, Any], key: str, call: str, region: str) -> str:
    value = answer.get(key)
    if not value:
        raise SourceError(f"{call} in {region} answered an item without {key}")
    return value


@source("apigateway", regional=True, actions=["apigateway:GET"], title="API Gateway REST API stages", evidence=_shown)
def rest_api_stages(apigateway: Any) -> tuple[ApiStage, ...]:
    """The stages of the region's REST APIs and where each writes its access logs (one GetStages per API)."""
    region = apigateway.meta.region_name
    found = []
    for page in apigateway.get_paginator("get_rest_apis").paginate(PaginationConfig=REST_PAGE):
        for api in page.get("items", []):
            api_id = _named(api, "id", "apigateway:GetRestApis", region)
            for stage in apigateway.get_stages(restApiId=api_id).get("item", []):
                found.append(ApiStage(api_id, api.get("name", ""), "REST",
                                      _named(stage, "stageName", "apigateway:GetStages", region), region,
                                      (stage.get("accessLogSettings") or {}).get("destinationArn") or "",
                                      apigateway.meta.partition))
    return tuple(found)


@source("apigatewayv2", regional=True, actions=["apigateway:GET"], title="API Gateway HTTP and WebSocket API stages",
        evidence=_shown)
def http_api_stages(apigatewayv2: Any) -> tuple[ApiStage, ...]:
    """The stages of the region's HTTP and WebSocket APIs and where each writes its access logs (one GetStages per
    API)."""
    region = apigatewayv2.meta.region_name
    found = []
    for page in apigatewayv2.get_paginator("get_apis").paginate():
        for api in page.get("Items", []):
            api_id = _named(api, "ApiId", "apigateway:GetApis", region)
            for stages in apigatewayv2.get_paginator("get_stages").paginate(ApiId=api_id):
                for stage in stages.get("Items", []):
                    found.append(ApiStage(api_id, api.get("Name", ""), api.get("ProtocolType", "HTTP"),
                                          _named(stage, "StageName", "apigateway:GetStages", region), region,
                                          (stage.get("AccessLogSettings") or {}).get("DestinationArn") or "",
                                          apigatewayv2.meta.partition))
    return tuple(found)


def access_log_gap(stage: ApiStage) -> str | None:
    """Why a stage fails WEB-1 (None: it writes access logs)."""
    return None if stage.log_destination else "stage without access logging (no access log destination)"
