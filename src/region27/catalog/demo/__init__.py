"""Demonstration content for region27 (organisations, accounts and entries)."""
