"""Operating the hub: structured logs, Prometheus metrics, health and status,
and the incident ids under which unexpected faults are logged (incidents).

Services and domain code never import this package: they log through the
standard ``logging`` module (an event name and fields in ``extra``) and
the transports record calls here. The composition root (hub.bootstrap) and
the serving command wire it.
"""
