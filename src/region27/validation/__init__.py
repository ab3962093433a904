"""Validation of tabular files against Table Schemas."""
