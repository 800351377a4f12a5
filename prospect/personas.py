"""Personas for a dataset spec: which columns a marketer segments on, and the words for them.

The segmentation library knows nothing of any table; this module takes the persona columns and
the words from the spec (``personas:`` and each column's ``words``, ``title``), so a bank's own
table gets names such as "young, single, low balance" rather than raw column names.
"""

from __future__ import annotations

from typing import Any

from prospect.spec import ColumnSpec, DatasetSpec
from segmentation import PersonaSegmenter


def persona_columns(spec: DatasetSpec) -> tuple[list[str], list[str]]:
    """Numeric (booleans included, as 0/1) and categorical columns to segment on.

    The spec's ``personas:`` lists when given, else every numeric and boolean feature and
    every categorical feature.
    """
    if spec.personas.numeric or spec.personas.categorical:
        return list(spec.personas.numeric), list(spec.personas.categorical)
    return [*spec.numeric_features, *spec.boolean_features], list(spec.categorical_features)


def _title(col: ColumnSpec) -> str:
    """A short noun for the column: its title, else its name in words (not the description,
    which is a sentence)."""
    return col.title or col.name.replace("_", " ")


def _numeric_words(col: ColumnSpec) -> tuple[str, str]:
    if col.words is not None and (col.words.low or col.words.high):
        return col.words.low, col.words.high
    if col.role == "boolean":
        return "", _title(col)
    return f"low {_title(col)}", f"high {_title(col)}"


def _category_words(col: ColumnSpec) -> dict[str, tuple[str, str]]:
    """``"column=level"`` entries: the spec's word, else "<title> <level>" for known levels."""
    words = dict(col.words.values) if col.words is not None else {}
    levels = [str(v) for v in col.allowed or []]
    out = {f"{col.name}={lvl}": ("", f"{_title(col)} {lvl}") for lvl in levels}
    out.update({f"{col.name}={lvl}": ("", word) for lvl, word in words.items()})
    return out


def persona_vocabulary(spec: DatasetSpec) -> dict[str, tuple[str, str]]:
    """Words for every persona column: ``column -> (low, high)`` and
    ``column=level -> ("", word)``, from the spec's ``words`` and ``title``."""
    numeric, categorical = persona_columns(spec)
    vocabulary = {name: _numeric_words(spec.column(name)) for name in numeric}
    for name in categorical:
        vocabulary.update(_category_words(spec.column(name)))
    return vocabulary


def build_segmenter(spec: DatasetSpec, **params: Any) -> PersonaSegmenter:
    """A :class:`~segmentation.PersonaSegmenter` on the spec's persona columns, with the
    spec's words; ``params`` set any other segmenter parameter (``n_clusters``,
    ``random_state`` ...)."""
    numeric, categorical = persona_columns(spec)
    params.setdefault("vocabulary", persona_vocabulary(spec))
    return PersonaSegmenter(numeric_columns=numeric, categorical_columns=categorical, **params)
