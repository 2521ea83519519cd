"""Operating the hub: structured logs, Prometheus metrics, health and status.

Services and domain code never import this package: they log through the
standard ``logging`` module (an event name and fields in ``extra``) and
the transports record calls here. The composition root (hub.bootstrap) and
the serving command wire it.
"""
