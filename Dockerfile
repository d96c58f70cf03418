# The audit, its controls and the merge in one image: docker build -t awsaudit . ; the project is /app, where pytest
# and python -m awsaudit.merge run (they read pytest.ini, conftest.py, checks/ and waivers.toml there).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md pytest.ini conftest.py waivers.toml ./
COPY awsaudit/ awsaudit/
COPY checks/ checks/
COPY fixtures/ fixtures/
RUN pip install --no-cache-dir . && useradd --create-home audit && chown -R audit /app
USER audit
CMD ["pytest", "--help"]
