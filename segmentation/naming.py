"""Short human names for personas from the features that set them apart most.

A name is built from the two or three largest standardised deltas, each turned into a phrase
by a vocabulary ``{column: ("low phrase", "high phrase")}``; a categorical mode can be worded
with a ``"column=level"`` key. Without a vocabulary entry the phrase is ``"high <column>"`` or
``"<column> <level>"``. When a persona stands out on a categorical column as well, one term of
its name is kept for the strongest such mode, so categories are named even when numeric
columns have larger deltas.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

Vocabulary = Mapping[str, tuple[str, str]]
TYPICAL = "typical subscribers"
MAX_LENGTH = 64  # what a list, a chart label and the store's persona column hold


def _phrase(feature: str, delta: float, vocabulary: Vocabulary) -> str:
    if feature in vocabulary:
        low, high = vocabulary[feature]
        return high if delta > 0 else low
    if "=" in feature:
        column, level = feature.split("=", 1)
        words = level if level.startswith(column) else f"{column} {level}"
        return words.replace("_", " ")
    return f"{'high' if delta > 0 else 'low'} {feature.replace('_', ' ')}"


def _ranked_phrases(
    row: pd.Series, vocabulary: Vocabulary, min_effect: float, max_terms: int
) -> list[str]:
    """Phrases by |delta|, the strongest categorical one moved into the first ``max_terms``."""
    ranked = row.abs().sort_values(ascending=False, kind="stable")
    phrases: list[str] = []
    categorical: str | None = None
    for feature in ranked.index[ranked >= min_effect]:
        phrase = _phrase(str(feature), float(row[feature]), vocabulary)
        if phrase and phrase not in phrases:
            phrases.append(phrase)
            if categorical is None and "=" in str(feature):
                categorical = phrase
    if categorical is not None and phrases.index(categorical) >= max_terms > 1:
        phrases.remove(categorical)
        phrases.insert(max_terms - 1, categorical)
    return phrases


def name_personas(
    deltas: pd.DataFrame,
    vocabulary: Vocabulary | None = None,
    *,
    max_terms: int = 3,
    min_effect: float = 0.25,
) -> dict[int, str]:
    """One unique name per persona (index of ``deltas``).

    Names use up to ``max_terms`` phrases whose |delta| is at least ``min_effect``; a persona
    whose name collides with another's gets further phrases, then its id, so names are unique.
    """
    if max_terms < 1:
        raise ValueError(f"max_terms must be at least 1; got {max_terms}.")
    vocab = vocabulary or {}
    ranked = {
        int(p): _ranked_phrases(deltas.loc[p], vocab, min_effect, max_terms) for p in deltas.index
    }
    names = {p: _joined(phrases[:max_terms]) for p, phrases in ranked.items()}
    for persona, name in sorted(names.items()):
        clashes = [p for p, other in names.items() if other == name and p != persona]
        if not clashes:
            continue
        longer = _joined(ranked[persona][: max_terms + 1])
        taken = set(names.values()) - {name}
        names[persona] = (
            longer
            if ranked[persona] and longer not in taken and longer != name
            else _numbered(name, persona)
        )
    return names


def _joined(phrases: list[str]) -> str:
    """Phrases joined by commas, dropping the weakest until the name fits :data:`MAX_LENGTH`."""
    while len(phrases) > 1 and len(", ".join(phrases)) > MAX_LENGTH:
        phrases = phrases[:-1]
    return (", ".join(phrases) or TYPICAL)[:MAX_LENGTH]


def _numbered(name: str, persona: int) -> str:
    suffix = f" (persona {persona})"
    return name[: MAX_LENGTH - len(suffix)] + suffix
