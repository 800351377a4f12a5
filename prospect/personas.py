"""Personas for a dataset spec: which columns a marketer segments on, and the words for them.

The segmentation library knows nothing of subscriber data; this module picks the columns from
the spec and supplies the vocabulary that turns "app_video_count well above average" into
"heavy-video streamers".
"""

from __future__ import annotations

from typing import Any

from prospect.spec import DatasetSpec
from segmentation import PersonaSegmenter

# Behaviour and value columns a marketer plans campaigns around. Left out on purpose:
# risk flags (blacklist, arrears, 4G-unhealthy: the scorecard's job, not a persona),
# region (geography is a campaign filter, not a lifestyle), and near-duplicates
# (avg_spend_6m ~ bill_amount, data_up_gb ~ data_down_gb, last_payment_amount).
SUBSCRIBER_NUMERIC = (
    "age", "tenure_months", "bill_amount", "data_down_gb", "voice_minutes",
    "call_circle_size", "mall_visits_3m_avg", "app_shopping_count", "app_video_count",
    "app_finance_count", "app_flight_count", "app_travel_count",
)  # fmt: skip
# Booleans enter as 0/1 numeric columns: their persona mean is a share a marketer can read.
SUBSCRIBER_BOOLEAN = ("is_student", "has_5g_handset", "frequent_mall_visitor")
SUBSCRIBER_CATEGORICAL = ("plan_tier", "handset_price_band", "fee_sensitivity")

SUBSCRIBER_VOCABULARY: dict[str, tuple[str, str]] = {
    "age": ("young", "older"),
    "tenure_months": ("newcomers", "long-standing customers"),
    "bill_amount": ("low-spend", "high-spend"),
    "data_down_gb": ("light data users", "heavy data users"),
    "voice_minutes": ("rare callers", "heavy callers"),
    "call_circle_size": ("small-circle", "well-connected"),
    "mall_visits_3m_avg": ("stay-at-home", "mall-goers"),
    "frequent_mall_visitor": ("", "mall regulars"),
    "app_shopping_count": ("offline shoppers", "online shoppers"),
    "app_video_count": ("light video", "heavy-video streamers"),
    "app_finance_count": ("", "finance-app users"),
    "app_flight_count": ("", "frequent flyers"),
    "app_travel_count": ("", "travellers"),
    "is_student": ("", "students"),
    "has_5g_handset": ("4G-handset holders", "5G-handset owners"),
    "plan_tier=5g_basic": ("", "basic-plan"),
    "plan_tier=5g_plus": ("", "plus-plan"),
    "plan_tier=5g_premium": ("", "premium-plan"),
    "plan_tier=5g_family": ("", "family-plan"),
    "plan_tier=5g_business": ("", "business-plan"),
    "handset_price_band=lt1k": ("", "budget-phone"),
    "handset_price_band=gt6k": ("", "flagship-phone"),
    "handset_price_band=4k_6k": ("", "premium-phone"),
    "handset_price_band=missing": ("", "unknown-handset"),
    "fee_sensitivity=1": ("", "price-sensitive"),
    "fee_sensitivity=5": ("", "price-insensitive"),
}


def persona_columns(spec: DatasetSpec) -> tuple[list[str], list[str]]:
    """Numeric (booleans included, as 0/1) and categorical columns to segment on.

    For ``subscriber_5g`` the marketer-meaningful subset above; for any other spec every
    numeric and boolean feature, and every categorical feature.
    """
    names = {c.name for c in spec.columns if c.is_feature}
    preferred = [*SUBSCRIBER_NUMERIC, *SUBSCRIBER_BOOLEAN]
    numeric = [c for c in preferred if c in names]
    categorical = [c for c in SUBSCRIBER_CATEGORICAL if c in names]
    if not numeric or not categorical:
        numeric = [*spec.numeric_features, *spec.boolean_features]
        categorical = list(spec.categorical_features)
    return numeric, categorical


def build_segmenter(spec: DatasetSpec, **params: Any) -> PersonaSegmenter:
    """A :class:`~segmentation.PersonaSegmenter` on the spec's persona columns, with the
    subscriber vocabulary; ``params`` set any other segmenter parameter (``n_clusters``,
    ``random_state`` ...)."""
    numeric, categorical = persona_columns(spec)
    params.setdefault("vocabulary", SUBSCRIBER_VOCABULARY)
    return PersonaSegmenter(numeric_columns=numeric, categorical_columns=categorical, **params)
