"""IoT tractor: predictive maintenance from sensor readings."""
