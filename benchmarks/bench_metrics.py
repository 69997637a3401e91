"""Benchmark: `feedsum metrics --json FILE` against a bare `pandas.read_csv(FILE)`.

    python benchmarks/bench_metrics.py [--rows 1000000] [--repeat 3] [--keep]

Generates a 巨量引擎-style daily export (UTF-8, 13 columns, a 合计 footer) in a temp dir, runs
each command in a fresh subprocess (interpreter start and imports included on both sides) and
reads that child's wall time and peak RSS (os.wait4). Best of `--repeat` runs is reported.
The parent stays small (no pandas import; the file is generated in a child) because Linux starts
a child's ru_maxrss at the parent's RSS at fork time.
Targets: time ratio <= 1.5 and peak-memory ratio <= 2.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIME_TARGET, MEM_TARGET = 1.5, 2.0


def make_export(path: Path, rows: int, seed: int = 7) -> None:
    """Write a realistic 巨量引擎 project-by-day export with `rows` data rows and a 合计 footer."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n_projects = max(1, rows // 30)
    project_ids = rng.integers(7_000_000_000_000_000_000, 7_400_000_000_000_000_000, n_projects, dtype=np.uint64)
    names = np.array([f"项目_{i:05d}_信息流_{['拉新', '促活', '电商', '线索'][i % 4]}" for i in range(n_projects)])
    days = pd.date_range("2026-03-01", "2026-03-31").strftime("%Y-%m-%d").to_numpy()
    p = rng.integers(0, n_projects, rows)
    impr = rng.lognormal(8, 1.5, rows).astype(np.int64)
    clicks = rng.binomial(impr, 0.02)
    conv = rng.binomial(clicks, 0.05)
    spend = np.round(impr * rng.uniform(0.005, 0.05, rows), 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        cpm = np.where(impr > 0, spend / impr * 1000, 0)
        ctr = np.where(impr > 0, clicks / impr * 100, 0)
        cpc = np.where(clicks > 0, spend / clicks, 0)
        cvr = np.where(clicks > 0, conv / clicks * 100, 0)
        cpa = np.where(conv > 0, np.round(spend / np.maximum(conv, 1), 2).astype(str), "--")
    df = pd.DataFrame(
        {
            "时间-天": days[rng.integers(0, len(days), rows)],
            "项目ID": project_ids[p].astype(str),
            "项目名称": names[p],
            "消耗": spend,
            "展示数": impr,
            "平均千次展现费用(元)": np.round(cpm, 2),
            "点击数": clicks,
            "点击率%": np.round(ctr, 2),
            "平均点击单价(元)": np.round(cpc, 2),
            "转化数": conv,
            "平均转化成本": cpa,
            "转化率%": np.round(cvr, 2),
            "深度转化数": rng.binomial(conv, 0.2),
        }
    )
    df.to_csv(path, index=False, encoding="utf-8")
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"合计,--,--,{spend.sum():.2f},{impr.sum()},--,{clicks.sum()},--,--,{conv.sum()},--,--,--\n")


def measure(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)  # Linux reports KiB
    return wall, rss


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the generated file")
    ap.add_argument("--generate", metavar="PATH", help=argparse.SUPPRESS)  # internal: child mode
    args = ap.parse_args(argv)
    if args.generate:
        make_export(Path(args.generate), args.rows)
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="feedsum-bench-"))
    path = tmp / "oceanengine_2026-03.csv"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--generate", str(path), "--rows", str(args.rows)], check=True)
    size = path.stat().st_size
    print(f"generated {args.rows:,} rows, {size / 1e6:.1f} MB in {time.perf_counter() - t0:.1f}s: {path}")

    ours = [sys.executable, "-m", "bot.metrics_cli", "--json", str(path)]
    base = [sys.executable, "-c", f"import pandas as pd; pd.read_csv({str(path)!r})"]
    results = {"feedsum metrics --json": [], "pandas.read_csv": []}
    for _ in range(args.repeat):  # interleaved so both see the same cache/CPU conditions
        results["pandas.read_csv"].append(measure(base))
        results["feedsum metrics --json"].append(measure(ours))
    best = {k: (min(w for w, _ in v), max(r for _, r in v)) for k, v in results.items()}
    for k, (w, r) in best.items():
        print(f"{k:24s} wall {w:6.2f} s   peak RSS {r / 2**20:7.1f} MiB")
    (tw, tr), (bw, br) = best["feedsum metrics --json"], best["pandas.read_csv"]
    time_ratio, mem_ratio = tw / bw, tr / br
    ok = time_ratio <= TIME_TARGET and mem_ratio <= MEM_TARGET
    print(f"time ratio {time_ratio:.2f} (target <= {TIME_TARGET})   "
          f"memory ratio {mem_ratio:.2f} (target <= {MEM_TARGET})   {'OK' if ok else 'MISSED'}")
    if not args.keep:
        path.unlink()
        tmp.rmdir()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
