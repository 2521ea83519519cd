"""The domain core: claims, checks, ledger rules, conversion.

Nothing in this package imports anything but the standard library, itself,
the contract's vocabulary (carbonhub_contract.vocabulary) and hub.errors
(tests/unit/test_import_rules.py): no transport, database, crypto, pydantic
or YAML. The rules of the Shenzhen standard must be testable and reusable
without any of them; hub.standard reads and validates the standard's files
and hands the domain plain values (hub.domain.standard_terms).
"""
