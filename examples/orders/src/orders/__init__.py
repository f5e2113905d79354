"""The orders service: an HTTP API, an SQS worker and a scheduled report, on one table."""
