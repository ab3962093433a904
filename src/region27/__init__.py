"""region27: a platform where French territories pool their public data and work."""

__version__ = "0.1.0"
