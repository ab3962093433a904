"""Interfaces for programs: JSON API (v1), CKAN Action API, DCAT-AP, oEmbed. No models."""
