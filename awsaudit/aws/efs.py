"""Amazon EFS: the file systems of each region (one paginated DescribeFileSystems per region)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from awsaudit.errors import SourceError
from awsaudit.findings import Resource
from awsaudit.source_fixtures import source


@dataclass(frozen=True)
class FileSystem:
    id: str
    arn: str
    region: str
    name: str  # its Name tag, "" when it has none
    encrypted: bool
    kms_key: str  # the KMS key that encrypts it, "" when not encrypted

    @property
    def resource(self) -> Resource:
        return Resource(self.arn, "AWS::EFS::FileSystem", self.region,
                        f"{self.id} ({self.name})" if self.name else self.id)

    @classmethod
    def parse(cls, answer: Mapping[str, Any], region: str) -> "FileSystem":
        fs_id = answer.get("FileSystemId")
        encrypted = answer.get("Encrypted")
        if not fs_id or not isinstance(encrypted, bool):
            raise SourceError(f"elasticfilesystem:DescribeFileSystems in {region} answered a file system without an "
                              f"id or an Encrypted flag ({fs_id!r}, {encrypted!r})")
        return cls(fs_id, answer.get("FileSystemArn") or fs_id, region, answer.get("Name") or "", encrypted,
                   answer.get("KmsKeyId") or "")


@source("efs", regional=True, actions=["elasticfilesystem:DescribeFileSystems"], title="EFS file systems",
        evidence=lambda found: [f"{fs.id} ({'encrypted' if fs.encrypted else 'not encrypted'})" for fs in found]
        or "none")
def efs_file_systems(efs: Any) -> tuple[FileSystem, ...]:
    """The region's EFS file systems and whether each is encrypted at rest."""
    region = efs.meta.region_name
    pages = efs.get_paginator("describe_file_systems").paginate()
    return tuple(FileSystem.parse(answer, region) for page in pages for answer in page.get("FileSystems", []))
