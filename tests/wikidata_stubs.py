"""Tiny loopback HTTP endpoints for the Wikidata tests: a broken endpoint (fixed status and body)
and a forwarding proxy to a real SPARQL server that can be told to fail from the n-th request on."""

from __future__ import annotations

import http.server
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from conftest import loopback_http


@dataclass
class Behaviour:
    status: int = 200
    body: bytes = b"{}"
    forward_to: str | None = None  # a real endpoint: forward the request
    fail_from: int | None = None  # with forward_to: answer 500 from this request number (1-based) on
    requests: int = 0


@contextmanager
def endpoint(b: Behaviour) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *_a: object) -> None:
            pass

        def do_POST(self) -> None:
            b.requests += 1
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, data, ctype = b.status, b.body, "application/sparql-results+json"
            if b.forward_to and (b.fail_from is None or b.requests < b.fail_from):
                req = urllib.request.Request(b.forward_to, data=body, method="POST",
                                             headers={"Content-Type": self.headers.get("Content-Type", ""),
                                                      "Accept": self.headers.get("Accept", "")})
                with urllib.request.urlopen(req, timeout=30) as r:
                    status, data = r.status, r.read()
            elif b.forward_to:
                status, data, ctype = 500, b"Internal Server Error", "text/plain"
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST

    with loopback_http(Handler) as (_, root):
        yield root + "/sparql"
