"""Counterfeit Ring Workbench: find the operations behind many storefronts and trace them upstream."""

import contextlib
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


def give_back_memory(within_analysis: bool = False) -> None:
    """Hand the heap's free pages back to the system (glibc's ``malloc_trim``); elsewhere nothing.

    Called between loaded files and between steps: freed millions of small blocks otherwise stay in
    the process between the blocks still held, and the next peak stacks on them (about 0.2 GiB at
    1,000,000 sellers, benchmarks/scale.py). Within ``arrays_kept_for_reuse`` (the analysis)
    nothing unless ``within_analysis``: the block keeps what is freed for the arrays after it, and
    the analysis hands it back only where what it kept stacked under a later peak."""
    if _keeping_for_reuse and not within_analysis:
        return
    trim = _libc_function("malloc_trim")
    if trim is not None:
        trim(0)


def forget_cached_file(path, start: int = 0, length: int = 0) -> None:
    """Ask the kernel to drop a file's pages from its cache (``POSIX_FADV_DONTNEED``), from byte
    ``start`` for ``length`` bytes (0: to the end); elsewhere nothing. ``path`` is a path or an
    open file's descriptor. Called on an input file once the load has read and checked it: the
    load reads each file once, and kept in the cache the input (11 GB of CSV at ten million
    sellers) filled the memory the analysis then needed, so each page it touched anew waited for
    the kernel to reclaim one. At ten million sellers, two pairs of runs each within half an
    hour: 551.5 s against 627.0 and 641.6 s against 697.8, the analysis's kernel time 74-176 s
    against 149-246 (benchmarks/scale.py). A second load of the same files reads them from disk."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    if isinstance(path, int):
        _advise_dropped(advise, path, start, length)
        return
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return  # the file went meanwhile: nothing of it to drop
    try:
        _advise_dropped(advise, descriptor, start, length)
    finally:
        os.close(descriptor)


def _advise_dropped(advise, descriptor: int, start: int, length: int) -> None:
    try:
        advise(descriptor, start, length, os.POSIX_FADV_DONTNEED)
    except OSError:
        pass  # advice only: a file system may not take it


# glibc's mallopt parameters (malloc.h): how much free memory at the heap's top is handed back to
# the system, and the size from which a block is mapped on its own
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
# where glibc's own thresholds end once large blocks were freed (the trim threshold twice the other)
_MAPPED_FROM_DEFAULT = 32 << 20
_TRIMMED_FROM_DEFAULT = 64 << 20
_keeping_for_reuse = False  # whether an ``arrays_kept_for_reuse`` block is open (one inside it does nothing)


@contextlib.contextmanager
def arrays_kept_for_reuse():
    """Within this block, memory freed stays in the process for the arrays made after it, and is
    handed back to the system at the block's end: arrays up to 2 GiB come from the C library's
    heap instead of being mapped on their own (glibc maps every block over 32 MiB so and unmaps it
    when freed), the heap's free top is not handed back (glibc does from 64 MiB), and
    ``give_back_memory`` hands back only where called ``within_analysis``. Each page handed back
    and mapped anew is one the kernel must zero again; in a virtual machine that reports freed
    memory to its host, the host takes it back within seconds and faults it in anew, at several
    times the cost.

    For the analysis after the load, not the load: there the heap's gaps stacked under the links'
    peak (2.1 GiB more at ten million sellers). At ten million sellers, large blocks from the heap
    took a run from 681 s and 74.9 M page faults to 627 s and 53.3 M; keeping the freed memory
    too, from 700 s and 44.3 M to 647 s and 35.8 M within one hour, peak 15.3 GiB against 14.9
    (kept through the community step as well: 638 s, but 17.8 GiB; benchmarks/scale.py). Nothing
    changes where the environment sets a threshold (``MALLOC_MMAP_THRESHOLD_``,
    ``MALLOC_TRIM_THRESHOLD_``) or the C library is not glibc."""
    global _keeping_for_reuse
    mallopt = _libc_function("mallopt")
    if mallopt is None or _keeping_for_reuse or _thresholds_set_by_environment():
        yield
        return
    mallopt(_M_MMAP_THRESHOLD, (1 << 31) - 1)
    mallopt(_M_TRIM_THRESHOLD, (1 << 31) - 1)
    _keeping_for_reuse = True
    try:
        yield
    finally:
        _keeping_for_reuse = False
        mallopt(_M_MMAP_THRESHOLD, _MAPPED_FROM_DEFAULT)
        mallopt(_M_TRIM_THRESHOLD, _TRIMMED_FROM_DEFAULT)
        give_back_memory()


def _thresholds_set_by_environment() -> bool:
    return any(os.environ.get(f"MALLOC_{name}_THRESHOLD_") for name in ("MMAP", "TRIM"))


@functools.cache
def _libc_function(name: str):
    """glibc's function ``name`` (``malloc_trim``, ``mallopt``), or None where the C library has
    none (macOS, musl)."""
    import ctypes
    import ctypes.util

    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
    except (OSError, AttributeError):
        return None
