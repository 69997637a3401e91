"""Benchmark: `feedsum metrics --json FILE` against a bare `pandas.read_csv(FILE)`, per preset layout.

    python benchmarks/bench_metrics.py                      # every layout, 1,000,000 rows, 3 runs each
    python benchmarks/bench_metrics.py --rows 200000 --repeat 1 --layouts baidu,google-ads-utf16
    python benchmarks/bench_metrics.py --big 10000000       # + one 10M-row file: peak memory, progress bar

For each preset's layout (google-ads in UTF-8 and in its UTF-16 "CSV (Excel)" form, meta,
oceanengine and baidu in GB18030, tencent, kuaishou with a BOM, tiktok, uc, generic) it writes an
export of `--rows` data rows with that platform's quirks (title and period lines, quoted
thousands, ` --`, `%` ratios, `<5` masks, total rows) to a temp dir, then runs each side in a fresh
subprocess, interleaved: `python -m feedsum.metrics_cli --json FILE` and `python -c "import pandas as
pd; pd.read_csv(FILE, ...)"`, where `...` is only what read_csv needs to read that file at all
(encoding, separator, lines above the header). Wall time includes interpreter start and imports
on both sides; peak memory is the child's ru_maxrss (os.wait4). Best wall time and highest peak of
the runs are compared. The parent stays small (no pandas; files are written by a child) because
on Linux a child's ru_maxrss starts at the parent's RSS at fork time.

`--big N` writes one N-row 巨量引擎 export (GB18030) and runs `feedsum metrics --json` on it with
stderr on a pseudo-terminal, so the progress bar draws as for a person; it reports wall time,
peak memory and whether the bar was drawn. Targets: time and memory ratios <= 1.0; big file <= 1.5 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIME_TARGET, MEM_TARGET, BIG_MEM_TARGET = 1.0, 1.0, 1.5 * 2**30


# --------------------------------------------------------------------------- layouts (child process)


def _data(rows: int, seed: int):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n_campaigns = max(1, rows // 30)
    camp = rng.integers(0, n_campaigns, rows)
    impr = rng.lognormal(8, 1.5, rows).astype(np.int64) + 1
    clicks = rng.binomial(impr, 0.02)
    conv = rng.binomial(clicks, 0.05)
    spend = np.round(impr * rng.uniform(0.005, 0.05, rows), 2)
    revenue = np.round(spend * rng.uniform(0, 4, rows), 2)
    days = pd.date_range("2026-03-01", "2026-03-31")
    day = days[rng.integers(0, len(days), rows)]
    return rng, camp, impr, clicks, conv, spend, revenue, day


def _ratio(num, den, scale=1.0, digits=2):
    import numpy as np

    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, np.round(num / np.maximum(den, 1) * scale, digits), 0.0)


def _pct(values):
    import numpy as np

    return np.char.add(np.round(values, 2).astype(str), "%")


def _thousands(values):
    import pandas as pd

    return pd.Series(values).map("{:,}".format).to_numpy()


def _write(path: Path, df, encoding: str = "utf-8", sep: str = ",", pre: tuple[str, ...] = (),
           foot: tuple[str, ...] = ()) -> None:
    with open(path, "w", encoding=encoding, newline="") as fh:
        for line in pre:
            fh.write(line + "\r\n" if encoding == "utf-16" else line + "\n")
        df.to_csv(fh, index=False, sep=sep, lineterminator="\r\n" if encoding == "utf-16" else "\n")
        for line in foot:
            fh.write(line + ("\r\n" if encoding == "utf-16" else "\n"))


def google_ads(path: Path, rows: int, seed: int, utf16: bool = False) -> dict:
    """Google Ads: title and period lines, quoted thousands, ` --`, `%` CTR, `Total:` rows."""
    import numpy as np
    import pandas as pd

    rng, camp, impr, clicks, conv, spend, revenue, day = _data(rows, seed)
    names = np.array([f"Campaign {i:05d} - {['Search', 'Display', 'Shopping', 'Video'][i % 4]}"
                      for i in range(camp.max() + 1)])
    cpc = np.where(clicks > 0, _ratio(spend, clicks).astype(str), " --")
    df = pd.DataFrame({
        "Campaign status": "Enabled", "Campaign": names[camp], "Day": day.strftime("%Y-%m-%d"),
        "Currency code": "USD", "Budget type": "Daily", "Impr.": _thousands(impr), "Clicks": _thousands(clicks),
        "CTR": _pct(_ratio(clicks, impr, 100)), "Avg. CPC": cpc, "Cost": _thousands(spend),
        "Conversions": np.where(conv > 0, conv.astype(str), " --"), "Conv. value": revenue,
        "Conv. value / cost": _ratio(revenue, spend),
    })
    sep, enc = ("\t", "utf-16") if utf16 else (",", "utf-8")
    foot = [sep.join([label, "", " --", "USD", "", f'"{impr.sum():,}"', f'"{clicks.sum():,}"', "2.00%", " --",
                      f'"{spend.sum():,.2f}"', str(conv.sum()), f"{revenue.sum():.2f}", " --"])
            for label in ("Total: Campaigns", "Total: Account")]
    _write(path, df, enc, sep, pre=("Campaign report", '"March 1, 2026 - March 31, 2026"'), foot=tuple(foot))
    return {"encoding": enc, "sep": sep, "skiprows": 2}


def meta(path: Path, rows: int, seed: int) -> dict:
    """Meta: the account summary row first (no campaign name), ROAS instead of revenue."""
    import numpy as np
    import pandas as pd

    rng, camp, impr, clicks, conv, spend, revenue, day = _data(rows, seed)
    d = day.strftime("%Y-%m-%d")
    df = pd.DataFrame({
        "Reporting starts": d, "Reporting ends": d, "Campaign name": np.char.add("Meta campaign ", camp.astype(str)),
        "Impressions": impr, "Reach": impr // 2, "Link clicks": clicks,
        "CTR (link click-through rate)": _ratio(clicks, impr, 100, 6), "CPC (cost per link click)": _ratio(spend, clicks),
        "Amount spent (USD)": spend, "Results": conv, "Cost per results": _ratio(spend, conv),
        "Purchase ROAS (return on ad spend)": _ratio(revenue, spend, 1, 6),
    })
    account = pd.DataFrame([["2026-03-01", "2026-03-31", "", impr.sum(), impr.sum() // 2, clicks.sum(), 2.0, 1.0,
                             round(spend.sum(), 2), conv.sum(), 1.0, 1.0]], columns=df.columns)
    _write(path, pd.concat([account, df], ignore_index=True))
    return {}


def oceanengine(path: Path, rows: int, seed: int) -> dict:
    """巨量引擎 project report (GB18030): 13 columns, `--` cost per conversion, a `合计` footer.
    Written a million rows at a time, so a 10M-row file needs no more memory than a 1M one."""
    import numpy as np
    import pandas as pd

    totals = np.zeros(3, dtype=np.int64)
    spent = 0.0
    with open(path, "w", encoding="gb18030", newline="") as fh:
        for k, start in enumerate(range(0, rows, 1_000_000)):
            n = min(1_000_000, rows - start)
            rng, camp, impr, clicks, conv, spend, revenue, day = _data(n, seed + k)
            ids = np.random.default_rng(seed).integers(7_000_000_000_000_000_000, 7_400_000_000_000_000_000,
                                                       camp.max() + 1, dtype=np.uint64)
            names = np.array([f"项目_{i:05d}_信息流_{['拉新', '促活', '电商', '线索'][i % 4]}"
                              for i in range(camp.max() + 1)])
            df = pd.DataFrame({
                "时间-天": day.strftime("%Y-%m-%d"), "项目ID": ids[camp].astype(str), "项目名称": names[camp],
                "消耗": spend, "展示数": impr, "平均千次展现费用(元)": _ratio(spend, impr, 1000), "点击数": clicks,
                "点击率%": _ratio(clicks, impr, 100), "平均点击单价(元)": _ratio(spend, clicks), "转化数": conv,
                "平均转化成本": np.where(conv > 0, _ratio(spend, conv).astype(str), "--"),
                "转化率%": _ratio(conv, clicks, 100), "深度转化数": rng.binomial(conv, 0.2),
            })
            df.to_csv(fh, index=False, header=k == 0, lineterminator="\n")
            totals += [impr.sum(), clicks.sum(), conv.sum()]
            spent += spend.sum()
        fh.write(f"合计,--,--,{spent:.2f},{totals[0]},--,{totals[1]},--,--,{totals[2]},--,--,--\n")
    return {"encoding": "gb18030"}


def tencent(path: Path, rows: int, seed: int) -> dict:
    """腾讯广告: 下单金额 (revenue), 点击率 as a percentage."""
    import numpy as np
    import pandas as pd

    rng, camp, impr, clicks, conv, spend, revenue, day = _data(rows, seed)
    df = pd.DataFrame({
        "日期": day.strftime("%Y-%m-%d"), "广告名称": np.char.add("广告_", camp.astype(str)), "花费": spend,
        "曝光次数": impr, "点击次数": clicks, "点击率": _pct(_ratio(clicks, impr, 100)), "下单金额": revenue,
        "下单次数": conv, "曝光人数": impr // 3,
    })
    _write(path, df)
    return {}


def baidu(path: Path, rows: int, seed: int) -> dict:
    """百度 (GB18030): report title, period and account lines, `%` CTR, `[已删除]` names, a `总计` footer."""
    import numpy as np
    import pandas as pd

    rng, camp, impr, clicks, conv, spend, revenue, day = _data(rows, seed)
    names = np.array([f"信息流计划{i}" + ("[已删除]" if i % 9 == 0 else "") for i in range(camp.max() + 1)])
    df = pd.DataFrame({
        "日期": day.strftime("%Y-%m-%d"), "账户": "百度账户A", "推广计划": names[camp], "推广计划ID": 1000 + camp,
        "推广单元": "单元1", "展现": impr, "点击": clicks, "消费": spend, "点击率": _pct(_ratio(clicks, impr, 100)),
        "平均点击价格": _ratio(spend, clicks), "千次展现消费": _ratio(spend, impr, 1000), "网页转化": conv,
    })
    foot = f"总计,,,,,{impr.sum()},{clicks.sum()},{spend.sum():.2f},0.00%,,,{conv.sum()}"
    _write(path, df, "gb18030", pre=("推广计划报告", "时间范围：2026-03-01至2026-03-31", "账户：百度账户A", ""),
           foot=(foot,))
    return {"encoding": "gb18030", "skiprows": 4}


def kuaishou(path: Path, rows: int, seed: int) -> dict:
    """快手 (UTF-8 with BOM): full-width brackets in headers, `%` ratios, `--` prices."""
    import numpy as np
    import pandas as pd

    rng, camp, impr, clicks, conv, spend, revenue, day = _data(rows, seed)
    df = pd.DataFrame({
        "日期": day.strftime("%Y-%m-%d"), "计划名称": np.char.add("快手_计划", camp.astype(str)), "花费（元）": spend,
        "封面曝光数": impr, "封面点击数": clicks, "素材曝光数": impr * 2, "行为数": clicks * 3,
        "封面点击率": _pct(_ratio(clicks, impr, 100)), "行为率": "1.00%",
        "平均点击单价（元）": np.where(clicks > 0, _ratio(spend, clicks).astype(str), "--"), "转化数": conv,
    })
    _write(path, df, "utf-8-sig")
    return {"encoding": "utf-8-sig"}


def tiktok(path: Path, rows: int, seed: int) -> dict:
    """TikTok: `<5` masked conversions, `--` and `-` as empty, `%` CTR."""
    import numpy as np
    import pandas as pd

    rng, camp, impr, clicks, conv, spend, revenue, day = _data(rows, seed)
    conv_text = np.where(conv < 5, np.where(conv == 0, "--", "<5"), conv.astype(str))
    df = pd.DataFrame({
        "By Day": day.strftime("%Y-%m-%d"), "Campaign name": np.char.add("TT_", camp.astype(str)), "Cost": spend,
        "Impressions": impr, "CPM": _ratio(spend, impr, 1000), "Clicks (destination)": clicks,
        "CTR (destination)": _pct(_ratio(clicks, impr, 100)), "Conversions": conv_text, "Cost per conversion": "-",
    })
    _write(path, df)
    return {}


def uc(path: Path, rows: int, seed: int) -> dict:
    """UC汇川: dates as YYYYMMDD, `%` CTR, 转化数（点击时间）."""
    import numpy as np
    import pandas as pd

    rng, camp, impr, clicks, conv, spend, revenue, day = _data(rows, seed)
    df = pd.DataFrame({
        "日期": day.strftime("%Y%m%d"), "推广计划": np.char.add("UC_", camp.astype(str)), "展现数": impr,
        "点击数": clicks, "消费": spend, "点击率": _pct(_ratio(clicks, impr, 100)), "点击均价": _ratio(spend, clicks),
        "转化数（点击时间）": conv,
    })
    _write(path, df)
    return {}


def generic(path: Path, rows: int, seed: int) -> dict:
    """A hand-made sheet no platform wrote: date, campaign and the five base counts."""
    import numpy as np
    import pandas as pd

    rng, camp, impr, clicks, conv, spend, revenue, day = _data(rows, seed)
    df = pd.DataFrame({
        "date": day.strftime("%Y-%m-%d"), "campaign": np.char.add("campaign ", camp.astype(str)),
        "impressions": impr, "clicks": clicks, "spend": spend, "conversions": conv, "revenue": revenue,
    })
    _write(path, df)
    return {}


LAYOUTS = {
    "google-ads": google_ads,
    "google-ads-utf16": lambda p, r, s: google_ads(p, r, s, utf16=True),
    "meta": meta,
    "oceanengine": oceanengine,
    "tencent": tencent,
    "baidu": baidu,
    "kuaishou": kuaishou,
    "tiktok": tiktok,
    "uc": uc,
    "generic": generic,
}


# --------------------------------------------------------------------------- measuring (parent)


def measure(cmd: list[str], pty: bool = False) -> tuple[float, int, str, float]:
    """Wall seconds, peak RSS (bytes), stderr and CPU seconds (user + system) of one child process."""
    if pty:
        import fcntl
        import pty as ptys
        import struct
        import termios

        master, slave = ptys.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal's width
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=slave)
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed its side
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(master)
        err = b"".join(chunks).decode(errors="replace")
    else:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        err = None
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if err is None:
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({code}):\n{err}")
    rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)  # Linux reports KiB
    return wall, rss, err, usage.ru_utime + usage.ru_stime


def _generate(path: Path, layout: str, rows: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--generate", str(path), "--layout", layout, "--rows", str(rows)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def _versions() -> str:
    code = "import sys, pandas, pyarrow, numpy; print(sys.version.split()[0], pandas.__version__, pyarrow.__version__, numpy.__version__)"
    py, pd_v, pa_v, np_v = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                          check=True).stdout.split()
    return f"Python {py}, pandas {pd_v}, pyarrow {pa_v}, numpy {np_v}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--layouts", default=",".join(LAYOUTS), help="comma-separated, from: " + ", ".join(LAYOUTS))
    ap.add_argument("--big", type=int, default=0, metavar="ROWS", help="also one file of ROWS rows (e.g. 10000000)")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--exact", action="store_true",
                    help="also time the command reading every file the exact way (read_export's rows, as before)")
    ap.add_argument("--generate", metavar="PATH", help=argparse.SUPPRESS)  # internal: child mode
    ap.add_argument("--layout", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.generate:
        print(json.dumps(LAYOUTS[args.layout](Path(args.generate), args.rows, 7)))
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="feedsum-bench-"))
    print(_versions(), f"| {os.cpu_count()} CPUs | load average {os.getloadavg()[0]:.2f} at start")
    ok = True
    print(f"{'layout':18s} {'MB':>6s} {'feedsum s':>9s} {'read_csv s':>10s} {'time x':>6s} "
          f"{'feedsum MiB':>11s} {'read_csv MiB':>12s} {'mem x':>5s}  {'CPU s (feedsum/read_csv)':>24s}")
    for name in args.layouts.split(","):
        path = tmp / f"{name}.csv"
        kwargs = _generate(path, name, args.rows)
        ours = [sys.executable, "-m", "feedsum.metrics_cli", "--json", str(path)]
        call = ", ".join([repr(str(path))] + [f"{k}={v!r}" for k, v in kwargs.items()])
        base = [sys.executable, "-c", f"import pandas as pd; pd.read_csv({call})"]
        exact = [sys.executable, "-c", "import sys; from bot import export_sums, metrics_cli; "
                 f"export_sums.MIN_BYTES = float('inf'); sys.exit(metrics_cli.main(['--json', {str(path)!r}]))"]
        runs = {"ours": [], "base": [], "exact": []}
        sides = (("base", base), ("ours", ours)) + ((("exact", exact),) if args.exact else ())
        for _ in range(args.repeat):  # interleaved so both see the same cache/CPU conditions
            for side, cmd in sides:
                wall, rss, _, cpu = measure(cmd)
                runs[side].append((wall, rss, cpu))
        (tw, tr, tc), (bw, br, bc) = [(min(r[0] for r in runs[k]), max(r[1] for r in runs[k]), min(r[2] for r in runs[k]))
                                      for k in ("ours", "base")]
        t_ratio, m_ratio = tw / bw, tr / br
        ok &= t_ratio <= TIME_TARGET and m_ratio <= MEM_TARGET
        print(f"{name:18s} {path.stat().st_size / 1e6:6.1f} {tw:9.2f} {bw:10.2f} {t_ratio:6.2f} "
              f"{tr / 2**20:11.1f} {br / 2**20:12.1f} {m_ratio:5.2f}  {tc:11.2f} / {bc:4.2f} ({tc / bc:.2f})"
              + (f"   exact way: {min(r[0] for r in runs['exact']) / bw:.2f}x time, "
                 f"{max(r[1] for r in runs['exact']) / br:.2f}x memory" if args.exact else ""),
              flush=True)
        if not args.keep:
            path.unlink()
    if args.big:
        path = tmp / "oceanengine-big.csv"
        _generate(path, "oceanengine", args.big)
        wall, rss, err, cpu = measure([sys.executable, "-m", "feedsum.metrics_cli", "--json", str(path)], pty=True)
        bar = "%|" in err and "rows/s" in err
        ok &= rss <= BIG_MEM_TARGET and bar
        print(f"big: {args.big:,} rows, {path.stat().st_size / 1e6:.0f} MB: wall {wall:.1f} s (CPU {cpu:.1f} s), "
              f"peak {rss / 2**20:.0f} MiB (target <= {BIG_MEM_TARGET / 2**20:.0f}), progress bar drawn: {bar}")
        if not args.keep:
            path.unlink()
    print(f"load average {os.getloadavg()[0]:.2f} at end; targets: time x <= {TIME_TARGET}, mem x <= {MEM_TARGET}"
          f" -> {'OK' if ok else 'MISSED'}")
    if not args.keep:
        tmp.rmdir()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
