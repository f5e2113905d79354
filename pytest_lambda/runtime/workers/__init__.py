"""Backends whose handler runs in a worker process (Python process isolation, Node.js)."""
