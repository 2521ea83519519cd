"""The words the hub and its partners share, in pure standard library: what a
partner submits (records), the checks' codes and messages (checks), holdings
compared in reconciliation (holdings) and signed envelopes (envelopes). The
hub's domain builds on these; nothing here imports anything else."""
