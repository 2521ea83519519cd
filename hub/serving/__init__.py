"""Running the hub as a server, beside what ``carbon-hub serve`` parses.

``sandbox``: the sandbox hub partners prove their side of the contract on,
kept apart from the real ledger. ``gc_tuning``: the serving process's
garbage collector. ``serve_process``: ``carbon-hub serve`` as a child OS
process, started, watched, killed and restarted from outside (the tools'
drills and bench, and the tests, run the real server this way).
"""
