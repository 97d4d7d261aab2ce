# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one local HTTP server of unit tests that drive the real client over a socket."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
import time

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ScriptedServer(object):
    """Answers each request with the next scripted (status, headers, body), then with C(default) (200 {}).

    A dict or list body is sent as JSON. Every request is recorded in C(seen) as a dict of method, path,
    headers, body, at (time.monotonic()) and peer. Binds 127.0.0.1 on a free port; stop() ends it.
    """

    def __init__(self, default=(200, {}, {})):
        self.script = []
        self.seen = []
        self.default = default
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                seen = dict(method=self.command, path=self.path, headers=dict(self.headers),
                            body=self.rfile.read(length) if length else b"", at=time.monotonic(), peer=self.client_address)
                with server.lock:
                    server.seen.append(seen)
                    status, headers, body = server.script.pop(0) if server.script else server.default
                if isinstance(body, (dict, list)):
                    body = json.dumps(body)
                    headers = dict({"Content-Type": "application/json"}, **headers)
                body = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
