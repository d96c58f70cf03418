"""Loads the awsaudit engine: accounts, data sources, the read-only guard and the report."""

pytest_plugins = ["awsaudit.plugin"]
