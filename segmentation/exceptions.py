"""Domain errors of the persona segmentation library."""


class SegmentationError(Exception):
    """Base class for errors a user of the segmentation library can act on."""


class TooFewRowsError(SegmentationError):
    """The data has fewer rows than the personas asked for."""
