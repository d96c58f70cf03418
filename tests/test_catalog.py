"""The README's control catalog is made from the controls' metadata; a stale one fails here, not in an audit."""

from __future__ import annotations

from awsaudit import catalog
from conftest import REPO


def test_the_readme_lists_every_control_as_its_metadata_says() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    fresh = catalog.readme_with(readme, catalog.table(catalog.controls_in(REPO / "checks")))
    assert readme == fresh, "README.md's catalog is out of date: run python -m awsaudit.catalog --write"


def test_the_catalog_has_a_row_per_control_with_its_mappings() -> None:
    rows = catalog.table(catalog.controls_in(REPO / "checks")).splitlines()
    ids = [row.split(" | ")[0].lstrip("| ") for row in rows[2:]]
    assert ids == sorted(ids, key=lambda i: (i.split("-")[0], int(i.split("-")[1])))
    assert {"ROOT-1", "ROOT-7", "IAM-1", "IAM-15"} <= set(ids)
    iam_3 = next(row for row in rows if row.startswith("| IAM-3 |"))
    assert "| 1.10 | 1.9 | IAM.5 | 8.4.2 |" in iam_3
