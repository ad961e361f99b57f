"""Real receivers on loopback for alert tests: an HTTP webhook endpoint and a tiny SMTP server.

Both run in threads of the test process and record what reached them over the socket.
"""

from __future__ import annotations

import base64
import json
import socketserver
import threading
import time
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class WebhookReceiver:
    """POST endpoint answering the statuses in `answers` in turn (then 200), optionally slowly."""

    def __init__(self):
        self.received: list[dict] = []
        self.answers: list[int] = []
        self.delay_s = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append({"path": self.path, "json": json.loads(body or b"null"),
                                          "content_type": self.headers.get("Content-Type")})
                status = receiver.answers.pop(0) if receiver.answers else 200
                if receiver.delay_s:
                    time.sleep(receiver.delay_s)
                try:
                    self.send_response(status)
                    self.end_headers()
                    self.wfile.write(b"ok" if status == 200 else b"failure")
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/secret-token-123"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpReceiver:
    """Enough of SMTP (RFC 5321) for smtplib: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def __init__(self, username: str = "alerts", password: str = "right-password"):
        self.messages: list = []
        self.auth_failures = 0
        receiver = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self):
                authed = False
                self.reply("220 pgpulse-test ESMTP")
                while line := self.rfile.readline():
                    command = line.decode().strip()
                    verb = command.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250-pgpulse-test")
                        self.reply("250 AUTH PLAIN")
                    elif verb == "AUTH":
                        parts = command.split()
                        given = base64.b64decode(parts[2]).split(b"\0") if len(parts) > 2 else []
                        if given[1:] == [username.encode(), password.encode()]:
                            authed = True
                            self.reply("235 2.7.0 Authentication successful")
                        else:
                            receiver.auth_failures += 1
                            self.reply("535 5.7.8 Authentication credentials invalid")
                    elif verb == "MAIL":
                        self.reply("250 OK" if authed else "530 5.7.0 Authentication required")
                    elif verb in ("RCPT", "RSET", "NOOP"):
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        data = b""
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data += chunk
                        receiver.messages.append(message_from_bytes(data))
                        self.reply("250 OK queued")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 Command not implemented")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
