"""Reading batch files into the canonical frame of a dataset spec, and their checksums."""

from prospect.io.checksum import file_checksum
from prospect.io.reader import read_batch

__all__ = ["file_checksum", "read_batch"]
