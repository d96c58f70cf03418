"""Evidence as the report shows it: every key and value escaped, access key ids masked, long rows in columns."""

from __future__ import annotations

from awsaudit.evidence import to_html
from awsaudit.secrecy import mask

HOSTILE = "<script>alert('x')</script>\"&"


def test_keys_and_values_are_escaped_at_every_depth() -> None:
    page = to_html({HOSTILE: HOSTILE, "users": [HOSTILE, {"name": HOSTILE}], "tags": {HOSTILE: [HOSTILE]}})
    assert "<script>" not in page
    assert page.count("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&quot;&amp;") == 6


def test_access_key_ids_show_only_their_last_four_characters() -> None:
    page = to_html({"key": "AKIAIOSFODNN7EXAMPLE", "session": {"id": "ASIAJEXAMPLEXEG2JICE"}})
    assert "AKIAIOSFODNN7EXAMPLE" not in page and "ASIAJEXAMPLEXEG2JICE" not in page
    assert "…MPLE" in page and "…JICE" in page


def test_mask_leaves_everything_else_alone() -> None:
    text = "arn:aws:iam::111111111111:root AKIA123 akiaiosfodnn7example"
    assert mask(text) == text


def test_a_long_mapping_is_laid_out_in_columns_and_a_short_one_as_a_table() -> None:
    assert to_html({str(n): n for n in range(9)}).startswith('<dl class="awsaudit-fields">')
    assert to_html({"a": 1}).startswith('<table class="awsaudit-evidence">')
    assert to_html({}) == "<p>No evidence was recorded.</p>"
    assert to_html({"devices": []}).endswith("<td>(none)</td></tr></table>")


def test_key_ids_next_to_other_word_characters_are_masked_too() -> None:
    assert mask("old_AKIAIOSFODNN7EXAMPLE and AKIAIOSFODNN7EXAMPL2_x") == "old_…MPLE and …MPL2_x"
