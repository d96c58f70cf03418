"""The compliance frameworks controls map to, and the pytest marker that selects each (`-m cis_aws_5`)."""

from __future__ import annotations

FRAMEWORKS: dict[str, str] = {
    "CIS AWS 3.0": "cis_aws_3",
    "CIS AWS 5.0": "cis_aws_5",
    "AWS Security Hub": "security_hub",
    "PCI DSS": "pci_dss",
    "NIST": "nist",
    "HIPAA": "hipaa",
    "APRA": "apra",
    "MAS": "mas",
}

SEVERITIES = ("critical", "high", "medium", "low")


def marker_lines() -> list[str]:
    """The `markers` ini lines awsaudit registers, so `--strict-markers` and `pytest --markers` know them."""
    lines = [f"{severity}: controls of {severity} severity" for severity in SEVERITIES]
    lines += [f"{marker}: controls mapped to {name}" for name, marker in FRAMEWORKS.items()]
    lines.append("control(meta): awsaudit control metadata (set by @awsaudit.control)")
    return lines
