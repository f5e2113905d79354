"""Backup report: which databases were backed up last night."""
