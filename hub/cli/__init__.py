"""``carbon-hub``, the hub's command line: one module per command group.

``hub.cli.app`` holds the typer app and ``main`` (the console script);
``ledger`` opens the hub's ledger for a command, ``refusals`` turns what a
command cannot do into one line and an exit code, and each other module is
one group of commands (``bureau``, ``keys``, ``audit``, ``serve`` ...).
Nothing is imported here, so importing one command module does not load
the whole app and the tools' commands with it.
"""
