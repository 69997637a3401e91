"""Run a sentence corpus through the claim check the way the app does, and score it.

The data of tests/claims_data.py is imported as a snapshot through the real import path
(Metrics.import_file), November's targets are set, and each sentence is checked with
Feedsum.check_claims against the November summary. A sentence is flagged when any figure in it
is found wrong.

    python -m tests.claims_eval            # figures for every corpus (the A/B one on its own data)
    python -m tests.claims_eval -v         # ... and every miss and false alarm
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

try:
    from claims_data import TARGETS, csv_text
except ImportError:  # pragma: no cover
    from tests.claims_data import TARGETS, csv_text

PERIOD = "2026-11"
TEAM = "T0CLAIMS1"
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


class World:
    """A feedsum core with the claim data imported; `check(text)` -> the checks of one sentence."""

    def __init__(self, db_path: str | Path, locale: str = "zh-CN", *, no_revenue: tuple[str, ...] = (),
                 data=None):
        """`no_revenue`: platforms whose export has no revenue column (ROAS then covers the others);
        `data`: a module with `csv_text()` and `TARGETS` (default tests/claims_data.py)."""
        from bot.core.service import Feedsum
        from bot.data.metrics import Metrics
        from bot.model.config import parse_reports
        from feedsum.root import sync_reports
        from storage import Store

        self.store = Store.open(db_path)
        self.core = Feedsum(self.store, outbox=None, data=Metrics(self.store))
        config = {"reports": [{
            "id": "feed-ads", "name": "信息流投放组", "channel": "C0CLAIMS1", "admins": ["U0ADMIN01"],
            "timezone": "Asia/Shanghai", "locale": locale, "calendar": "CN",
            "sections": [{"key": "data", "owners": ["U0OWNERB1"]}],
        }]}
        sync_reports(self.core, parse_reports(config, file="claims.toml"), TEAM, NOW)
        self.report = self.core.report(TEAM, "feed-ads")
        # One export per platform, labelled the way a configured source is (`platform = "…"`): a
        # generic file's own platform column is not trusted for labels.
        lines = (data.csv_text() if data else csv_text()).splitlines()
        head, col = lines[0], lines[0].split(",").index("platform")
        for platform in dict.fromkeys(line.split(",")[col] for line in lines[1:]):
            part = "\n".join([head] + [line for line in lines[1:] if line.split(",")[col] == platform]) + "\n"
            if platform in no_revenue:
                k_rev = head.split(",").index("revenue")
                part = "\n".join(",".join(cell for k, cell in enumerate(line.split(",")) if k != k_rev)
                                 for line in part.splitlines()) + "\n"
            self.core.data.import_file(self.report, part.encode("utf-8"), name=f"claims-{platform}.csv",
                                       origin="test", now=NOW, platform=platform)
        t = (data.TARGETS if data else TARGETS)[PERIOD]
        self.store.targets.set(TEAM, "feed-ads", PERIOD,
                               {"ctr": t["ctr"], "cpa": t["cpa"], "roas": t["roas"], "spend": t["budget"]},
                               by="U0ADMIN01", now=NOW)
        self.summary = self.core.summary(self.report, PERIOD, NOW)

    def check(self, text: str) -> list:
        return self.core.check_claims(self.summary, text)


def score(corpus: list[dict], world: World) -> tuple[dict, list[tuple[str, dict, list]]]:
    """Sentence-level figures per locale ("zh-CN", "en", "all") and the sentences judged wrongly."""
    stats = {loc: dict(sentences=0, wrong=0, caught=0, ok=0, false_alarms=0)
             for loc in ("zh-CN", "en", "all")}
    problems = []
    for entry in corpus:
        checks = world.check(entry["text"])
        flagged = any(c.ok is False for c in checks)
        loc = "en" if entry["locale"].lower().startswith("en") else "zh-CN"
        for s in (stats[loc], stats["all"]):
            s["sentences"] += 1
            if entry["expect"] == "wrong":
                s["wrong"] += 1
                s["caught"] += flagged
            else:
                s["ok"] += 1
                s["false_alarms"] += flagged
        if flagged != (entry["expect"] == "wrong"):
            problems.append(("false alarm" if flagged else "missed", entry,
                             [c.message("en") for c in checks]))
    for s in stats.values():
        alarms = s["caught"] + s["false_alarms"]
        s["recall"] = s["caught"] / s["wrong"] if s["wrong"] else None
        s["precision"] = s["caught"] / alarms if alarms else None
    return stats, problems


def table(name: str, stats: dict) -> str:
    lines = [f"| {name} | sentences (wrong / right) | caught (recall) | false alarms | precision |",
             "| --- | --- | --- | --- | --- |"]
    for loc in ("zh-CN", "en", "all"):
        s = stats[loc]
        rec = f"{s['recall']:.1%}" if s["recall"] is not None else "—"
        pre = f"{s['precision']:.1%}" if s["precision"] is not None else "—"
        lines.append(f"| {loc} | {s['sentences']} ({s['wrong']} / {s['ok']}) | {s['caught']} ({rec}) | "
                     f"{s['false_alarms']} / {s['ok']} | {pre} |")
    return "\n".join(lines)


def corpora() -> dict[str, list[dict]]:
    """The corpora checked against tests/claims_data.py (see `ab_corpus` for the A/B one)."""
    out = {}
    try:
        from claims_corpus_data import CORPUS as own
    except ImportError:  # pragma: no cover
        from tests.claims_corpus_data import CORPUS as own
    out["own (tests/claims_corpus_data.py)"] = own
    here = Path(__file__).parent
    if (here / "claims_corpus_blind.py").exists():
        try:
            from claims_corpus_blind import CORPUS as blind
        except ImportError:  # pragma: no cover
            from tests.claims_corpus_blind import CORPUS as blind
        out["blind (tests/claims_corpus_blind.py)"] = blind
    return out


def ab_corpus():
    """The A/B corpus and the data it is checked against (tests/claims_ab_data.py)."""
    try:
        import claims_ab_data as data
        from claims_corpus_ab import CORPUS
    except ImportError:  # pragma: no cover
        from tests import claims_ab_data as data
        from tests.claims_corpus_ab import CORPUS
    return CORPUS, data


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        world = World(Path(tmp) / "claims.db")
        ab, ab_data = ab_corpus()
        runs = [(name, corpus, world) for name, corpus in corpora().items()]
        runs.append(("A/B (tests/claims_corpus_ab.py)", ab, World(Path(tmp) / "ab.db", data=ab_data)))
        for name, corpus, world in runs:
            stats, problems = score(corpus, world)
            print(table(name, stats))
            print()
            if "-v" in argv:
                for kind, entry, msgs in problems:
                    print(f"  {kind}: [{entry['locale']}] {entry['text']}  ({entry.get('why', '')})")
                    for m in msgs:
                        print(f"      {m}")
                print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
