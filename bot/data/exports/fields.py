"""The canonical row's fields: what every export is read into."""

from __future__ import annotations

CANONICAL_COLUMNS = [
    "date",
    "platform",
    "account",
    "campaign",
    "ad_group",
    "creative",
    "campaign_id",
    "impressions",
    "clicks",
    "spend",
    "conversions",
    "revenue",
]
TEXT_FIELDS = ("account", "campaign", "ad_group", "creative", "campaign_id")
NUM_FIELDS = ("impressions", "clicks", "spend", "conversions", "revenue")
# Source-only fields: `roas` derives revenue (× spend of the row); `date_end` is a range end;
# `ctr` is the platform's own ratio, read only to cross-check the column mapping.
EXTRA_FIELDS = ("roas", "date_end", "ctr")
MAPPABLE_FIELDS = ("date",) + TEXT_FIELDS + NUM_FIELDS + EXTRA_FIELDS
