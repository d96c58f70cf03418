"""AWS Config: each region's configuration recorders and whether they are recording."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from awsaudit.source_fixtures import source

ALL_SUPPORTED = "ALL_SUPPORTED_RESOURCE_TYPES"


@dataclass(frozen=True)
class Recorder:
    """A configuration recorder of one region, with its recording group and status."""

    name: str
    recording: bool  # DescribeConfigurationRecorderStatus: recording
    last_status: str  # PENDING, SUCCESS or FAILURE ("" before the first start)
    last_error: str  # lastErrorCode: lastErrorMessage, when the last delivery failed
    all_supported: bool  # recordingGroup.allSupported
    strategy: str  # recordingGroup.recordingStrategy.useOnly ("" when AWS did not say)
    excluded: tuple[str, ...]  # recordingGroup.exclusionByResourceTypes.resourceTypes
    included: tuple[str, ...]  # recordingGroup.resourceTypes (INCLUSION_BY_RESOURCE_TYPES)
    global_resource_types: bool  # recordingGroup.includeGlobalResourceTypes

    @property
    def records_all_supported(self) -> bool:
        """Every supported resource type: allSupported, and no strategy that leaves types out (exclusions)."""
        return self.all_supported and self.strategy in ("", ALL_SUPPORTED) and not self.excluded

    def why_not(self) -> str:
        """Why the recorder does not record every supported resource type now ("" when it does)."""
        if not self.recording:
            return f"{self.name} is not recording"
        if self.last_status == "FAILURE":
            return f"{self.name} is failing ({self.last_error or 'lastStatus FAILURE'})"
        if self.excluded:
            return f"{self.name} excludes {', '.join(self.excluded)} (EXCLUSION_BY_RESOURCE_TYPES)"
        if not self.records_all_supported:
            return (f"{self.name} records only {', '.join(self.included) or 'some resource types'}"
                    f" ({self.strategy or 'allSupported false'})")
        return ""

    def summary(self) -> str:
        scope = "all supported" if self.records_all_supported else (
            f"excluding {', '.join(self.excluded)}" if self.excluded else f"only {', '.join(self.included) or 'some'}")
        return (f"{self.name}: {'recording' if self.recording else 'stopped'}"
                f"{' (' + self.last_status + ')' if self.last_status else ''}, {scope}"
                f"{', global types' if self.global_resource_types else ''}")


@source("config", regional=True, title="configuration recorders",
        actions=["config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus"],
        evidence=lambda found: [recorder.summary() for recorder in found] or "none")
def configuration_recorders(client: Any) -> list[Recorder]:
    """The region's AWS Config configuration recorders: what each records and whether it is recording."""
    recorders = client.describe_configuration_recorders().get("ConfigurationRecorders", [])
    statuses = {status["name"]: status for status in
                client.describe_configuration_recorder_status().get("ConfigurationRecordersStatus", [])}
    found = []
    for recorder in recorders:
        group = recorder.get("recordingGroup", {}) or {}
        status = statuses.get(recorder["name"], {})
        error = ": ".join(part for part in (status.get("lastErrorCode"), status.get("lastErrorMessage")) if part)
        found.append(Recorder(
            name=recorder["name"], recording=bool(status.get("recording", False)),
            last_status=status.get("lastStatus") or "", last_error=error,
            all_supported=bool(group.get("allSupported", False)),
            strategy=(group.get("recordingStrategy") or {}).get("useOnly", ""),
            excluded=tuple((group.get("exclusionByResourceTypes") or {}).get("resourceTypes", [])),
            included=tuple(group.get("resourceTypes", []) or []),
            global_resource_types=bool(group.get("includeGlobalResourceTypes", False))))
    return found
