"""The Lambda runtime: execution environments (backends), the invocation lifecycle, faults."""
