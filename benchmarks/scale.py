"""Scale of the embedded pipeline: generate N sellers, analyse them into a store, print one JSON line.

    python benchmarks/scale.py --sellers 1000000 [--rings 3000] [--keep DIR]

Generation and analysis run as separate processes, so the peak memory reported is the
analysis's own (the issue's limits: 1 M sellers under 60 s and 4 GiB; 10 M under 16 GiB, with
seconds per million input rows within 1.5x of the 1 M figure).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _analyse(data: Path, work: Path) -> dict:
    """Run in a child process: analyse ``data`` into a store, report timings and own peak RSS."""
    from workbench.pipeline import analyze
    from workbench.store import EmbeddedStore

    def peak() -> int:
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

    def usage() -> tuple[int, float, int]:
        """Peak RSS (MiB), the kernel's seconds and page faults (pages touched for the first
        time: each one zeroed by the kernel) so far."""
        own = resource.getrusage(resource.RUSAGE_SELF)
        return round(own.ru_maxrss / 1024), own.ru_stime, own.ru_minflt + own.ru_majflt

    # where the memory goes: the peak so far as each step (and each input file) begins; and the
    # kernel's share of the time (page faults, zeroing and reclaiming memory), which grows with
    # the memory a step touches rather than with its work
    began: list[tuple[str, tuple[int, float, int]]] = []
    with EmbeddedStore(work / "store") as store:
        result = analyze(data, work / "out", store, on_step=lambda name: began.append((name, usage())))
    summary = result.summary()
    names = [name for name, _ in began]
    starts = [at for _, at in began]
    ends = starts[1:] + [usage()]
    return {
        "rows_read": summary["rows_read"],
        "sellers": len(result.loaded.tables["sellers"]),
        "rings": summary["rings"],
        "timings": summary["timings"],
        "peak_rss_mib": peak(),
        # each step's own peak is the most it reached by its end above what came before
        "peak_rss_mib_by_end_of": {name: end[0] for name, end in zip(names, ends, strict=True)},
        "kernel_seconds": round(ends[-1][1], 1),
        # per step, and per input file of the load (each file its own entry, as for the peaks)
        "kernel_seconds_of": {
            name: round(end[1] - start[1], 1) for name, start, end in zip(names, starts, ends, strict=True)
        },
        "page_faults": ends[-1][2],
        "page_faults_of": {
            name: end[2] - start[2] for name, start, end in zip(names, starts, ends, strict=True)
        },
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=1_000_000)
    parser.add_argument("--rings", type=int)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="generate into (or reuse) this folder")
    parser.add_argument("--analyse-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.analyse_only:
        # beside the data, on its disk; removed after (a 10 M run leaves 7 GB of store and files)
        with tempfile.TemporaryDirectory(dir=args.analyse_only.parent) as work:
            print(json.dumps(_analyse(args.analyse_only, Path(work))))
        return {}
    rings = args.rings or max(10, args.sellers // 333)
    with tempfile.TemporaryDirectory() as tmp:
        data = args.keep or Path(tmp) / "data"
        generate_seconds = None
        if not (data / "sellers.csv").exists():
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "workbench",
                    "synth",
                    "--out",
                    str(data),
                    "--sellers",
                    str(args.sellers),
                    "--rings",
                    str(rings),
                    "--seed",
                    str(args.seed),
                    "--clean",
                ],
                check=True,
            )
            generate_seconds = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        # the child's figures come on its output; its errors go straight to ours (a run of a
        # quarter hour that fails says why)
        child = subprocess.run(
            [sys.executable, __file__, "--analyse-only", str(data)], stdout=subprocess.PIPE, text=True
        )
        wall = time.perf_counter() - started
        if child.returncode:
            sys.exit(f"scale.py: the analysis of {data} failed (exit {child.returncode}); its error is above")
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    seconds = figures["timings"]["total"]
    line = {
        "benchmark": "scale",
        "sellers": figures["sellers"],
        "input_rows": figures["rows_read"],
        "rings": figures["rings"],
        "generate_seconds": generate_seconds,
        "analyze_seconds": round(seconds, 1),
        "process_seconds": round(wall, 1),
        "step_seconds": figures["timings"],
        "peak_rss_mib": figures["peak_rss_mib"],
        "peak_rss_mib_by_end_of": figures["peak_rss_mib_by_end_of"],
        "kernel_seconds": figures["kernel_seconds"],
        "kernel_seconds_of": figures["kernel_seconds_of"],
        "page_faults": figures["page_faults"],
        "page_faults_of": figures["page_faults_of"],
        "seconds_per_million_rows": round(seconds / (figures["rows_read"] / 1e6), 2),
    }
    print(json.dumps(line))
    return line


if __name__ == "__main__":
    main()
