"""Arrow shares the C library's heap with NumPy (memory one frees, the other reuses) unless the
environment names Arrow's pool; checked in fresh interpreters, where the choice is made."""

import os
import subprocess
import sys


def _pool(env_pool: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if env_pool:
        env["ARROW_DEFAULT_MEMORY_POOL"] = env_pool
    code = "import workbench, pyarrow; print(pyarrow.default_memory_pool().backend_name)"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_importing_the_workbench_puts_arrow_on_the_system_heap():
    assert _pool(None) == "system"


def test_a_pool_named_in_the_environment_is_kept():
    assert _pool("jemalloc") == "jemalloc"


# 400 MiB in 100 KiB blocks (under glibc's mmap threshold, so on the heap), every 50th kept, for a
# fresh interpreter: the free pages between them stay in the process until they are handed back
_FREED_BETWEEN_KEPT_BLOCKS = """
import numpy as np, workbench
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
def freed_between_kept_blocks():
    blocks = [np.ones(100 * 1024 // 8) for _ in range(4096)]
    return blocks[::50]
"""


def test_memory_freed_between_blocks_still_held_goes_back_to_the_system():
    code = f"""
{_FREED_BETWEEN_KEPT_BLOCKS}
kept = freed_between_kept_blocks()
before = rss()
workbench.give_back_memory()
print(before, rss())
"""
    before, after = map(
        float,
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split(),
    )
    assert before > 300, before
    assert after < before - 250, (before, after)


def _array_asks_for_huge_pages(env_value: str | None) -> bool:
    """Whether a 64 MiB array's mapping carries the kernel's huge-page advice (``hg`` among its
    VmFlags in /proc/self/smaps), in a fresh interpreter that imported the workbench first."""
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    if env_value is not None:
        env["NUMPY_MADVISE_HUGEPAGE"] = env_value
    code = """
import workbench, numpy as np
a = np.ones(64 * 2**20 // 8)
# the middle: NumPy advises from the array's first whole page on, which splits the mapping
address = a.__array_interface__["data"][0] + a.nbytes // 2
inside = False
for line in open("/proc/self/smaps"):
    first = line.split()[0]
    if "-" in first and not first.endswith(":"):
        start, end = (int(x, 16) for x in first.split("-"))
        inside = start <= address < end
    elif inside and first == "VmFlags:":
        print("hg" in line.split()[1:])
        break
"""
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out in {"True", "False"}, out
    return out == "True"


def test_importing_the_workbench_keeps_arrays_on_small_pages():
    # huge-page advice made the kernel compact memory on a fault; most of a large run's kernel time
    assert not _array_asks_for_huge_pages(None)


def test_huge_pages_asked_for_in_the_environment_are_kept():
    assert _array_asks_for_huge_pages("1")


def _pages_faulted_refilling(
    env_threshold: str | None, at_top: bool = False, variable: str = "MALLOC_MMAP_THRESHOLD_"
) -> tuple[float, float]:
    """The share of a 200 MiB array's pages the kernel had to fault in when it was made just after
    one of the same size was freed (a small block made between them, as an analysis leaves
    them; or, ``at_top``, none, so the freed array was the heap's top): inside
    ``arrays_kept_for_reuse`` and after it, in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    if env_threshold is not None:
        env[variable] = env_threshold
    code = f"""
import resource, numpy as np, workbench
pages = 200 * 2**20 // 4096
def refilled():
    first = np.ones(pages * 512)
    small = None if {at_top} else np.ones(2**19)  # 4 MiB: made past the first, at the heap's top
    del first
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    second = np.ones(pages * 512)
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / pages, small, second
with workbench.arrays_kept_for_reuse():
    inside = refilled()[0]
print(inside, refilled()[0])
"""
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), float(out[1])


def test_arrays_made_within_the_block_reuse_the_memory_freed_before_them():
    # mapped on their own (glibc's way over 32 MiB), each array freed went back to the system
    # and the next one's every page was zeroed anew by the kernel
    inside, after = _pages_faulted_refilling(None)
    assert inside < 0.05 and after > 0.95, (inside, after)


def test_a_threshold_set_in_the_environment_is_kept():
    inside, after = _pages_faulted_refilling(str(2**20))
    assert inside > 0.95 and after > 0.95, (inside, after)


def test_an_array_freed_at_the_heaps_top_is_reused_within_the_block():
    # glibc hands a free top of 64 MiB and more back to the system: each array made and freed
    # last was faulted in anew by the next
    inside, after = _pages_faulted_refilling(None, at_top=True)
    assert inside < 0.05 and after > 0.95, (inside, after)


def test_a_trim_threshold_set_in_the_environment_is_kept():
    inside, after = _pages_faulted_refilling(str(2**20), at_top=True, variable="MALLOC_TRIM_THRESHOLD_")
    assert inside > 0.95 and after > 0.95, (inside, after)


def _resident_after_freeing(call: str) -> tuple[float, float, float]:
    """RSS in MiB, in a fresh interpreter, with 400 MiB of small blocks freed between kept ones
    inside ``arrays_kept_for_reuse`` (as the blocks above): before ``call``, after it, and after
    the block's end."""
    code = f"""
{_FREED_BETWEEN_KEPT_BLOCKS}
with workbench.arrays_kept_for_reuse():
    kept = freed_between_kept_blocks()
    before = rss()
    {call}
    inside = rss()
print(before, inside, rss())
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    before, inside, after = map(float, out.stdout.split())
    return before, inside, after


def test_within_the_block_memory_goes_back_only_where_the_analysis_asks_and_at_its_end():
    # between most steps the analysis keeps what it freed; before the community step it hands it
    # back (kept, the community graph and the core's split stacked 2.2 GiB on it at 10 M)
    before, inside, after = _resident_after_freeing("workbench.give_back_memory()")
    assert before > 300 and inside > before - 50, (before, inside)
    assert after < inside - 250, (inside, after)
    before, inside, _ = _resident_after_freeing("workbench.give_back_memory(within_analysis=True)")
    assert before > 300 and inside < before - 250, (before, inside)
