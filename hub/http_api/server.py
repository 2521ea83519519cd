"""Serving the HTTP app with uvicorn on a thread beside the gRPC server.

The caller owns the process's signals (uvicorn installs none off the main
thread); ``stop`` ends the server and waits for its thread."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from hub.settings import LOOPBACK_HOSTS


class HttpStartFailed(RuntimeError):
    """The HTTP server did not come up (port taken, bad address)."""


@dataclass
class RunningHttp:
    server: uvicorn.Server
    thread: threading.Thread
    host: str
    port: int

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS


def start_http_server(app: FastAPI, host: str, port: int, *, timeout: float = 10.0) -> RunningHttp:
    """Bind first (port 0 picks a free port, and a taken port fails here, in
    the caller's thread), then serve on a daemon thread."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
    except OSError as error:
        sock.close()
        raise HttpStartFailed(f"cannot bind HTTP to {host}:{port}: {error}") from error
    bound_port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        app, host=host, port=bound_port, log_level="warning", access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="http-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise HttpStartFailed(f"the HTTP server on {host}:{bound_port} did not start")
        time.sleep(0.02)
    return RunningHttp(server, thread, host, bound_port)
