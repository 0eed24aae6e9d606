"""Entity resolution against planted truth, or its speed on many address records; one JSON line.

    python benchmarks/entity_resolution.py --sellers 20000 --rings 120 --seeds 5,6,7
    python benchmarks/entity_resolution.py --speed 1000000 [--seed 1]

Quality: on each scenario and seed, the pairwise precision and recall of resolved addresses and
organisations, near-miss neighbours merged, and ring ARI and upstream top-1 with resolution on
and off; the line gives every run and the minimum, median and maximum of each figure.

Speed: ``--speed N`` address records (about 30% of places recorded two to five times, written
in the six ways the generator writes them, a fifth of them without coordinates) resolved with
the packaged settings; seconds, records per second, peak memory, and precision and recall.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time

import numpy as np
import pandas as pd

from workbench.analytics.resolution import resolve_entities
from workbench.bench import RESOLUTION_SCENARIOS, resolution_benchmark, resolution_figures
from workbench.synth.cities import CITIES, ROAD_KINDS, ROADS
from workbench.synth.duplicates import ADDRESS_STYLES, address_text


def address_records(n: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` address records and their planted entities."""
    rng = np.random.default_rng(seed)
    places = int(n / 1.6)
    weight = (CITIES["weight"] / CITIES["weight"].sum()).to_numpy()
    city = rng.choice(len(CITIES), places, p=weight)
    street = rng.integers(1, 2000, places)
    road = rng.integers(0, len(ROADS), places)
    kind = rng.integers(0, len(ROAD_KINDS), places)
    lat = CITIES["lat"].to_numpy()[city] + rng.normal(0, 0.06, places)
    lon = CITIES["lon"].to_numpy()[city] + rng.normal(0, 0.06, places)
    copies = np.where(rng.random(places) < 0.3, rng.integers(2, 6, places), 1)
    place = np.repeat(np.arange(places), copies)[:n]
    first = np.r_[True, place[1:] != place[:-1]]
    style = np.where(first, 0, rng.integers(0, ADDRESS_STYLES, len(place)))
    text = [
        address_text(int(s), int(street[p]), int(road[p]), int(kind[p]), int(city[p]), rng)
        for s, p in zip(style, place, strict=True)
    ]
    located = first | (rng.random(len(place)) >= 0.2)
    ids = pd.Series(np.arange(len(place))).astype(str).str.zfill(8).radd("A").to_numpy()
    # a duplicate lies tens of metres from the place; the first record is where it is
    jitter = np.where(first, 0.0, rng.normal(0, 0.0002, (2, len(place))))
    records = pd.DataFrame(
        {
            "address_id": ids,
            "text": text,
            "lat": np.where(located, lat[place] + jitter[0], np.nan),
            "lon": np.where(located, lon[place] + jitter[1], np.nan),
            "city": np.where(first, CITIES["city"].to_numpy()[city[place]], ""),
            "province": "",
            "country": "CN",
            "kind": "warehouse",
        }
    )
    truth = pd.DataFrame({"record_kind": "address", "record_id": ids, "entity_id": place.astype(str)})
    return records, truth


def speed(n: int, seed: int = 1) -> dict:
    records, truth = address_records(n, seed)
    started = time.perf_counter()
    resolution = resolve_entities({"addresses": records})
    seconds = time.perf_counter() - started
    figures = resolution_figures(resolution.records, truth)
    return {
        "records": n,
        "seed": seed,
        "pairs_compared": resolution.compared.get("address", 0),
        "entities": int(resolution.records["entity_id"].nunique()),
        "seconds": round(seconds, 1),
        "records_per_second": round(n / seconds),
        "address_precision": figures["address_precision"],
        "address_recall": figures["address_recall"],
        "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
    }


def spread(rows: list[dict]) -> dict:
    figures = [k for k in rows[0] if k not in ("scenario", "seed") and isinstance(rows[0][k], int | float)]
    out = {}
    for key in figures:
        values = [r[key] for r in rows if r.get(key) == r.get(key)]
        if values:
            out[key] = {"min": min(values), "median": statistics.median(values), "max": max(values)}
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=20000)
    parser.add_argument("--rings", type=int, default=120)
    parser.add_argument("--seeds", default="5,6,7")
    parser.add_argument("--scenarios", default=",".join(RESOLUTION_SCENARIOS))
    parser.add_argument("--speed", type=int, default=0, help="Time resolution of this many address records.")
    parser.add_argument("--seed", type=int, default=1, help="With --speed: the seed of the records.")
    args = parser.parse_args(argv)
    if args.speed:
        line = {"benchmark": "entity_resolution_speed", **speed(args.speed, args.seed)}
    else:
        seeds = tuple(int(s) for s in args.seeds.split(","))
        scenarios = tuple(s for s in args.scenarios.split(",") if s)
        rows = resolution_benchmark(args.sellers, args.rings, seeds, scenarios)
        line = {"benchmark": "entity_resolution", "spread": spread(rows), "runs": rows}
    print(json.dumps(line))
    return line


if __name__ == "__main__":
    main()
