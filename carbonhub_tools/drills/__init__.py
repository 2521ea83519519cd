"""Failure drills: the real hub, as OS processes, under races, kills and outages.

``carbon-hub drill race|crash|outage`` (carbonhub_tools.drills.cli) runs one drill end to
end against `carbon-hub serve` processes with mutual TLS and signed writes,
prints what it checked and what it found, and exits non-zero when anything
was lost or doubled. Each drill decides what the ledger must hold from the
traffic it generated itself, never from what the hub answered.
"""
