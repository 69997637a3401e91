"""Generators of ad-platform export files with known truth, for tests.

Each generator returns a :class:`Fixture`: the file bytes as the platform writes them (quirks
included) and what a correct import must give: preset, platform, kept rows, dropped
total/summary rows, base-count totals and campaign names. Values that the file masks or leaves
empty (``<5``, ``--``) are 0 in the truth, as documented in ``bot.data.exports``.

    from tests.export_fixtures import ALL_FIXTURES, google_ads_csv
    fx = google_ads_csv()
    res = read_export(fx.data, name=fx.name)
    assert res.rows["spend"].sum() == pytest.approx(fx.totals["spend"])
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, field

DAY0 = dt.date(2026, 3, 1)


@dataclass
class Fixture:
    name: str
    data: bytes
    preset: str
    platform: str
    rows: int  # data rows a correct import keeps
    dropped: int  # total/summary rows it must drop
    totals: dict[str, float | None]  # impressions, clicks, spend, conversions, revenue (None: not in file)
    campaigns: set[str]
    first_date: dt.date = DAY0
    last_date: dt.date = DAY0
    columns: dict[str, str] | None = None  # the config mapping the file needs
    encoding: str | None = None
    extra: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)  # further read_export arguments it needs (month, date_format)

    def write(self, directory) -> str:
        """Save under `directory` and return the path (for CLI tests)."""
        from pathlib import Path

        p = Path(directory) / self.name
        p.write_bytes(self.data)
        return str(p)


def records(campaigns: list[str], days: int = 5, seed: int = 1, start: dt.date = DAY0) -> list[dict]:
    """Deterministic daily rows per campaign: exact counts, spend in cents."""
    rng = random.Random(seed)
    out = []
    for d in range(days):
        for c in campaigns:
            impr = rng.randint(2_000, 2_000_000)
            clicks = rng.randint(0, impr // 20)
            out.append(
                {
                    "date": start + dt.timedelta(days=d),
                    "campaign": c,
                    "impressions": impr,
                    "clicks": clicks,
                    "spend": round(rng.uniform(10, 50_000), 2),
                    "conversions": rng.randint(0, max(0, clicks // 10)),
                    "revenue": round(rng.uniform(0, 90_000), 2),
                }
            )
    return out


def totals(recs: list[dict], *, revenue: bool = True, conversions: bool = True) -> dict[str, float | None]:
    t = {k: float(sum(r[k] for r in recs)) for k in ("impressions", "clicks", "spend", "conversions", "revenue")}
    t["spend"] = round(t["spend"], 2)
    if not revenue:
        t["revenue"] = None
    if not conversions:
        t["conversions"] = None
    return t


def _line(cells, delim: str = ",") -> str:
    out = []
    for c in cells:
        s = "" if c is None else str(c)
        if delim in s or '"' in s or "," in s or "\n" in s:
            s = '"' + s.replace('"', '""') + '"'
        out.append(s)
    return delim.join(out)


def _text(lines: list[list], delim: str = ",", pre: list[str] = ()) -> str:
    return "".join(p + "\n" for p in pre) + "".join(_line(r, delim) + "\n" for r in lines)


def _fx(name, data, preset, platform, recs, dropped, **kw) -> Fixture:
    rev = kw.pop("revenue", True)
    conv = kw.pop("conversions", True)
    t = kw.pop("totals", None) or totals(recs, revenue=rev, conversions=conv)
    return Fixture(
        name, data, preset, platform, len(recs), dropped, t, {r["campaign"] for r in recs},
        first_date=min(r["date"] for r in recs) if recs else DAY0,
        last_date=max(r["date"] for r in recs) if recs else DAY0,
        **kw,
    )


# --------------------------------------------------------------------------- Google Ads


def _google_lines(recs):
    header = ["Campaign status", "Campaign", "Day", "Currency code", "Budget type", "Impr.", "Clicks", "CTR",
              "Avg. CPC", "Cost", "Conversions", "Conv. value", "Conv. value / cost"]
    rows = [header]
    for i, r in enumerate(recs):
        r["conversions"] = r["conversions"] + (0.5 if i % 3 == 1 and r["conversions"] else 0)  # fractional
        conv = " --" if r["conversions"] == 0 else f"{r['conversions']:,.2f}"
        ctr = f"{r['clicks'] / r['impressions']:.2%}"
        cpc = " --" if not r["clicks"] else f"{r['spend'] / r['clicks']:,.2f}"
        rows.append(["Enabled", r["campaign"], r["date"].isoformat(), "USD",
                     "Campaign Total" if i == 0 else "Daily",  # a legit value, not a total row
                     f"{r['impressions']:,}", f"{r['clicks']:,}", ctr, cpc, f"{r['spend']:,.2f}", conv,
                     f"{r['revenue']:,.2f}", f"{r['revenue'] / r['spend']:.2f}"])
    t = totals(recs)
    for label in ("Total: Campaigns", "Total: Account", "Total: Search"):
        rows.append([label, "", " --", "USD", "", f"{int(t['impressions']):,}", f"{int(t['clicks']):,}", "1.00%",
                     " --", f"{t['spend']:,.2f}", f"{t['conversions']:,.2f}", f"{t['revenue']:,.2f}", " --"])
    return rows


def google_ads_csv() -> Fixture:
    """Google Ads "CSV": title and date-range lines, quoted thousands, ` --`, several Total: rows."""
    recs = records(["Brand - Search", "Generic, Display", "Remarketing"], days=6, seed=11)
    text = _text(_google_lines(recs), ",", pre=["Campaign report", '"March 1, 2026 - March 6, 2026"'])
    return _fx("google_ads.csv", text.encode("utf-8"), "google-ads", "Google Ads", recs, 3)


def google_ads_csv_excel() -> Fixture:
    """Google Ads "CSV (Excel)": UTF-16LE with BOM, tab-separated, thousands still quoted."""
    recs = records(["Brand - Search", "Shopping"], days=4, seed=12)
    text = _text(_google_lines(recs), "\t", pre=["Campaign report", "March 1, 2026 - March 4, 2026"])
    data = b"\xff\xfe" + text.replace("\n", "\r\n").encode("utf-16-le")
    return _fx("google_ads_excel.csv", data, "google-ads", "Google Ads", recs, 3, encoding="utf-16")


# --------------------------------------------------------------------------- Meta


def meta_csv(currency: str = "IDR") -> Fixture:
    """Meta: blank-name account row first, CTR in bare points, ROAS-derived revenue."""
    recs = records(["Spring Sale", "Retargeting DPA"], days=5, seed=21)
    header = ["Reporting starts", "Reporting ends", "Campaign name", "Impressions", "Reach", "Link clicks",
              "CTR (link click-through rate)", "CPC (cost per link click)", f"Amount spent ({currency})",
              "Results", "Cost per results", "Purchase ROAS (return on ad spend)"]
    body = []
    for r in recs:
        roas = round(r["revenue"] / r["spend"], 6)
        r["revenue"] = roas * r["spend"]  # what the file can tell: ROAS × spend of the row
        body.append([r["date"].isoformat(), r["date"].isoformat(), r["campaign"], r["impressions"],
                     r["impressions"] // 2, r["clicks"], f"{r['clicks'] / r['impressions'] * 100:.8f}",
                     f"{r['spend'] / r['clicks']:.6f}" if r["clicks"] else "", f"{r['spend']:.2f}",
                     r["conversions"], f"{r['spend'] / r['conversions']:.6f}" if r["conversions"] else "", roas])
    t = totals(recs)
    account = ["2026-03-01", "2026-03-05", "", int(t["impressions"]), 123456, int(t["clicks"]), "1.2",
               "", f"{t['spend']:.2f}", int(t["conversions"]), "", ""]
    text = _text([header, account] + body)
    return _fx(f"meta_{currency.lower()}.csv", text.encode("utf-8"), "meta", "Meta", recs, 1)


def meta_no_data() -> Fixture:
    """Meta's empty export: the header and one `No data available.` row."""
    header = ["Reporting starts", "Reporting ends", "Campaign name", "Impressions", "Link clicks",
              "Amount spent (USD)", "Results"]
    text = _text([header, ["No data available."]])
    return Fixture("meta_empty.csv", text.encode("utf-8"), "meta", "Meta", 0, 1,
                   {"impressions": None, "clicks": None, "spend": None, "conversions": None, "revenue": None},
                   set())


