"""Loading and validating the YAML definitions."""
