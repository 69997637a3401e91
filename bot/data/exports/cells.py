"""Cell values: names, numbers, missing and masked cells, total labels."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from bot.data.exports.errors import BadCell
from bot.text.i18n import Msg

MISSING_TOKENS = ("", "--", "-", " --", "—", "N/A", "n/a", "NaN", "nan", "<5", "<10")
_MISSING_SET = {t.strip().casefold() for t in MISSING_TOKENS}
_MASKED_RE = re.compile(r"^<\s*\d+$")
_NUMBER_JUNK_RE = re.compile(r"[,\s¥￥$€\u00a0\u3000]|%$")
_TOTAL_RE = re.compile(
    r"^\s*(total\s*:.*|totals?|total of .*|(总计|合计|汇总)(\s*[:：(（].*)?|no data available\.?|暂无数据)\s*$",
    re.IGNORECASE,
)
_DELETED_RE = re.compile(r"\s*[\[(](已删除|deleted)[\])]\s*$", re.IGNORECASE)


def _clean_text(values: pd.Series) -> pd.Series:
    """Trim names, fold NFKC and drop ``[已删除]`` suffixes; empty → NA. Works on unique values."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = values.cat.categories
        cleaned = np.array([_clean_name(c) for c in cats] + [None], dtype=object)
        codes = values.cat.codes.to_numpy()
        out = cleaned[codes]  # code -1 picks the trailing None
    else:
        uniq = {v: _clean_name(v) for v in pd.unique(values.to_numpy(dtype=object))}
        out = np.array([uniq[v] for v in values.to_numpy(dtype=object)], dtype=object)
    return pd.Series(out, index=values.index, dtype="str")


def _clean_name(v: object) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)  # IDs read as numbers from XLSX
    s = unicodedata.normalize("NFKC", str(v)).strip()
    s = _DELETED_RE.sub("", s)
    return s or None


def _to_number(values: pd.Series, column: str, row_of, bad: list[BadCell], check: np.ndarray) -> pd.Series:
    """Parse a numeric column; unreadable cells on `check` rows go to `bad`. Missing → NaN."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("float64")
    obj = values.astype(object)
    out = pd.to_numeric(obj, errors="coerce").astype("float64")  # numbers and plain numeric text
    todo = out.isna() & obj.notna()
    if todo.any():
        text = obj[todo].astype(str).str.strip()
        missing = text.str.casefold().isin(_MISSING_SET) | text.str.match(_MASKED_RE)
        cleaned = text.str.replace(_NUMBER_JUNK_RE, "", regex=True)
        parsed = pd.to_numeric(cleaned, errors="coerce")
        out.loc[todo] = parsed.astype("float64")
        failed = parsed.isna() & ~missing
        failed_idx = failed.index[failed.to_numpy() & check[failed.index.to_numpy()]]
        for i in failed_idx[:50]:
            bad.append(BadCell(row_of(i), column, str(obj[i]), Msg("read.number_expected")))
        if len(failed_idx) > 50:  # keep the count right without building thousands of objects
            bad.extend(BadCell(row_of(i), column, None, Msg("read.number_expected")) for i in failed_idx[50:])
    return out


def _texts(values: pd.Series | None) -> list[str]:
    if values is None:
        return []
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [c for c in values.cat.categories if isinstance(c, str)]
    if pd.api.types.is_datetime64_any_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype):
        return []
    return [v for v in pd.unique(values.to_numpy(dtype=object)) if isinstance(v, str)]


def _sortable(values: pd.Series) -> bool:
    kinds = {type(v) for v in values.dropna().to_numpy(dtype=object)[:1000]}
    return len(kinds) <= 1


def _labels(values: pd.Series, pattern: re.Pattern) -> np.ndarray:
    """Boolean mask of cells matching a pattern, evaluated once per distinct value."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        hit = np.array([bool(pattern.match(str(c))) for c in values.cat.categories] + [False])
        return hit[values.cat.codes.to_numpy()]
    obj = values.to_numpy(dtype=object)
    memo: dict[object, bool] = {}
    return np.array([memo.setdefault(v, v is not None and v == v and bool(pattern.match(str(v)))) for v in obj],
                    dtype=bool)
