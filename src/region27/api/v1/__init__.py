"""The JSON API, version 1, mounted at /api/1/ (django-ninja, OpenAPI 3.1).

Reads go through the catalog, territories, search and journal selectors with the
acting user; writes go through the catalog services and the one permission policy,
exactly as the web forms do. See docs/api.md.
"""
