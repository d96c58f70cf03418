"""awsaudit: AWS compliance controls written as pytest tests."""

from awsaudit.controls import control, not_applicable
from awsaudit.source_fixtures import source

__version__ = "0.1.0"
__all__ = ["control", "not_applicable", "source", "__version__"]
