"""Sending email: SMTP in production, a folder of .eml files by default (never the log).

SMTP delivery happens on a sender thread after the request has handed the message over, so no
answer waits on the SMTP server: an address with an account answers as fast as one without
(registration and reset must not tell them apart), and a slow or failing server changes no
answer; a message that cannot be sent is logged (without its recipient or content).
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import smtplib
import threading
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

BACKENDS = ("file", "smtp")
SMTP_TIMEOUT_SECONDS = 10
DRAIN_AT_EXIT_SECONDS = 10

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body, cte="8bit")
    if current_app.config["MAIL_BACKEND"] == "smtp":
        outbox.put(message, SmtpServer.from_config(current_app.config))
    else:
        _write_file(message)


def _write_file(message: EmailMessage) -> None:
    folder = Path(current_app.config["MAIL_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.eml"
    path.write_bytes(bytes(message))
    path.chmod(0o600)


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    starttls: bool
    user: str
    password: str

    @classmethod
    def from_config(cls, config) -> SmtpServer:
        return cls(
            config["SMTP_HOST"],
            config["SMTP_PORT"],
            config["SMTP_STARTTLS"],
            config["SMTP_USER"],
            config["SMTP_PASSWORD"],
        )

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(message)


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
