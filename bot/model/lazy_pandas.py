"""pandas, imported on first use.

Importing pandas takes about 0.2 s. `feedsum metrics --json` on a big export sums it with Arrow and
numpy (bot/data/export_sums.py) and needs pandas only for what an unusual file asks, so the
modules on that path take ``pd`` from here rather than import pandas when they are imported.
"""

from __future__ import annotations


class _Pandas:
    def __getattr__(self, name: str):
        import pandas

        value = getattr(pandas, name)
        setattr(self, name, value)  # found directly from now on
        return value


pd = _Pandas()
