"""The only package that imports SpiffWorkflow: compile diagrams, run instances, return plain values."""
