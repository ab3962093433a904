"""Statistics engine for ex-post evaluation (synthetic control, placebos, DiD)."""
