"""Sending email: SMTP in production, a folder of .eml files by default (never the log).

SMTP delivery happens on a sender thread after the request has handed the message over, so no
answer waits on the SMTP server: an address with an account answers as fast as one without
(registration and reset must not tell them apart), and a slow or failing server changes no
answer; a message that cannot be sent is logged (without its recipient or content).

Commands that must know whether each message went (the digests) use `DirectSender` instead:
it sends on the caller's thread over one connection and raises `NotSent` when the server
certainly did not take the message, or `MaybeSent` when the connection failed after the
message's text was handed over (the server may have accepted it).
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import re
import smtplib
import threading
import time
import uuid
from dataclasses import dataclass
from email.charset import QP, Charset
from email.message import EmailMessage, Message
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formatdate, parseaddr
from pathlib import Path

from flask import current_app

BACKENDS = ("file", "smtp")
SMTP_TIMEOUT_SECONDS = 10
DRAIN_AT_EXIT_SECONDS = 10

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, body: str) -> None:
    hand_over(build_message(to, subject, body))


def build_message(
    to: str, subject: str, body: str, headers: dict[str, str] | None = None
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body, cte="8bit")
    return message


_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP
# headers are never folded: List-Unsubscribe stays one line, as some mail clients expect
_BULK_POLICY = compat32.clone(max_line_length=None)


def build_bulk_message(to: str, subject: str, body: str, headers: dict[str, str]) -> Message:
    """The same message for batch commands (digests): the legacy `compat32` classes compose
    and serialise it about five times faster than EmailMessage, which parses every header.
    The text goes as 7bit when it is ASCII, else quoted-printable UTF-8."""
    charset = "us-ascii" if body.isascii() else _UTF8_QP
    message = MIMEText(body, "plain", charset, policy=_BULK_POLICY)
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    for name, value in headers.items():
        message[name] = value
    return message


def hand_over(message: EmailMessage) -> None:
    """Write the message now (file backend) or queue it for the sender thread (SMTP)."""
    if current_app.config["MAIL_BACKEND"] == "smtp":
        outbox.put(message, SmtpServer.from_config(current_app.config))
    else:
        _write_file(message)


def _write_file(message: Message) -> None:
    folder = Path(current_app.config["MAIL_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    name = uuid.uuid4().hex
    partial = folder / f"{name}.partial"
    partial.write_bytes(bytes(message))
    partial.chmod(0o600)
    partial.rename(folder / f"{name}.eml")  # readers never see half a message


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    starttls: bool
    user: str
    password: str
    timeout: float = SMTP_TIMEOUT_SECONDS

    @classmethod
    def from_config(cls, config) -> SmtpServer:
        return cls(
            config["SMTP_HOST"],
            config["SMTP_PORT"],
            config["SMTP_STARTTLS"],
            config["SMTP_USER"],
            config["SMTP_PASSWORD"],
            config.get("SMTP_TIMEOUT_SECONDS", SMTP_TIMEOUT_SECONDS),
        )

    def connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> None:
        with self.connect() as smtp:
            smtp.send_message(message)


class NotSent(Exception):
    """The message was certainly not accepted (refused, or the connection failed before its
    text was handed over): it can be tried again."""


class RecipientRefused(NotSent):
    """This one recipient cannot be sent to (refused by the server, or an address with
    characters beyond ASCII that the server cannot take): the others still can."""


class MaybeSent(Exception):
    """The connection failed after the message's text was handed over: the server may have
    accepted it, so trying again could send it twice."""


class DirectSender:
    """Sends one message at a time on the caller's thread, each confirmed before `send`
    returns; over SMTP one connection serves a whole run and is dropped after any error."""

    def __init__(self, config) -> None:
        self._config = config
        self._server = SmtpServer.from_config(config) if config["MAIL_BACKEND"] == "smtp" else None
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> DirectSender:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def send(self, message: Message) -> None:
        if self._server is None:
            try:
                _write_file(message)
            except OSError as error:
                raise NotSent(f"the mail folder refused the message: {error}") from error
            return
        data = _smtp_bytes(message)
        try:
            if self._smtp is None:
                self._smtp = self._server.connect()
            smtp = self._smtp
            recipient = str(message["To"])
            options = self._envelope_options(smtp, recipient)
            code, reply = smtp.mail(parseaddr(self._config["MAIL_FROM"])[1], options)
            if code != 250:
                raise NotSent(f"sender refused: {code}")
            code, reply = smtp.rcpt(recipient)
            if 500 <= code < 600:
                raise RecipientRefused(f"recipient refused: {code}")
            if code not in (250, 251):
                raise NotSent(f"recipient refused: {code}")
            code, reply = smtp.docmd("DATA")
            if code != 354:
                raise NotSent(f"DATA refused: {code}")
        except NotSent:
            self._reset()
            raise
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            raise NotSent(f"{type(error).__name__}: {error}") from error
        try:
            smtp.send(data)
            code, reply = smtp.getreply()
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            raise MaybeSent(f"{type(error).__name__}: {error}") from error
        if code != 250:
            self._reset()
            raise NotSent(f"message refused: {code}")

    @staticmethod
    def _envelope_options(smtp: smtplib.SMTP, recipient: str) -> list[str]:
        """Greet the server if this connection has not yet, then: SMTPUTF8 for an address
        beyond ASCII (RFC 6531), which only a server offering it can take; every other address
        goes as plain ASCII."""
        smtp.command_encoding = "ascii"
        smtp.ehlo_or_helo_if_needed()  # mail() does not greet, and STARTTLS forgets a greeting
        if recipient.isascii():
            return []
        if not smtp.has_extn("smtputf8"):
            raise RecipientRefused("the server cannot take an address beyond ASCII (SMTPUTF8)")
        return ["SMTPUTF8"]

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None


def _smtp_bytes(message: Message) -> bytes:
    """The message as DATA carries it: CRLF lines, leading dots doubled, the final dot."""
    text = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    text = re.sub(rb"(?m)^\.", b"..", text)
    if not text.endswith(b"\r\n"):
        text += b"\r\n"
    return text + b".\r\n"


class Outbox:
    """Messages waiting for SMTP, sent one after another by one thread per process (started
    on first use, and again in a process forked after it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None

    def put(self, message: EmailMessage, server: SmtpServer) -> None:
        with self._lock:
            if self._pid != os.getpid() or self._thread is None or not self._thread.is_alive():
                self._start()
            self._queue.put((message, server))

    def _start(self) -> None:
        if self._pid != os.getpid():
            self._queue = queue.Queue()  # a copy from before a fork belongs to the parent
            self._pid = os.getpid()
        self._thread = threading.Thread(
            target=self._send_forever, args=(self._queue,), name="mail-outbox", daemon=True
        )
        self._thread.start()

    @staticmethod
    def _send_forever(waiting: queue.Queue) -> None:
        while True:
            message, server = waiting.get()
            try:
                server.send(message)
            except Exception as error:  # noqa: BLE001  (nothing may stop the sender)
                log.error(
                    "a message (%s) could not be sent through %s:%s: %r",
                    message["Subject"],
                    server.host,
                    server.port,
                    error,
                )
            finally:
                waiting.task_done()

    def wait_until_sent(self, timeout: float) -> bool:
        """Wait for the messages handed over so far; False if some are still waiting."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and self._pid == os.getpid():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True


outbox = Outbox()
atexit.register(outbox.wait_until_sent, DRAIN_AT_EXIT_SECONDS)
