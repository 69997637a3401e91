"""The ad data behind the independent claim-check corpus (tests/claims_corpus_blind.py).

Two months (October and November 2026) of daily rows for two platforms and four campaigns, made
deterministically so the corpus writer and the checker see the same numbers. `table()` prints the
monthly figures the corpus writer was given.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

CAMPAIGNS = [
    # platform, campaign, impressions/day, CTR, CPC (yuan), CVR, revenue per conversion
    ("巨量引擎", "抖音-拉新-A", 180_000, 0.0105, 2.40, 0.048, 210.0),
    ("巨量引擎", "抖音-拉新-B", 160_000, 0.0088, 2.55, 0.041, 205.0),
    ("腾讯广告", "QQ浏览器拉新", 120_000, 0.0124, 1.95, 0.078, 150.0),
    ("腾讯广告", "微信朋友圈-品牌", 90_000, 0.0067, 3.10, 0.022, 320.0),
]
MONTHS = {"2026-10": 0.93, "2026-11": 1.0}  # October runs at 93% of November's volume
TARGETS = {"2026-11": {"ctr": 0.0110, "cpa": 50.0, "roas": 3.0, "budget": 400_000.0}}


def rows() -> list[dict]:
    """Daily rows, every campaign every day of both months (deterministic)."""
    rng = random.Random(20261130)
    out = []
    for month, scale in MONTHS.items():
        y, m = map(int, month.split("-"))
        day = date(y, m, 1)
        while day.month == m:
            for platform, campaign, impr, ctr, cpc, cvr, rpc in CAMPAIGNS:
                # November: the second Douyin variant and the Moments campaign improve mid-month.
                late = month == "2026-11" and day.day >= 15
                i = int(impr * scale * rng.uniform(0.85, 1.15))
                c_ctr = ctr * (1.12 if late and campaign in ("抖音-拉新-B", "微信朋友圈-品牌") else 1.0)
                if month == "2026-10":
                    c_ctr *= 0.95
                clicks = int(i * c_ctr * rng.uniform(0.9, 1.1))
                spend = round(clicks * cpc * rng.uniform(0.95, 1.05), 2)
                conv = int(clicks * cvr * rng.uniform(0.85, 1.15))
                revenue = round(conv * rpc * rng.uniform(0.9, 1.1), 2)
                out.append({"date": day.isoformat(), "platform": platform, "campaign": campaign,
                            "impressions": i, "clicks": clicks, "spend": spend,
                            "conversions": conv, "revenue": revenue})
            day += timedelta(days=1)
    return out


def csv_text() -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows()[0]))
    w.writeheader()
    w.writerows(rows())
    return buf.getvalue()


def _kpis(rs: list[dict]) -> dict:
    s = {k: sum(r[k] for r in rs) for k in ("impressions", "clicks", "spend", "conversions", "revenue")}
    s["ctr"] = s["clicks"] / s["impressions"]
    s["cpc"] = s["spend"] / s["clicks"]
    s["cpm"] = s["spend"] / s["impressions"] * 1000
    s["cvr"] = s["conversions"] / s["clicks"]
    s["cpa"] = s["spend"] / s["conversions"]
    s["roas"] = s["revenue"] / s["spend"]
    return s


def _line(label: str, k: dict) -> str:
    return (f"| {label} | {k['impressions']:,} | {k['clicks']:,} | {k['spend']:,.2f} | {k['conversions']:,} | "
            f"{k['revenue']:,.2f} | {k['ctr']:.2%} | {k['cpc']:.2f} | {k['cpm']:.2f} | {k['cvr']:.2%} | "
            f"{k['cpa']:.2f} | {k['roas']:.2f} |")


def table() -> str:
    """The figures, as a Markdown table: per month, per platform and per campaign, and two days."""
    rs = rows()
    head = ("| slice | impressions | clicks | spend (元) | conversions | revenue (元) | CTR | CPC | CPM | CVR "
            "| CPA | ROAS |\n|" + "---|" * 12)
    lines = [head]
    for month in MONTHS:
        mr = [r for r in rs if r["date"].startswith(month)]
        lines.append(_line(f"{month} all", _kpis(mr)))
        for platform in dict.fromkeys(c[0] for c in CAMPAIGNS):
            lines.append(_line(f"{month} {platform}", _kpis([r for r in mr if r["platform"] == platform])))
        for c in CAMPAIGNS:
            lines.append(_line(f"{month} {c[1]}", _kpis([r for r in mr if r["campaign"] == c[1]])))
    for d in ("2026-11-11", "2026-11-28"):
        lines.append(_line(f"{d} all", _kpis([r for r in rs if r["date"] == d])))
    t = TARGETS["2026-11"]
    lines.append(f"\nNovember targets: CTR {t['ctr']:.2%}, CPA {t['cpa']:.0f} 元, ROAS {t['roas']:.1f}, "
                 f"spend budget {t['budget']:,.0f} 元.")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
