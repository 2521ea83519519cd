"""Trust: the hub's certificate authority, mutual TLS and signing key files.

This package may use cryptography and grpc; the domain (hub.domain) only
sees the resulting ``Identity``.
"""
