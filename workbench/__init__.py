"""Counterfeit Ring Workbench: find the operations behind many storefronts and trace them upstream."""

import functools
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


def _small_pages_for_arrays() -> None:
    """NumPy asks the kernel for 2 MiB pages for every array of 4 MiB or more (``MADV_HUGEPAGE``),
    unless the environment says otherwise (``NUMPY_MADVISE_HUGEPAGE``). Where the kernel makes
    such requests compact memory first (``defrag`` set to ``madvise``, the common default), a
    fault stalls while the kernel moves pages; with the page cache full of the input files it
    also reclaims. The analysis frees and refills arrays of hundreds of MiB all the time: at
    1,000,000 sellers the run took 40-43 s with small pages against 44-47 s with huge ones, and
    at ten million 782 s against 1,017 s, its kernel time 378 s against 632 (benchmarks/scale.py)."""
    if os.environ.get("NUMPY_MADVISE_HUGEPAGE") is not None:
        return
    try:
        from numpy._core import multiarray
    except ImportError:  # NumPy 1.x keeps it under numpy.core
        from numpy.core import multiarray
    setter = getattr(multiarray, "_set_madvise_hugepage", None)
    if setter is not None:
        setter(False)


_small_pages_for_arrays()


def give_back_memory() -> None:
    """Hand the heap's free pages back to the system (glibc's ``malloc_trim``); elsewhere nothing.

    Called between the steps of an analysis: a step's freed millions of small blocks otherwise stay
    in the process between the blocks still held, and the next step's peak stacks on them (about
    0.2 GiB at 1,000,000 sellers, benchmarks/scale.py)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None where the C library has none (macOS, musl)."""
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
