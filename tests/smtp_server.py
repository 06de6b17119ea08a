"""A small SMTP server on loopback for tests: it keeps what it accepted and can misbehave.

`SmtpTestServer(accept=N, then="refuse" | "drop" | "drop_in_data" | "stall")` accepts N
messages (over any number of connections), then for every later message:

- refuse: answers MAIL FROM with 451 (the client knows it was not taken);
- drop: closes the connection when the client sends MAIL FROM;
- drop_in_data: reads the whole message, then closes the connection without answering
  (the client cannot know whether it was taken: it was not);
- stall: stops answering (the client's timeout ends it).

`refuse_recipients` (addresses) are answered 550 at RCPT, whatever else happens, and
`smtputf8=True` offers SMTPUTF8 (RFC 6531) for addresses beyond ASCII.
`stall_greeting=True` stalls every connection before the greeting. The server stops with
`close()` (or as a context manager) and never serves more than it is asked: each stall ends
when the server closes.
"""

from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

BEHAVIOURS = ("refuse", "drop", "drop_in_data", "stall")


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class _State:
    accept: int | None
    then: str
    stall_greeting: bool
    refuse_recipients: frozenset[str] = frozenset()
    smtputf8: bool = False
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    closing: threading.Event = field(default_factory=threading.Event)

    def misbehaves(self) -> bool:
        with self.lock:
            return self.accept is not None and len(self.received) >= self.accept


class _Handler(socketserver.StreamRequestHandler):
    timeout = 30
    state: _State

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def stall(self) -> None:
        self.server.state.closing.wait(30)

    def handle(self) -> None:
        state: _State = self.server.state
        if state.stall_greeting:
            self.stall()
            return
        self.reply("220 localhost test SMTP")
        sender, recipients, greeted = "", [], False
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            command = line.decode("utf-8" if state.smtputf8 else "ascii", "replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                greeted = True
            if verb == "EHLO" and state.smtputf8:
                self.reply("250-localhost")
                self.reply("250 SMTPUTF8")
            elif verb in ("EHLO", "HELO"):
                self.reply("250 localhost")
            elif verb == "MAIL" and not greeted:
                self.reply("503 greet with EHLO or HELO first")  # as servers that require it
            elif verb == "MAIL":
                if state.misbehaves() and state.then != "drop_in_data":
                    if state.then == "refuse":
                        self.reply("451 try again later")
                        continue
                    if state.then == "stall":
                        self.stall()
                    return  # drop (or the stall ended)
                sender, recipients = command.split(":", 1)[1].strip(" <>"), []
                self.reply("250 ok")
            elif verb == "RCPT":
                address = command.split(":", 1)[1].strip(" <>")
                if address in state.refuse_recipients:
                    self.reply("550 no such mailbox")
                    continue
                recipients.append(address)
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = self.read_data()
                if data is None:
                    return
                if state.misbehaves():
                    return  # drop_in_data: the message was read but never answered
                with state.lock:
                    state.received.append(
                        Received(
                            sender,
                            recipients,
                            message_from_bytes(data, policy=policy.default),
                        )
                    )
                self.reply("250 queued")
            elif verb == "RSET":
                sender, recipients = "", []
                self.reply("250 ok")
            elif verb == "NOOP":
                self.reply("250 ok")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")

    def read_data(self) -> bytes | None:
        lines = []
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return None
            if line in (b".\r\n", b".\n"):
                return b"".join(lines)
            lines.append(line[1:] if line.startswith(b"..") else line)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpTestServer:
    def __init__(
        self,
        accept: int | None = None,
        then: str = "refuse",
        stall_greeting=False,
        refuse_recipients=(),
        smtputf8=False,
    ):
        if then not in BEHAVIOURS:
            raise ValueError(then)
        self.state = _State(accept, then, stall_greeting, frozenset(refuse_recipients), smtputf8)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = self.state
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def received(self) -> list[Received]:
        with self.state.lock:
            return list(self.state.received)

    def recipients(self) -> list[str]:
        return [address for item in self.received for address in item.recipients]

    def behave(self, accept: int | None = None, then: str = "refuse") -> None:
        """Change how later messages are treated (None: accept everything)."""
        with self.state.lock:
            self.state.accept, self.state.then = accept, then

    def close(self) -> None:
        self.state.closing.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SmtpTestServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
