"""Tiny hand-built XLSX files, friendly and hostile, written part by part (no openpyxl).

A workbook is five XML parts in a zip; building them by hand lets a test say exactly what the
sheet claims (`<dimension ref>`), which cells it has, and what its XML declares.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"

HEADERS = ["日期", "计划名称", "消耗", "展示数", "点击数"]
LAUGHS = ('<!DOCTYPE lolz [<!ENTITY a0 "lol">'
          + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)) + "]>")


def workbook(sheet: str, *, strings: str | None = None) -> bytes:
    """A workbook whose first sheet is `sheet` (the XML of sheet1) and optional sharedStrings."""
    overrides = (f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
                 f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>')
    rels = f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    if strings is not None:
        overrides += f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
        rels += f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>'),
        "_rels/.rels": (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">'
                        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
                        '</Relationships>'),
        "xl/workbook.xml": (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{_REL}">'
                            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (f'<?xml version="1.0" encoding="UTF-8"?>'
                                       f'<Relationships xmlns="{_PKG}">{rels}</Relationships>'),
        "xl/worksheets/sheet1.xml": sheet,
    }
    if strings is not None:
        parts["xl/sharedStrings.xml"] = strings
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return buf.getvalue()


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def cell(ref: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def row(r: int, values, extra: str = "") -> str:
    return f'<row r="{r}">' + "".join(cell(f"{_col(i)}{r}", v) for i, v in enumerate(values)) + extra + "</row>"


def sheet(rows: list[str], *, dimension: str | None = None, prolog: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN}">{dim}'
            f'<sheetData>{"".join(rows)}</sheetData></worksheet>')


def data_rows(n: int, *, start: int = 2, extra=lambda r: "") -> list[str]:
    """`n` daily rows of one campaign: spend 10, 1,000 impressions, 20 clicks each."""
    return [row(r, [f"2026-11-{(r - start) % 30 + 1:02d}", "计划A", 10, 1000, 20], extra(r))
            for r in range(start, start + n)]


def table(n: int, **kw) -> bytes:
    """A friendly workbook: the header and `n` rows."""
    return workbook(sheet([row(1, HEADERS)] + data_rows(n), **kw))


def padded(n: int, *, dimension: bool = True) -> bytes:
    """Every data row also has a cell in column XFD (16,384): a few KB that openpyxl pads out."""
    rows = [row(1, HEADERS)] + data_rows(n, extra=lambda r: f'<c r="XFD{r}"><v>1</v></c>')
    return workbook(sheet(rows, dimension=f"A1:XFD{n + 1}" if dimension else None))


def laughs_in_sheet() -> bytes:
    """Nested entities ("billion laughs") referenced from a cell after a valid dimension."""
    rows = [row(1, HEADERS), '<row r="2"><c r="A2" t="inlineStr"><is><t>&a9;</t></is></c></row>']
    return workbook(sheet(rows, dimension="A1:E2", prolog=LAUGHS))


def laughs_in_strings() -> bytes:
    """The same entities in the shared-strings table, with an innocent sheet."""
    strings = (f'<?xml version="1.0" encoding="UTF-8"?>{LAUGHS}<sst xmlns="{MAIN}" count="1" uniqueCount="1">'
               "<si><t>&a9;</t></si></sst>")
    return workbook(sheet([row(1, HEADERS), '<row r="2"><c r="A2" t="s"><v>0</v></c></row>']), strings=strings)
