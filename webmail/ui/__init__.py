"""The OWA-style browser UI."""
