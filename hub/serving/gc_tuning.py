"""The serving process's garbage collector, tuned for batch ingestion.

An envelope of claims allocates hundreds of thousands of small containers
that all live until its transaction ends. With CPython's default young
threshold (700) the collector examined them again and again while they were
still in use, and its full collections walked everything loaded at start
(the standard, the modules, SQLAlchemy's metadata) as well: about a tenth of
ingestion time at any ledger size (py-spy, docs/ingestion-profile.md). A
larger young threshold lets most of a batch die before it is examined, and
freezing the start-up heap keeps full collections off what never becomes
garbage. Reference counting still frees everything without cycles at once.
"""

from __future__ import annotations

import gc

# Middle and old generations: collected after this many young (resp. middle)
# collections, so a raised young threshold does not also space out full
# collections by its own factor.
MIDDLE_THRESHOLD = 20
OLD_THRESHOLD = 100


def tune_for_serving(young_threshold: int) -> None:
    """Freeze what is loaded now and raise the young threshold (0: leave the defaults)."""
    if young_threshold <= 0:
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(young_threshold, MIDDLE_THRESHOLD, OLD_THRESHOLD)
