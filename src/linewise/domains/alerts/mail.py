"""Alert e-mail over SMTP: a plain-text part and an HTML part of the same message."""

from __future__ import annotations

import html
import smtplib
from email.message import EmailMessage

SEND_TIMEOUT_S = 10.0


def build(
    sender: str, recipient: str, subject: str, body_text: str, message_id: str | None = None
) -> EmailMessage:
    msg = EmailMessage()
    if message_id:
        # Stable per outbox row: a resend after a crash (at least once) carries the same
        # id, so mail systems and the kill -9 test can tell it is the same message.
        msg["Message-ID"] = message_id
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = subject
    msg.set_content(body_text)
    lines = "".join(f"<p>{html.escape(line)}</p>" for line in body_text.splitlines())
    page = f"<html><body><h2>{html.escape(subject)}</h2>{lines}</body></html>"
    msg.add_alternative(page, subtype="html")
    return msg


def send(host: str, port: int, message: EmailMessage) -> None:
    with smtplib.SMTP(host, port, timeout=SEND_TIMEOUT_S) as smtp:
        smtp.send_message(message)
