"""The catalogue of words (bot/text/catalogue/): complete in every locale, no key twice, and a new
locale is one more catalogue — nothing else changes."""

from __future__ import annotations

import ast
import re
import string
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel import Locale
from babel.numbers import parse_pattern

from bot.text import catalogue, formats
from bot.text.catalogue import Catalogue

CATALOGUE_DIR = Path(catalogue.__file__).parent


def duplicate_keys(source: str) -> list[str]:
    """Keys written twice in the STRINGS dict literal of a catalogue module (Python keeps the last)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "STRINGS" for t in node.targets):
            keys = [ast.literal_eval(k) for k in node.value.keys]
            return sorted({k for k in keys if keys.count(k) > 1})
    raise AssertionError("no STRINGS = {...} in the module")


def test_no_key_is_written_twice_in_any_catalogue():
    files = [p for p in CATALOGUE_DIR.glob("*.py") if p.name != "__init__.py"]
    assert {p.stem for p in files} >= {"zh_CN", "en"}
    for path in files:
        assert duplicate_keys(path.read_text(encoding="utf-8")) == [], path.name
    # the check itself sees what a dict literal hides
    assert duplicate_keys('STRINGS = {"a": "1", "b": "2", "a": "3"}') == ["a"]


def placeholders(template) -> set[str]:
    forms = template.values() if isinstance(template, dict) else [template]
    return {name.split(".")[0].split("[")[0] for form in forms
            for _, name, _, _ in string.Formatter().parse(form) if name is not None}


def test_every_key_is_in_every_locale_with_the_same_placeholders():
    english = catalogue.get("en").strings
    for loc in catalogue.locales():
        cat = catalogue.get(loc)
        assert cat.locale == loc
        assert set(cat.strings) == set(english), (loc, set(cat.strings) ^ set(english))
        categories = set(Locale.parse(cat.babel).plural_form.tags) | {"other"}
        for key, template in cat.strings.items():
            assert placeholders(template) == placeholders(english[key]), (loc, key)
            if isinstance(template, dict):  # plural forms: CLDR categories of the locale, "other" always
                assert "other" in template and set(template) <= categories, (loc, key)
            else:
                string.Formatter().parse(template)


def test_format_patterns_are_babel_patterns():
    for loc in catalogue.locales():
        strings = catalogue.get(loc).strings
        for key in ("fmt.decimal", "fmt.percent", "fmt.money", "fmt.money.table", "fmt.ratio", "fmt.change",
                    "fmt.percent.change"):
            parse_pattern(strings[key])
        for key in ("fmt.month", "fmt.day", "fmt.when", "fmt.when.short"):
            assert formats.when(datetime(2026, 11, 3, 9, 5, tzinfo=ZoneInfo("Asia/Shanghai")), loc, key[4:])


@pytest.mark.parametrize("call, zh, en", [
    (lambda loc: formats.money_compact(162_000, loc) or formats.money(162_000, loc), "16.20万元", "¥162,000.00"),
    (lambda loc: formats.money(1234.5, loc), "1,234.50 元", "¥1,234.50"),
    (lambda loc: formats.money(-1234.5, loc), "-1,234.50 元", "-¥1,234.50"),
    (lambda loc: formats.compact(123_456_789, loc) or formats.decimal(123_456_789, loc), "1.23亿", "123,456,789"),
    (lambda loc: formats.compact(12_250, loc) or "", "1.23万", ""),  # 1.225 as a float is 1.22500000000000008…
    (lambda loc: formats.compact(38_000, loc, 1, trim=True) or formats.decimal(38_000, loc), "3.8万", "38,000"),
    (lambda loc: formats.percent(0.012345, loc), "1.23%", "1.23%"),
    (lambda loc: formats.signed_percent(0.081, loc), "+8.1%", "+8.1%"),
    (lambda loc: formats.signed(-0.001, loc, 2), "0.00", "0.00"),
    (lambda loc: formats.month("2026-11", loc), "2026年11月", "November 2026"),
    (lambda loc: formats.day(date(2026, 9, 18), loc), "9月18日", "Sep 18"),
])
def test_babel_writes_numbers_and_dates_as_before(call, zh, en):
    assert (call("zh-CN"), call("en")) == (zh, en)


def test_locale_names_resolve_to_a_catalogue():
    assert catalogue.resolve("zh") == "zh-CN" and catalogue.resolve("zh_CN.UTF-8") == "zh-CN"
    assert catalogue.resolve("en_US.UTF-8") == "en" and catalogue.resolve("xx") == "en"
    assert catalogue.resolve(None) == "en" and catalogue.locales()[0] == catalogue.DEFAULT


# --- a third locale: one catalogue registered, nothing else touched ---------------------------------

OPEN, CLOSE = "⟦", "⟧"
_KEEP = ("fmt.", "list.", "locale.calendar")  # patterns and separators, not words


def _pseudo(template):
    if isinstance(template, dict):
        return {k: _pseudo(v) for k, v in template.items()}
    return OPEN + template + CLOSE


@pytest.fixture
def pseudo_locale():
    english = catalogue.get("en").strings
    strings = {k: (v if k.startswith(_KEEP) else _pseudo(v)) for k, v in english.items()}
    catalogue.register(Catalogue(locale="xx-PS", babel="fr", strings=strings))
    try:
        yield "xx-PS"
    finally:
        catalogue.unregister("xx-PS")


def _unwrapped(text: str) -> str:
    """What is left outside every ⟦…⟧: words nobody put in the catalogue."""
    while True:
        stripped = re.sub(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}", " ", text)
        if stripped == text:
            return text
        text = stripped


def test_a_third_locale_is_one_catalogue(pseudo_locale):
    from bot.insight.draft import draft_data_section
    from bot.model.config import parse_reports
    from bot.model.summary import SectionState, Summary
    from bot.report.markdown import summary_markdown
    from handlers.render import help_message, kpi_markdown, summary_messages
    from tests.test_draft import make_report

    report = parse_reports({"reports": [{
        "id": "team", "name": "Team", "channel": "C0MD00001", "admins": ["U0ADMIN01"], "timezone": "Asia/Shanghai",
        "locale": pseudo_locale, "sections": [{"key": k, "owners": ["U0OWNER01"]} for k in ("results", "data", "plan")]}]},
        file="t.toml")[0]
    texts = {"results": "42", "data": None, "plan": "7"}
    sections = [SectionState(s.key, report.title(s), ("U0OWNER01",), texts[s.key], ("U0OWNER01",) if texts[s.key] else (), 1,
                             "2026-11-28T02:00:00+00:00", "2026-11-28T02:00:00+00:00") for s in report.sections]
    kpi = make_report({"spend": 162_345.5, "impressions": 4_000_000, "clicks": 52_000, "conversions": 1_300},
                      {"spend": 150_000.0, "impressions": 3_900_000, "clicks": 50_000, "conversions": 1_200},
                      targets={"cpa": 120.0})
    summary = Summary(report=report, period="2026-11", due_at=datetime(2026, 11, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
                      state="posted", sections=sections, kpi=kpi, claims_line=None)

    markdown = summary_markdown(summary, lambda u: "Ann", kpi_lines=kpi_markdown(summary))
    blocks = str(summary_messages(summary, lambda u: "Ann"))
    draft = draft_data_section(kpi, pseudo_locale, team_name="Team")
    help_text = str(help_message(pseudo_locale))
    assert "novembre 2026" in markdown  # the month in the new locale's words (Babel: fr)
    assert "162\u202f345,50" in markdown or "16\u202f234" in markdown or "162\u202f346" in markdown, markdown
    for text in (markdown, blocks, draft, help_text):
        assert OPEN in text
        assert not re.search(r"[\u4e00-\u9fff]", text), text  # no Chinese from anywhere else
    # Outside the catalogue's words only names, figures, marks and Markdown are left.
    leftover = set(re.findall(r"[A-Za-z]{3,}", _unwrapped(markdown + draft)))
    assert leftover <= {"Team", "Ann", "novembre", "ROI", "UTC"}, leftover


# --- the command line speaks LANG -----------------------------------------------------------------

def test_the_command_line_speaks_the_language_lang_names(tmp_path, monkeypatch, capsys):
    from bot.text.i18n import env_locale
    from feedsum import cli

    assert env_locale({"LANG": "zh_CN.UTF-8"}) == "zh-CN" and env_locale({"LANG": "C.UTF-8"}) == "en"
    assert env_locale({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en" and env_locale({}) == "en"
    (tmp_path / "feedsum.toml").write_text(cli.STARTER_TOML, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FEEDSUM_CONFIG", str(tmp_path / "feedsum.toml"))
    monkeypatch.setenv("FEEDSUM_DB", str(tmp_path / "feedsum.db"))
    for lang, words in (("zh_CN.UTF-8", "个报告无误"), ("C.UTF-8", "report(s) OK")):
        monkeypatch.setenv("LANG", lang)
        monkeypatch.delenv("LC_ALL", raising=False)
        monkeypatch.delenv("LC_MESSAGES", raising=False)
        assert cli.main(["check"]) == 0
        assert words in capsys.readouterr().out
    (tmp_path / "feedsum.toml").write_text("reports = 3", encoding="utf-8")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert cli.main(["check"]) == 2
    assert capsys.readouterr().err.startswith("feedsum：配置错误：")


def test_refused_uploads_are_said_in_the_report_language():
    from bot.data.upload_guard import UploadRefused, check_upload
    from bot.text.i18n import Msg

    with pytest.raises(UploadRefused) as err:
        check_upload("scan.pdf", 1000, b"%PDF-1.7")
    assert "this is a PDF, not a table export" in str(err.value)  # logs: English
    assert Msg(err.value.key, **err.value.values).text("zh-CN") == "这是PDF 文件，不是表格导出（CSV、TSV 或 XLSX）"
