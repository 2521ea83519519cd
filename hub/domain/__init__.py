"""The domain core: claims, checks, ledger rules, conversion.

Nothing in this package may import grpc, fastapi, sqlalchemy or cryptography
(tests/unit/test_dependency_rule.py enforces it): the rules of the Shenzhen
standard must be testable and reusable without any transport or database.
"""
