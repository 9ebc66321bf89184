"""Notification receivers on 127.0.0.1 for tests: a webhook (HTTP POST) and a minimal SMTP server.

Each runs in a daemon thread of the test process and keeps what it received, so a test can
count and read the notifications a real Airflow run sent.
"""

from __future__ import annotations

import email
import json
import socketserver
import threading
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Serving:
    """A receiver's server (self.server) served from a thread for the `with` block."""

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class WebhookReceiver(_Serving):
    """Accepts JSON POSTs and answers like a DingTalk/WeCom robot ({"errcode": 0})."""

    def __init__(self):
        self.received: list[dict] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(json.loads(body))
                answer = b'{"errcode": 0, "errmsg": "ok"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):  # quiet: the test reads `received`
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/robot/send"


class SmtpReceiver(_Serving):
    """Speaks as much SMTP as smtplib needs (no TLS, no AUTH) and keeps each message."""

    def __init__(self):
        self.received: list[email.message.EmailMessage] = []
        received = self.received

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self._say("220 127.0.0.1 test receiver")
                while line := self.rfile.readline():
                    verb = line.decode("ascii", "replace").strip().split(" ")[0].upper()
                    if verb == "EHLO":
                        self._say("250-127.0.0.1", "250 8BITMIME")
                    elif verb in ("HELO", "MAIL", "RCPT", "RSET", "NOOP"):
                        self._say("250 ok")
                    elif verb == "DATA":
                        self._say("354 end with <CRLF>.<CRLF>")
                        lines = []
                        while (data := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                            lines.append(data[1:] if data.startswith(b"..") else data)
                        received.append(email.message_from_bytes(b"".join(lines), policy=default_policy))
                        self._say("250 queued")
                    elif verb == "QUIT":
                        self._say("221 bye")
                        return
                    else:
                        self._say("502 not implemented")

            def _say(self, *lines):
                self.wfile.write("".join(f"{line}\r\n" for line in lines).encode("ascii"))

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
