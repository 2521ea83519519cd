"""grpc core's own log lines, kept off a command's console.

grpc core (C++) writes lines such as ``ssl_transport_security.cc ...
CERTIFICATE_VERIFY_FAILED`` or ``add_port.cc ... Address already in use``
straight to stderr, beside the one coded line a command prints for the same
fault. It reads ``GRPC_VERBOSITY`` once, when grpc is first imported, so the
command-line entry points (hub.cli.app, adapters.cli) import this module before
anything that imports grpc. An operator who wants the core's lines sets
GRPC_VERBOSITY (e.g. ``debug``) and GRPC_TRACE: values already set are kept.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRPC_VERBOSITY", "NONE")
os.environ.setdefault("GRPC_TRACE", "")
