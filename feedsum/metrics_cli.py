"""`feedsum metrics FILE...`: read ad exports and print monthly KPIs (table or JSON).

Also runnable alone: ``python -m feedsum.metrics_cli FILE... [--preset NAME] [--json] [--month YYYY-MM]
[--date-format DMY|MDY|STRFTIME] [--platform NAME] [--locale en|zh-CN]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.data.export_sums import sum_export
from bot.data.exports import ExportError, dedupe
from bot.insight.kpi import kpi_table, kpis, kpis_by_group
from bot.text import formats
from bot.text.i18n import env_locale, t_plain, text_of
from feedsum.errors import CliError
from feedsum.metrics_args import add_arguments

if TYPE_CHECKING:
    import pandas as pd

# KPI keys of the JSON output, in order (ratios as fractions, null when undefined).
JSON_KEYS = ("impressions", "clicks", "spend", "conversions", "revenue", "ctr", "cpc", "cpm", "cvr", "cpa", "roas")
_TABLE = (  # (header, key, format)
    ("spend", "spend", "money"),
    ("impr.", "impressions", "int"),
    ("clicks", "clicks", "int"),
    ("conv.", "conversions", "num"),
    ("CTR", "ctr", "pct"),
    ("CPC", "cpc", "money"),
    ("CPM", "cpm", "money"),
    ("CVR", "cvr", "pct"),
    ("CPA", "cpa", "money"),
    ("ROAS", "roas", "ratio"),
)


def _num(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _kpi_obj(values) -> dict[str, float | None]:
    return {k: _num(values[k]) for k in JSON_KEYS}


def _fmt(x, kind: str) -> str:
    x = _num(x)
    if x is None:
        return "—"
    if kind == "int":
        return f"{x:,.0f}"
    if kind == "pct":
        return f"{x * 100:.2f}%"
    if kind == "ratio":
        return f"{x:.2f}"
    if kind == "num":
        return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"
    return f"{x:,.2f}"


def _width(s: str) -> int:
    """Display width: CJK characters take two terminal columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, width: int, right: bool) -> str:
    fill = " " * max(0, width - _width(s))
    return fill + s if right else s + fill


def _json(columns: dict[str, np.ndarray], dropped: int) -> dict:
    """The JSON object of one file's sums: KPIs over all rows and per month."""
    n = len(columns["date"])
    month, group = np.unique(columns["date"].astype("datetime64[M]"), return_inverse=True)
    per_month = kpis_by_group(columns, group.reshape(-1), len(month))
    return {"rows": int(columns["_rows"].sum()) if n else 0, "dropped": dropped,
            "totals": _kpi_obj(kpis_by_group(columns, np.zeros(n, dtype=np.int64), 1)[0]),
            "months": {str(m): _kpi_obj(k) for m, k in zip(np.datetime_as_string(month, unit="M"), per_month,
                                                          strict=True)}}


def _table(rows: pd.DataFrame) -> str:
    months = rows["date"].dt.to_period("M").astype(str)
    data = rows.assign(month=months)
    per_platform = kpi_table(data, ["month", "platform"])
    per_month = kpi_table(data, "month")
    lines = [["month", "platform"] + [h for h, _, _ in _TABLE]]
    for month, mrow in per_month.iterrows():
        for (m, plat), prow in per_platform.loc[[month]].iterrows():
            lines.append([m, str(plat)] + [_fmt(prow[k], f) for _, k, f in _TABLE])
        if per_platform.loc[[month]].shape[0] > 1:
            lines.append([month, "all"] + [_fmt(mrow[k], f) for _, k, f in _TABLE])
    widths = [max(_width(r[i]) for r in lines) for i in range(len(lines[0]))]
    text = [
        "  ".join(_pad(c, widths[i], right=i >= 2) for i, c in enumerate(r)).rstrip() for r in lines
    ]
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(text)


def run(
    paths: list[str],
    preset: str = "auto",
    as_json: bool = False,
    out=None,
    *,
    columns: dict[str, str] | None = None,
    month: str | None = None,
    date_format: str | None = None,
    platform: str | None = None,
    locale: str = "en",
) -> int:
    """Read every file (later files replace earlier ones for the same day/platform/campaign)
    and print KPIs per month and platform; with `as_json` a JSON object instead.

    `columns` is the config's ``[reports.metrics.columns]`` mapping (canonical name → header);
    `month` files reports that cover a period under that month, `date_format` states the
    day/month order, `platform` names the platform of every row. Warnings and errors go to
    stderr in `locale`.

    Returns the exit code: 0 on success, 2 when a file cannot be imported (message on stderr).
    """
    out = out or sys.stdout  # looked up per call: the stream may be swapped after import
    results, dropped = [], 0
    try:
        for p in paths:
            # Day sums, not rows: a big file is streamed; campaigns kept apart only to combine snapshots.
            res = sum_export(p, preset=preset, columns=columns, progress=True, month=month, date_format=date_format,
                             platform=platform, context="cli", by_campaign=len(paths) > 1)
            for w in res.warnings:
                print(f"{res.file}: {text_of(w, locale)}", file=sys.stderr)
            results.append(res)
            dropped += res.dropped
    except ExportError as exc:
        print(f"feedsum metrics: {exc.text(locale)}", file=sys.stderr)
        return 2
    if as_json and len(results) == 1 and not np.isnat(results[0].columns["date"]).any():
        # One file's sums as numpy columns: no pandas to import (a fifth of a big file's time).
        obj = _json(results[0].columns, dropped)
        out.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
        return 0
    rows = results[0].rows if len(results) == 1 else dedupe([r.rows for r in results])
    count = int(rows["_rows"].sum()) if "_rows" in rows else 0  # data rows behind the sums

    if as_json:
        months = {}
        if len(rows):
            per_month = kpi_table(rows.assign(month=rows["date"].dt.to_period("M").astype(str)), "month")
            months = {str(m): _kpi_obj(r) for m, r in per_month.iterrows()}
        obj = {"rows": count, "dropped": dropped, "totals": _kpi_obj(kpis(rows)), "months": months}
        out.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
        return 0
    if not len(rows):
        out.write(t_plain(locale, "cli.metrics.none", dropped=dropped) + "\n")
        return 0
    out.write(_table(rows) + "\n")
    out.write("\n" + t_plain(locale, "cli.metrics.rows", count=formats.decimal(count, locale), dropped=dropped) + "\n")
    return 0




def run_args(args: argparse.Namespace) -> int:
    return run(args.files, preset=args.preset, as_json=args.json, month=args.month, date_format=args.date_format,
               platform=args.platform, locale=args.locale or env_locale(os.environ))


EXPORT_SUFFIXES = (".csv", ".tsv", ".xlsx")


def _export_files(names: list[str]) -> list[str]:
    """Files as given; a folder stands for the exports directly inside it."""
    files = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            found = sorted(str(p) for p in path.iterdir() if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES)
            if not found:
                raise CliError(f"no exports in the folder {name} (looked for .csv, .tsv and .xlsx files)")
            files += found
        elif not path.exists():
            raise CliError(f"no such file: {name}")
        else:
            files.append(name)
    return files


def from_cli(settings, args) -> int:
    """`feedsum metrics`: a folder stands for the exports in it."""
    args.files = _export_files(args.files)
    return run_args(args)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    ap = argparse.ArgumentParser(prog="feedsum metrics", description="KPIs from ad-platform exports")
    add_arguments(ap)
    return run_args(ap.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
