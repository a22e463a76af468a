"""Speed and memory benchmarks (not installed with the package). Run them from the root folder:
``python -m benchmarks.run`` (``make bench``) and ``python -m benchmarks.preview_latency``."""
