"""Persona segmentation: k-prototypes personas, choice of k, profiles, names, matching.

A library: it takes DataFrames and explicit column lists and knows nothing of ``prospect``.
"""

from segmentation.assign import assign_labels, total_cost
from segmentation.choose_k import choose_k
from segmentation.exceptions import SegmentationError, TooFewRowsError
from segmentation.matching import PersonaMatch, match_personas
from segmentation.naming import name_personas
from segmentation.profiles import profile_personas
from segmentation.report import write_persona_report
from segmentation.segmenter import PersonaSegmenter

__all__ = [
    "PersonaMatch",
    "PersonaSegmenter",
    "SegmentationError",
    "TooFewRowsError",
    "assign_labels",
    "choose_k",
    "match_personas",
    "name_personas",
    "profile_personas",
    "total_cost",
    "write_persona_report",
]
