"""The ad data behind the A/B claim corpus (tests/claims_corpus_ab.py): variants with known outcomes.

Two months (October and November 2026), every variant's month totals fixed and spread evenly over
the month's days, so the truth of each sentence can be worked out by hand:

* 春季拉新 (巨量引擎), ad groups 素材A / 素材B — a clear winner on CTR (B 1.40% vs A 1.00%, 300k
  impressions each, z ≈ 22) and a tie on CVR (5.00% vs 5.12%, p ≈ 0.73).
* 品牌-Variant A / 品牌-Variant B (腾讯广告 campaigns) — a tie on both (CTR 1.20% vs 1.23%, p ≈ 0.66;
  CVR 4.00% vs 4.23%, p ≈ 0.84).
* Retargeting (腾讯广告), ad groups Video A / Video B — a tie on CTR (2.00% vs 2.05%, p ≈ 0.48) and a
  clear winner on CVR (A 10.00% vs B 5.98%, p < 0.001).
* 新品-文案1 / 新品-文案2 (巨量引擎 campaigns) — too little data (2 and 7 clicks of 200 impressions).

`python -m tests.claims_ab_data` prints the figures.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

# platform, campaign, ad group (None: a campaign without groups), then per month
# (impressions, clicks, conversions, spend, revenue)
VARIANTS = [
    ("巨量引擎", "春季拉新", "素材A", {"2026-10": (270_000, 2_700, 130, 6_500.0, 19_500.0),
                                 "2026-11": (300_000, 3_000, 150, 7_500.0, 22_500.0)}),
    ("巨量引擎", "春季拉新", "素材B", {"2026-10": (270_000, 3_510, 170, 8_400.0, 25_500.0),
                                 "2026-11": (300_000, 4_200, 215, 10_320.0, 32_250.0)}),
    ("腾讯广告", "品牌-Variant A", None, {"2026-10": (45_000, 540, 21, 1_350.0, 3_150.0),
                                     "2026-11": (50_000, 600, 24, 1_500.0, 3_600.0)}),
    ("腾讯广告", "品牌-Variant B", None, {"2026-10": (45_000, 550, 23, 1_380.0, 3_450.0),
                                     "2026-11": (50_000, 615, 26, 1_560.0, 3_900.0)}),
    ("腾讯广告", "Retargeting", "Video A", {"2026-10": (72_000, 1_440, 140, 3_600.0, 21_000.0),
                                        "2026-11": (80_000, 1_600, 160, 4_000.0, 24_000.0)}),
    ("腾讯广告", "Retargeting", "Video B", {"2026-10": (72_000, 1_470, 90, 3_670.0, 13_500.0),
                                        "2026-11": (80_000, 1_640, 98, 4_100.0, 14_700.0)}),
    ("巨量引擎", "新品-文案1", None, {"2026-10": (180, 2, 0, 6.0, 0.0),
                                 "2026-11": (200, 2, 0, 6.0, 0.0)}),
    ("巨量引擎", "新品-文案2", None, {"2026-10": (180, 6, 1, 18.0, 90.0),
                                 "2026-11": (200, 7, 1, 21.0, 90.0)}),
]
MONTHS = ("2026-10", "2026-11")
TARGETS = {"2026-11": {"ctr": 0.0110, "cpa": 50.0, "roas": 3.0, "budget": 40_000.0}}
COUNTS = ("impressions", "clicks", "conversions")


def rows() -> list[dict]:
    """Daily rows whose month sums are exactly the totals above (remainders on the 1st)."""
    out = []
    for month in MONTHS:
        y, m = map(int, month.split("-"))
        days = []
        day = date(y, m, 1)
        while day.month == m:
            days.append(day)
            day += timedelta(days=1)
        n = len(days)
        for platform, campaign, group, by_month in VARIANTS:
            impressions, clicks, conversions, spend, revenue = by_month[month]
            for i, d in enumerate(days):
                counts = {k: v // n + (v % n if i == 0 else 0)
                          for k, v in zip(COUNTS, (impressions, clicks, conversions), strict=True)}
                cents = [round(spend * 100), round(revenue * 100)]
                money = [c // n + (c % n if i == 0 else 0) for c in cents]
                out.append({"date": d.isoformat(), "platform": platform, "campaign": campaign,
                            "ad_group": group or "", **counts, "spend": f"{money[0] / 100:.2f}",
                            "revenue": f"{money[1] / 100:.2f}"})
    return out


def csv_text() -> str:
    buf = io.StringIO()
    fields = ["date", "platform", "campaign", "ad_group", "impressions", "clicks", "spend", "conversions", "revenue"]
    w = csv.DictWriter(buf, fieldnames=fields)
    w.writeheader()
    w.writerows(rows())
    return buf.getvalue()


def table() -> str:
    lines = ["| month | variant | impressions | clicks | conversions | spend | CTR | CVR | CPA |", "|" + "---|" * 9]
    for month in MONTHS:
        for platform, campaign, group, by_month in VARIANTS:
            i, c, v, s, _r = by_month[month]
            cvr = f"{v / c:.2%}" if c else "—"
            cpa = f"{s / v:.2f}" if v else "—"
            lines.append(f"| {month} | {platform} · {campaign}{' · ' + group if group else ''} | {i:,} | {c:,} | {v:,} "
                         f"| {s:,.2f} | {c / i:.2%} | {cvr} | {cpa} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