# --------------------------------------------------------------------------- 巨量引擎


def oceanengine_csv(encoding: str = "gb18030", old: bool = False) -> Fixture:
    """巨量引擎 project report, new (时间-天/消耗) or old (时间/总花费(元)) headers, with 合计 footer."""
    recs = records(["春季拉新_信息流", "电商大促[已删除]", "线索收集"], days=5, seed=31 + old)
    if old:
        header = ["时间", "广告组id", "广告组", "展示数", "点击数", "点击率(%)", "平均点击单价(元)",
                  "平均千次展现费用(元)", "总花费(元)", "转化数", "转化成本", "转化率"]
    else:
        header = ["时间-天", "项目ID", "项目名称", "消耗", "展示数", "平均千次展现费用(元)", "点击数", "点击率%",
                  "平均点击单价(元)", "转化数", "平均转化成本", "转化率%", "深度转化数"]
    body = []
    for i, r in enumerate(recs):
        ctr = f"{r['clicks'] / r['impressions'] * 100:.2f}"
        cpc = f"{r['spend'] / r['clicks']:.2f}" if r["clicks"] else "--"
        cpm = f"{r['spend'] / r['impressions'] * 1000:.2f}"
        cpa = f"{r['spend'] / r['conversions']:.2f}" if r["conversions"] else "--"
        cvr = f"{r['conversions'] / r['clicks'] * 100:.2f}" if r["clicks"] else "--"
        cid = str(7_300_000_000_000_000_000 + i // 5)
        if old:
            body.append([r["date"].isoformat(), cid, r["campaign"], r["impressions"], r["clicks"], ctr, cpc, cpm,
                         f"{r['spend']:.2f}", r["conversions"], cpa, cvr])
        else:
            body.append([r["date"].isoformat(), cid, r["campaign"], f"{r['spend']:.2f}", r["impressions"], cpm,
                         r["clicks"], ctr, cpc, r["conversions"], cpa, cvr, 0])
    t = totals(recs)
    foot = ["合计", "--", "--"] + ["--"] * (len(header) - 3)
    foot[header.index("总花费(元)" if old else "消耗")] = f"{t['spend']:.2f}"
    foot[header.index("展示数")] = int(t["impressions"])
    foot[header.index("点击数")] = int(t["clicks"])
    for r in recs:
        r["campaign"] = r["campaign"].replace("[已删除]", "")
    text = _text([header] + body + [foot])
    name = f"oceanengine_{'old' if old else 'new'}_{encoding.replace('-', '')}.csv"
    return _fx(name, text.encode(encoding), "oceanengine", "巨量引擎", recs, 1, revenue=False,
               encoding=encoding)


# --------------------------------------------------------------------------- 腾讯 / 百度 / 快手 / TikTok / UC


def tencent_csv() -> Fixture:
    """微信/腾讯广告 export with 下单金额 (revenue) and 下单次数."""
    recs = records(["公众号关注_0301", "小程序下单"], days=4, seed=41)
    header = ["日期", "广告名称", "花费", "曝光次数", "点击次数", "点击率", "下单金额", "下单次数", "曝光人数"]
    body = [[r["date"].isoformat(), r["campaign"], f"{r['spend']:.2f}", r["impressions"], r["clicks"],
             f"{r['clicks'] / r['impressions']:.2%}", f"{r['revenue']:.2f}", r["conversions"],
             r["impressions"] // 3] for r in recs]
    return _fx("tencent.csv", _text([header] + body).encode("utf-8"), "tencent", "腾讯广告", recs, 0)


def baidu_csv() -> Fixture:
    """百度信息流 older export: GB18030, preamble lines, `[已删除]`, `0.00%`, 总计 footer."""
    recs = records(["品牌词计划[已删除]", "信息流_通投"], days=4, seed=51)
    header = ["日期", "账户", "推广计划", "推广计划ID", "推广单元", "展现", "点击", "消费", "点击率", "平均点击价格",
              "千次展现消费", "网页转化"]
    body = [[r["date"].strftime("%Y-%m-%d"), "百度账户A", r["campaign"], 1000 + i % 2, "单元1", r["impressions"],
             r["clicks"], f"{r['spend']:.2f}", f"{r['clicks'] / r['impressions']:.2%}",
             f"{r['spend'] / r['clicks']:.2f}" if r["clicks"] else "0.00",
             f"{r['spend'] / r['impressions'] * 1000:.2f}", r["conversions"]] for i, r in enumerate(recs)]
    t = totals(recs)
    foot = ["总计", "", "", "", "", int(t["impressions"]), int(t["clicks"]), f"{t['spend']:.2f}", "0.00%", "", "",
            int(t["conversions"])]
    pre = ["推广计划报告", "时间范围：2026-03-01至2026-03-04", "账户：百度账户A", ""]
    for r in recs:
        r["campaign"] = r["campaign"].replace("[已删除]", "")
    text = _text([header] + body + [foot], pre=pre)
    return _fx("baidu.csv", text.encode("gb18030"), "baidu", "百度", recs, 1, revenue=False, encoding="gb18030")


def kuaishou_csv() -> Fixture:
    """快手磁力引擎: full-width brackets in headers (花费（元）, 平均点击单价（元）)."""
    recs = records(["快手_直播引流", "快手_表单"], days=3, seed=61)
    header = ["日期", "计划名称", "花费（元）", "封面曝光数", "封面点击数", "素材曝光数", "行为数", "封面点击率", "行为率",
              "平均点击单价（元）", "转化数"]
    body = [[r["date"].isoformat(), r["campaign"], f"{r['spend']:.2f}", r["impressions"], r["clicks"],
             r["impressions"] * 2, r["clicks"] * 3, f"{r['clicks'] / r['impressions'] * 100:.2f}%", "1.00%",
             f"{r['spend'] / r['clicks']:.2f}" if r["clicks"] else "--", r["conversions"]] for r in recs]
    return _fx("kuaishou.csv", _text([header] + body).encode("utf-8-sig"), "kuaishou", "快手", recs, 0,
               revenue=False)


def tiktok_csv() -> Fixture:
    """TikTok: low counts masked `<5`, `--` and `-` as empty (both counted as 0)."""
    recs = records(["TT_Spring", "TT_Always_on"], days=4, seed=71)
    header = ["By Day", "Campaign name", "Cost", "Impressions", "CPM", "Clicks (destination)", "CTR (destination)",
              "Conversions", "Cost per conversion"]
    body = []
    for i, r in enumerate(recs):
        if i % 3 == 0:
            r["conversions"] = 3
            conv = "<5"  # masked: the truth counts it as 0
        elif i % 3 == 1:
            r["conversions"] = 0
            conv = "--"
        else:
            conv = str(r["conversions"])
        body.append([r["date"].isoformat(), r["campaign"], f"{r['spend']:.2f}", r["impressions"],
                     f"{r['spend'] / r['impressions'] * 1000:.2f}", r["clicks"],
                     f"{r['clicks'] / r['impressions'] * 100:.2f}%", conv, "-"])
        if conv == "<5":
            r["conversions"] = 0
    return _fx("tiktok.csv", _text([header] + body).encode("utf-8"), "tiktok", "TikTok", recs, 0, revenue=False)


def uc_csv() -> Fixture:
    """UC/汇川: dates as YYYYMMDD, `转化数（点击时间）`."""
    recs = records(["UC_搜索", "UC_信息流"], days=3, seed=81)
    header = ["日期", "推广计划", "展现数", "点击数", "消费", "点击率", "点击均价", "转化数（点击时间）"]
    body = [[r["date"].strftime("%Y%m%d"), r["campaign"], r["impressions"], r["clicks"], f"{r['spend']:.2f}",
             f"{r['clicks'] / r['impressions']:.2%}", "1.00", r["conversions"]] for r in recs]
    return _fx("uc.csv", _text([header] + body).encode("utf-8"), "uc", "UC汇川", recs, 0, revenue=False)


def xlsx_export() -> Fixture:
    """XLSX: a title row, Excel serial dates (numbers) and date-typed cells, numeric cells."""
    from openpyxl import Workbook

    recs = records(["XLSX_A", "XLSX_B"], days=4, seed=91)
    wb = Workbook()
    ws = wb.active
    ws.append(["巨量引擎 项目报表 2026-03-01至2026-03-04"])
    ws.append(["时间-天", "项目名称", "消耗", "展示数", "点击数", "转化数"])
    for i, r in enumerate(recs):
        serial = (r["date"] - dt.date(1899, 12, 30)).days
        day = serial if i % 2 == 0 else dt.datetime.combine(r["date"], dt.time())
        ws.append([day, r["campaign"], r["spend"], r["impressions"], r["clicks"], r["conversions"]])
    t = totals(recs)
    ws.append(["合计", None, t["spend"], t["impressions"], t["clicks"], t["conversions"]])
    buf = io.BytesIO()
    wb.save(buf)
    return _fx("oceanengine.xlsx", buf.getvalue(), "oceanengine", "巨量引擎", recs, 1, revenue=False, encoding="xlsx")


def sums_row_csv() -> Fixture:
    """A generic export whose unlabelled last row equals the column sums of the others."""
    recs = records(["c1", "c2", "c3"], days=2, seed=101)
    header = ["date", "campaign", "impressions", "clicks", "spend", "conversions"]
    body = [[r["date"].isoformat(), r["campaign"], r["impressions"], r["clicks"], f"{r['spend']:.2f}",
             r["conversions"]] for r in recs]
    t = totals(recs)
    body.append(["2026-03-01", "", int(t["impressions"]), int(t["clicks"]), f"{t['spend']:.2f}",
                 int(t["conversions"])])
    return _fx("sums.csv", _text([header] + body).encode("utf-8"), "generic", "Other", recs, 1, revenue=False)


def mapped_csv() -> Fixture:
    """Headers no preset knows; needs the config's column mapping."""
    recs = records(["自定义A", "自定义B"], days=3, seed=111)
    header = ["投放日", "活动名", "花费（元）", "曝光人次", "点进次数", "成交单数", "成交额"]
    body = [[r["date"].strftime("%Y/%m/%d"), r["campaign"], f"¥{r['spend']:,.2f}", r["impressions"], r["clicks"],
             r["conversions"], f"{r['revenue']:.2f}"] for r in recs]
    columns = {"date": "投放日", "campaign": "活动名", "spend": "花费(元)", "impressions": "曝光人次",
               "clicks": "点进次数", "conversions": "成交单数", "revenue": "成交额"}
    return _fx("mapped.csv", _text([header] + body).encode("utf-8"), "generic", "Other", recs, 0, columns=columns)


# --------------------------------------------------------------------------- periods instead of days


def _campaign_rows(recs):
    """Google's default campaign view: no Day segment, one row per campaign for the whole period."""
    by = {}
    for r in recs:
        a = by.setdefault(r["campaign"], dict(r))
        if a is not r:
            for k in ("impressions", "clicks", "spend", "conversions", "revenue"):
                a[k] += r[k]
    return list(by.values())


def google_campaign_report(period: str = "July 8, 2025 - July 31, 2025", *, first: dt.date = dt.date(2025, 7, 8),
                           excel: bool = False, month: str | None = None, dated: dt.date | None = None,
                           name: str = "google_campaigns.csv") -> Fixture:
    """A Google Ads campaign report as downloaded by default: title, the period on line 2, no Day
    column, ` --` cells, `Total:` rows. `excel` writes the "CSV (Excel)" variant (UTF-16LE, tabs)."""
    recs = _campaign_rows(records(["Brand - Search", "Generic, Display", "Remarketing"], days=3, seed=13,
                                  start=first))
    header = ["Campaign status", "Campaign", "Budget", "Currency code", "Impr.", "Clicks", "CTR", "Avg. CPC",
              "Cost", "Conversions", "Conv. value", "Cost / conv."]
    rows = [header]
    for r in recs:
        r["spend"] = round(r["spend"], 2)
        r["revenue"] = round(r["revenue"], 2)
        rows.append(["Enabled", r["campaign"], "50.00", "USD", f"{r['impressions']:,}", f"{r['clicks']:,}",
                     f"{r['clicks'] / r['impressions']:.2%}", " --", f"{r['spend']:,.2f}",
                     f"{r['conversions']:,.2f}", f"{r['revenue']:,.2f}", " --"])
    t = totals(recs)
    for label in ("Total: Campaigns", "Total: Account"):
        rows.append([label, "", "", "USD", f"{int(t['impressions']):,}", f"{int(t['clicks']):,}", " --", " --",
                     f"{t['spend']:,.2f}", f"{t['conversions']:,.2f}", f"{t['revenue']:,.2f}", " --"])
    day = dated or first
    for r in recs:
        r["date"] = day
    if excel:
        text = _text(rows, "\t", pre=["Campaign report", period])
        data = b"\xff\xfe" + text.replace("\n", "\r\n").encode("utf-16-le")
        return _fx(name.replace(".csv", "_excel.csv"), data, "google-ads", "Google Ads", recs, 2,
                   encoding="utf-16", options={"month": month} if month else {})
    text = _text(rows, ",", pre=["Campaign report", _line([period])])
    return _fx(name, text.encode("utf-8"), "google-ads", "Google Ads", recs, 2,
               options={"month": month} if month else {})


def google_zh_report() -> Fixture:
    """Google Ads with the zh-CN UI: 天, 广告系列, 展示次数, 点击次数, 费用, 转化次数, 转化价值."""
    recs = records(["品牌词", "通用词"], days=3, seed=14, start=dt.date(2026, 11, 1))
    header = ["广告系列状态", "广告系列", "天", "展示次数", "点击次数", "点击率", "平均每次点击费用", "费用", "转化次数",
              "转化价值"]
    body = [["已启用", r["campaign"], r["date"].isoformat(), f"{r['impressions']:,}", f"{r['clicks']:,}",
             f"{r['clicks'] / r['impressions']:.2%}", " --", f"{r['spend']:,.2f}", str(r["conversions"]),
             f"{r['revenue']:,.2f}"] for r in recs]
    text = _text([header] + body, ",", pre=["广告系列报告", "2026年11月1日 - 2026年11月3日"])
    return _fx("google_zh.csv", text.encode("utf-8"), "google-ads", "Google Ads", recs, 0)


def chinese_period_report(period: str = "2026-11-01至2026-11-30", month: str | None = None) -> Fixture:
    """A 巨量引擎 project report without a day column; its period stated above the header."""
    recs = _campaign_rows(records(["拉新", "促活"], days=2, seed=32, start=dt.date(2026, 11, 1)))
    header = ["项目名称", "消耗", "展示数", "点击数", "转化数"]
    body = [[r["campaign"], f"{r['spend']:.2f}", r["impressions"], r["clicks"], r["conversions"]] for r in recs]
    text = _text([header] + body, pre=[f"时间范围：{period}"])
    for r in recs:
        r["date"] = dt.date(2026, 11, 1)
    return _fx("oceanengine_month.csv", text.encode("utf-8"), "oceanengine", "巨量引擎", recs, 0, revenue=False,
               options={"month": month} if month else {})


def meta_period(starts: str = "2026-11-01", ends: str = "2026-11-30") -> Fixture:
    """Meta without a Day breakdown: each row covers Reporting starts … Reporting ends."""
    recs = _campaign_rows(records(["Spring Sale", "Retargeting"], days=2, seed=22, start=dt.date(2026, 11, 1)))
    header = ["Reporting starts", "Reporting ends", "Campaign name", "Impressions", "Link clicks", "Amount spent (USD)",
              "Results"]
    body = [[starts, ends, r["campaign"], r["impressions"], r["clicks"], f"{r['spend']:.2f}", r["conversions"]]
            for r in recs]
    for r in recs:
        r["date"] = dt.date.fromisoformat(starts)
    return _fx("meta_month.csv", _text([header] + body).encode("utf-8"), "meta", "Meta", recs, 0, revenue=False)


# --------------------------------------------------------------------------- dates as spreadsheets write them

DATE_STYLES = {  # how a re-saved file writes 2026-11-14
    "iso": lambda d: d.isoformat(),
    "ymd_slash": lambda d: f"{d.year}/{d.month}/{d.day}",
    "compact": lambda d: d.strftime("%Y%m%d"),
    "mdy": lambda d: f"{d.month}/{d.day}/{d.year}",
    "dmy": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    "dmy_dot": lambda d: f"{d.day}.{d.month}.{d.year}",
    "zh": lambda d: f"{d.year}年{d.month}月{d.day}日",
    "serial": lambda d: str((d - dt.date(1899, 12, 30)).days),
    "mdy_time": lambda d: f"{d.month}/{d.day}/{d.year} 0:00",
}


def dated_csv(style: str, days: int = 14, start: dt.date = dt.date(2026, 11, 1), **options) -> Fixture:
    """A generic daily export whose dates are written in one spreadsheet style (days past the 12th
    unless `days` is smaller, which leaves day and month order to the reader or the options)."""
    recs = records(["A", "B"], days=days, seed=120, start=start)
    header = ["Date", "Campaign", "Impressions", "Clicks", "Spend", "Conversions"]
    body = [[DATE_STYLES[style](r["date"]), r["campaign"], r["impressions"], r["clicks"], f"{r['spend']:.2f}",
             r["conversions"]] for r in recs]
    return _fx(f"dates_{style}.csv", _text([header] + body).encode("utf-8"), "generic", "Other", recs, 0,
               revenue=False, options=options)


def dated_xlsx() -> Fixture:
    """XLSX with dates as YYYYMMDD numbers, Excel serials and date cells in one column."""
    from openpyxl import Workbook

    recs = records(["X"], days=6, seed=121, start=dt.date(2026, 11, 10))
    wb = Workbook()
    ws = wb.active
    ws.append(["日期", "推广计划", "展现", "点击", "消费"])
    for i, r in enumerate(recs):
        d = r["date"]
        cell = [int(d.strftime("%Y%m%d")), (d - dt.date(1899, 12, 30)).days, dt.datetime.combine(d, dt.time())][i % 3]
        ws.append([cell, r["campaign"], r["impressions"], r["clicks"], r["spend"]])
    buf = io.BytesIO()
    wb.save(buf)
    return _fx("dates.xlsx", buf.getvalue(), "baidu", "百度", recs, 0, revenue=False, conversions=False)


def ab_test_dataset() -> Fixture:
    """The public A/B test campaign data as people download it: semicolons, D.M.YYYY dates,
    `Spend [USD]`, `# of Impressions`, `# of Website Clicks`, `# of Purchase`."""
    recs = records(["Control Campaign"], days=20, seed=122, start=dt.date(2019, 8, 1))
    header = ["Campaign Name", "Date", "Spend [USD]", "# of Impressions", "Reach", "# of Website Clicks",
              "# of Searches", "# of View Content", "# of Add to Cart", "# of Purchase"]
    body = [[r["campaign"], f"{r['date'].day}.{r['date'].month:02d}.{r['date'].year}", int(r["spend"]),
             r["impressions"], r["impressions"] // 2, r["clicks"], 10, 5, 3, r["conversions"]] for r in recs]
    for r in recs:
        r["spend"] = float(int(r["spend"]))
    return _fx("control_group.csv", _text([header] + body, ";").encode("utf-8"), "generic", "Other", recs, 0,
               revenue=False)


# --------------------------------------------------------------------------- headers and layouts


def tiktok_impression() -> Fixture:
    """TikTok's report download with singular headers (`Impression`, `Click`) and a day column."""
    recs = records(["TT_A", "TT_B"], days=3, seed=72, start=dt.date(2026, 11, 1))
    header = ["Date", "Campaign Name", "Ad Group Name", "Cost", "Impression", "Click", "Conversions"]
    body = [[r["date"].isoformat(), r["campaign"], "AG1", f"{r['spend']:.2f}", r["impressions"], r["clicks"],
             r["conversions"]] for r in recs]
    return _fx("tiktok_impression.csv", _text([header] + body).encode("utf-8"), "tiktok", "TikTok", recs, 0,
               revenue=False)


def pasted_pages() -> Fixture:
    """Two report pages pasted into one sheet: each with its title, period, header and 总计 row."""
    pages = [records(["信息流_通投"], days=3, seed=52), records(["信息流_定向"], days=3, seed=53,
                                                                start=DAY0 + dt.timedelta(days=3))]
    header = ["日期", "推广计划", "展现", "点击", "消费"]
    lines: list[list] = []
    for k, recs in enumerate(pages):
        if k:
            lines += [[], ["推广计划报告"], ["时间范围：2026-03-04至2026-03-06"], header]
        lines += [[r["date"].isoformat(), r["campaign"], r["impressions"], r["clicks"], f"{r['spend']:.2f}"]
                  for r in recs]
        t = totals(recs)
        lines.append(["总计", "", int(t["impressions"]), int(t["clicks"]), f"{t['spend']:.2f}"])
    text = _text([header] + lines, pre=["推广计划报告", "时间范围：2026-03-01至2026-03-03"])
    recs = pages[0] + pages[1]
    # dropped: two 总计 rows and the second page's title and period lines
    return _fx("pasted.csv", text.encode("utf-8"), "baidu", "百度", recs, 4, revenue=False, conversions=False)


def pinterest_mapped() -> Fixture:
    """Pinterest-style headers mapped by hand: no preset is this platform, so the label is Other."""
    recs = records(["Pins_A", "Pins_B"], days=3, seed=131, start=dt.date(2026, 11, 1))
    header = ["Date", "Campaign name", "Ad group name", "Campaign ID", "Impressions", "Pin clicks",
              "Spend in account currency", "Total conversions"]
    body = [[r["date"].isoformat(), r["campaign"], "AG", "1", r["impressions"], r["clicks"], f"{r['spend']:.2f}",
             r["conversions"]] for r in recs]
    return _fx("pinterest.csv", _text([header] + body).encode("utf-8"), "generic", "Other", recs, 0, revenue=False,
               columns={"clicks": "Pin clicks", "spend": "Spend in account currency"})


ALL_FIXTURES = {
    "google_ads_csv": google_ads_csv,
    "google_ads_csv_excel": google_ads_csv_excel,
    "meta_csv": meta_csv,
    "meta_no_data": meta_no_data,
    "oceanengine_new_gb18030": lambda: oceanengine_csv("gb18030"),
    "oceanengine_old_gb18030": lambda: oceanengine_csv("gb18030", old=True),
    "oceanengine_new_utf8sig": lambda: oceanengine_csv("utf-8-sig"),
    "oceanengine_old_utf8sig": lambda: oceanengine_csv("utf-8-sig", old=True),
    "tencent_csv": tencent_csv,
    "baidu_csv": baidu_csv,
    "kuaishou_csv": kuaishou_csv,
    "tiktok_csv": tiktok_csv,
    "uc_csv": uc_csv,
    "xlsx_export": xlsx_export,
    "sums_row_csv": sums_row_csv,
    "mapped_csv": mapped_csv,
    "google_campaigns_in_month": google_campaign_report,
    "google_campaigns_in_month_excel": lambda: google_campaign_report(excel=True),
    "google_campaigns_spanning_named": lambda: google_campaign_report(
        "27 January 2026 - 23 February 2026", first=dt.date(2026, 1, 27), month="2026-02", dated=dt.date(2026, 2, 1)),
    "google_campaigns_spanning_named_excel": lambda: google_campaign_report(
        "27 January 2026 - 23 February 2026", first=dt.date(2026, 1, 27), excel=True, month="2026-01"),
    "google_all_time_named": lambda: google_campaign_report("All time", month="2026-11", dated=dt.date(2026, 11, 1)),
    "google_zh": google_zh_report,
    "chinese_period": chinese_period_report,
    "meta_period": meta_period,
    **{f"dates_{k}": (lambda k=k: dated_csv(k)) for k in DATE_STYLES},
    "dates_ambiguous_stated": lambda: dated_csv("mdy", days=10, date_format="MDY"),
    "dates_ambiguous_strftime": lambda: dated_csv("dmy", days=10, date_format="%d/%m/%Y"),
    "dates_xlsx": dated_xlsx,
    "ab_test_dataset": ab_test_dataset,
    "tiktok_impression": tiktok_impression,
    "pasted_pages": pasted_pages,
    "pinterest_mapped": pinterest_mapped,
}
