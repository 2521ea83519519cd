"""The contract between the hub and every client of it (docs/architecture.md).

``generated``: the code of proto/carbonhub/v1 (scripts/generate_protos.py);
``vocabulary``: records, check codes, holdings and envelopes in pure standard
library; ``signing``, ``key_files``, ``receipts``: Ed25519 envelopes and the
hub's signed receipts; ``error_details``: what a refusal carries; ``tls``:
client channels with mutual TLS; ``timestamps``: RFC 3339 times.
"""
