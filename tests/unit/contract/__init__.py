"""Tests of the contract package (carbonhub_contract)."""
