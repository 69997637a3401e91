"""A/B comparisons on a big month: the variant catalogue, proposals, one comparison, a search.

    python benchmarks/bench_abtest.py                      # 200,000 rows: 1,000 campaigns x 5 ad groups x 3 platforms
    python benchmarks/bench_abtest.py --rows 20000 --campaigns 200   # quick look

Rows are generated in memory (canonical columns, 30 days), then timed, best of `--repeat`:

* `catalogue` — every campaign and ad group with its figures (what the form's menu lists);
* `propose` — groups whose names differ only by a variant marker (half the campaigns are
  "…-素材A"/"…-素材B" pairs);
* `compare` — two variants: figures and both tests;
* `search` — the options a keystroke gets when the month has more than 100 variants.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.optimise import search  # noqa: E402
from bot.insight.abtest import catalogue, compare, propose  # noqa: E402


def rows(n: int, campaigns: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = [f"计划{i:04d}-素材{'AB'[i % 2]}" for i in range(campaigns)]
    return pd.DataFrame({
        "date": pd.Timestamp("2026-11-01") + pd.to_timedelta(rng.integers(0, 30, n), unit="D"),
        "platform": rng.choice(["巨量引擎", "腾讯广告", "Meta"], n),
        "campaign": rng.choice(names, n),
        "ad_group": [f"组{x}" for x in rng.integers(0, 5, n)],
        "impressions": rng.integers(100, 10_000, n).astype(float),
        "clicks": rng.integers(0, 100, n).astype(float),
        "conversions": rng.integers(0, 5, n).astype(float),
        "spend": rng.random(n) * 100,
    })


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--campaigns", type=int, default=1_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    frame = rows(args.rows, args.campaigns)
    cat = catalogue(frame)
    print(f"{args.rows:,} rows, {len(cat):,} variants")
    print(f"catalogue  {best(lambda: catalogue(frame), args.repeat) * 1000:8.0f} ms")
    print(f"propose    {best(lambda: propose(cat), args.repeat) * 1000:8.0f} ms ({len(propose(cat))} proposals)")
    print(f"compare    {best(lambda: compare(frame, [cat[0].key, cat[1].key]), args.repeat) * 1000:8.0f} ms")
    print(f"search     {best(lambda: search(cat, '素材A 组3'), args.repeat) * 1000:8.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
