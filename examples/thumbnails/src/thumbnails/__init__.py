"""Thumbnails: resize images uploaded to S3."""
