"""Running an assignment's pytest checks against a student process and collecting verdicts."""
