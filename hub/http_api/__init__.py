"""The HTTP transport: public disclosure (read-only JSON, CSV and pages) and
the bureau's console. Routers parse, call a service and convert; no rule of
the ledger lives here."""
