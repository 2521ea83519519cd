"""The codes an adapter answers with when it cannot map a file or a row.

These are *syntax* faults found on the partner side, before anything is
sent. Semantic faults (negative quantities, units that do not fit a
methodology, overlaps, credit-code check characters ...) are the hub's and
come back as hub check codes. adapters/README.md documents the table; a test
keeps the two in step. Codes are never renamed or reused.
"""

from __future__ import annotations

from enum import StrEnum


class ProblemCode(StrEnum):
    # Whole delivery or whole file (line 0, column "")
    MANIFEST_MISSING = "MANIFEST_MISSING"
    MANIFEST_INVALID = "MANIFEST_INVALID"
    FILE_MISSING = "FILE_MISSING"
    FILE_DIGEST_MISMATCH = "FILE_DIGEST_MISMATCH"
    ENCODING_MISMATCH = "ENCODING_MISMATCH"
    FILE_EMPTY = "FILE_EMPTY"
    HEADER_MISSING_COLUMN = "HEADER_MISSING_COLUMN"
    HEADER_DUPLICATE_COLUMN = "HEADER_DUPLICATE_COLUMN"
    # One row (1-based physical line, header = line 1)
    ROW_COLUMN_COUNT = "ROW_COLUMN_COUNT"
    ROW_DUPLICATE_IN_DELIVERY = "ROW_DUPLICATE_IN_DELIVERY"
    ROW_FIELD_MISSING = "ROW_FIELD_MISSING"
    ROW_DATE_MALFORMED = "ROW_DATE_MALFORMED"
    ROW_UNIT_UNKNOWN = "ROW_UNIT_UNKNOWN"
    ROW_STATUS_UNKNOWN = "ROW_STATUS_UNKNOWN"
    ROW_DISTRICT_UNKNOWN = "ROW_DISTRICT_UNKNOWN"
    # A quantity that reads as two values, Portuguese and Chinese (1,250 / 1.250).
    ROW_QUANTITY_AMBIGUOUS = "ROW_QUANTITY_AMBIGUOUS"
    # The quantity blank and points (碳積分) given instead: points are never a quantity.
    ROW_POINTS_NOT_QUANTITY = "ROW_POINTS_NOT_QUANTITY"


# Codes that refuse a whole file: nothing of that file is sent.
FILE_CODES: frozenset[ProblemCode] = frozenset(
    {
        ProblemCode.MANIFEST_MISSING,
        ProblemCode.MANIFEST_INVALID,
        ProblemCode.FILE_MISSING,
        ProblemCode.FILE_DIGEST_MISMATCH,
        ProblemCode.ENCODING_MISMATCH,
        ProblemCode.FILE_EMPTY,
        ProblemCode.HEADER_MISSING_COLUMN,
        ProblemCode.HEADER_DUPLICATE_COLUMN,
    }
)
