"""The project's own tools (not installed with the package): ``python tools/notebooks.py ...``."""
