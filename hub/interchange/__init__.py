"""The hub's ledger in other registries' models (CAD Trust v2) and the
Article 6.2-style annual report: pure functions over plain values, standard
library only (like hub.domain); openpyxl workbooks in their own module."""
