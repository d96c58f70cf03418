"""The README's control catalog is made from the controls' metadata; a stale one fails here, not in an audit."""

from __future__ import annotations

from awsaudit import catalog, permissions
from awsaudit.sources import SOURCES
from conftest import REPO


def test_the_readme_and_the_iam_policy_are_made_from_the_controls_and_their_sources() -> None:
    """The catalog table, the permission table and docs/iam-policy.json: none may drift from the code."""
    for path, fresh in catalog.generated(REPO).items():
        assert path.read_text(encoding="utf-8") == fresh, (
            f"{path.relative_to(REPO)} is out of date: run python -m awsaudit.catalog --write")


def test_the_policy_grants_each_action_a_source_needs_and_nothing_else() -> None:
    found = catalog.read(REPO / "checks", strict=True)
    granted = permissions.policy(found.reads)["Statement"][0]["Action"]
    needed = {action for names in found.reads.values() for name in names for action in SOURCES[name].actions}
    assert set(granted) == needed | {"iam:ListAccountAliases"}
    # A read verb, or one of the calls the guard allows that change nothing (the credential report, the evaluation of
    # a filter pattern against the messages sent with it); API Gateway names its actions after HTTP methods, and
    # apigateway:GET is its only read.
    assert all(action.split(":")[1].startswith(("Get", "List", "Describe"))
               or action in ("iam:GenerateCredentialReport", "logs:TestMetricFilter", "apigateway:GET")
               for action in granted)
    assert set(found.reads["IAM-12"]) == {"enabled_regions", "access_analyzers"}
    assert set(found.reads["ROOT-7"]) == {"root_access_features", "organization_details"}


def test_the_catalog_has_a_row_per_control_with_its_mappings() -> None:
    rows = catalog.table(catalog.controls_in(REPO / "checks")).splitlines()
    ids = [row.split(" | ")[0].lstrip("| ") for row in rows[2:]]
    assert ids == sorted(ids, key=lambda i: (i.split("-")[0], int(i.split("-")[1])))
    assert {"ROOT-1", "ROOT-7", "IAM-1", "IAM-15"} <= set(ids)
    iam_3 = next(row for row in rows if row.startswith("| IAM-3 |"))
    assert "| 1.10 | 1.9 | 2.9 | 2.10 | IAM.5 | 8.4.2 |" in iam_3
