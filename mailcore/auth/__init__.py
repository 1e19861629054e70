"""SASL mechanisms and credential checks shared by every door."""
