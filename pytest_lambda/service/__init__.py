"""The Lambda service around a function: account concurrency, async queue, versions, policy."""
