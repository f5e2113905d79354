"""What invocations leave behind: logs, metrics, EMF, cost, assertions and the summary."""
