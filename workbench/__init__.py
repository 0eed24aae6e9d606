"""Counterfeit Ring Workbench: find the operations behind many storefronts and trace them upstream."""

import os

__version__ = "0.1.0"


def _one_allocator() -> None:
    """Arrow allocates from the C library's heap, as NumPy and Python do, unless the environment
    names a pool (``ARROW_DEFAULT_MEMORY_POOL``): memory one frees, the other reuses. With Arrow's
    own pool (mimalloc) each kept what it freed, and a 1,000,000-seller analysis peaked about
    0.5 GiB higher (benchmarks/scale.py)."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    import pyarrow

    pyarrow.set_memory_pool(pyarrow.system_memory_pool())


_one_allocator()
