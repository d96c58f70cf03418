"""What a run writes, one plugin each, fed by the results (results.py) and registered only where it writes: the
console summary, the HTML report and its summary page, and the files of the table below."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileWriter:
    """An output written to the file its option names, result by result: `cls(path, log)` implements the hook
    `pytest_awsaudit_result` (and may implement `pytest_awsaudit_finish`)."""

    option: str  # `--results` gives the path
    module: str
    cls: str
    example: str  # a file name, for messages
    help: str


# Every output written to a file of the user's choosing, one row each.
FILE_WRITERS = (
    FileWriter("results", "awsaudit.outputs.jsonl", "JsonLines", "results.jsonl",
               "write every result as a JSON line to PATH as it arrives (an existing file is kept: the new one "
               "gets -2, -3, ...)"),
    FileWriter("ocsf", "awsaudit.outputs.ocsf", "OcsfLines", "findings.ocsf.jsonl",
               "write every resource judged as an OCSF 1.5.0 Compliance Finding (JSON Lines, one per control, account "
               "and resource) to PATH as it arrives"),
    FileWriter("asff", "awsaudit.outputs.asff", "AsffLines", "findings.asff.jsonl",
               "write every result as AWS Security Finding Format records (JSON Lines, one per control, account, "
               "region and resource) to PATH as it arrives; import them with `python -m awsaudit.securityhub`"),
)
