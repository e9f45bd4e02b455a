"""A second factor for local accounts: TOTP (RFC 6238, authenticator apps) with ten
one-time recovery codes.

A sign-in with a right password but a second factor still to come leaves an
``AuthChallenge`` (short-lived, used once, five wrong codes end it) instead of a session:
"verify" when the user has MFA, "enrol" when his role must have it and he has not yet
(docs/security.md).
"""

from __future__ import annotations

import io
import secrets
from datetime import timedelta

import pyotp
import segno
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from linewise.core.errors import Conflict, FieldError, Unauthorized, ValidationProblem
from linewise.core.security import new_token, token_digest
from linewise.core.time import utcnow
from linewise.domains.accounts.models import AuthChallenge, MfaRecoveryCode, User

CHALLENGE_MINUTES = 10
CHALLENGE_FAILURES = 5
RECOVERY_CODES = 10
VERIFY = "verify"
ENROL = "enrol"
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud, typed by hand


def required(user: User, roles: frozenset[str]) -> bool:
    """Whether this account must sign in with a second factor (SSO accounts get theirs
    from the identity provider)."""
    return user.auth_source == "local" and user.role in roles


def open_challenge(db: Session, user: User, purpose: str) -> str:
    token = new_token()
    now = utcnow()
    db.execute(delete(AuthChallenge).where(AuthChallenge.expires_at < now))
    db.add(
        AuthChallenge(
            token_hash=token_digest(token),
            user_id=user.id,
            purpose=purpose,
            expires_at=now + timedelta(minutes=CHALLENGE_MINUTES),
            failures=0,
        )
    )
    return token


def take_challenge(db: Session, token: str, purpose: str) -> AuthChallenge:
    challenge = db.scalar(
        select(AuthChallenge).where(AuthChallenge.token_hash == token_digest(token))
    )
    if (
        challenge is None
        or challenge.purpose != purpose
        or challenge.expires_at < utcnow()
        or challenge.failures >= CHALLENGE_FAILURES
    ):
        raise Unauthorized("the sign-in has expired; sign in again with your password")
    user = db.get(User, challenge.user_id)
    if user is None or not user.active:
        raise Unauthorized("the sign-in has expired; sign in again with your password")
    return challenge


def challenged_user(db: Session, token: str) -> User:
    """Whose sign-in this "verify" challenge continues (for the sign-in throttle)."""
    challenge = take_challenge(db, token, VERIFY)
    user = db.get(User, challenge.user_id)
    assert user is not None  # take_challenge checked
    return user


def sign_in_with_code(db: Session, token: str, code: str) -> User | None:
    """The sign-in's second step: the user, the challenge used up; or None for a wrong
    code, counted against the challenge (the caller must commit that)."""
    challenge = take_challenge(db, token, VERIFY)
    user = db.get(User, challenge.user_id)
    assert user is not None  # take_challenge checked
    if not verify(db, user, code):
        challenge.failures += 1
        return None
    db.delete(challenge)
    return user


def enrolment_of(db: Session, token: str, issuer: str) -> dict[str, str]:
    """A sign-in that must set up MFA first: a new secret and its QR code."""
    challenge = take_challenge(db, token, ENROL)
    user = db.get(User, challenge.user_id)
    assert user is not None
    return start_enrolment(user, issuer)


def finish_enrolment(db: Session, token: str, code: str) -> tuple[User, list[str]]:
    """The app's first code turns MFA on and finishes the sign-in; the recovery codes."""
    challenge = take_challenge(db, token, ENROL)
    user = db.get(User, challenge.user_id)
    assert user is not None
    codes = confirm_enrolment(db, user, code)
    db.delete(challenge)
    return user, codes


def start_enrolment(user: User, issuer: str) -> dict[str, str]:
    """A new secret for ``user`` (replacing one not yet confirmed); what the app needs."""
    if user.mfa_enabled:
        raise Conflict("MFA is already set up; an admin can reset it")
    user.mfa_secret = pyotp.random_base32()
    return provisioning(user, issuer)


def provisioning(user: User, issuer: str) -> dict[str, str]:
    assert user.mfa_secret is not None
    uri = pyotp.TOTP(user.mfa_secret).provisioning_uri(name=user.username, issuer_name=issuer)
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=4, xmldecl=False, svgns=True)
    return {"secret": user.mfa_secret, "otpauth_uri": uri, "qr_svg": buffer.getvalue().decode()}


def confirm_enrolment(db: Session, user: User, code: str) -> list[str]:
    """Turn MFA on once a code from the app matches; the new recovery codes (shown once)."""
    if user.mfa_enabled:
        raise Conflict("MFA is already set up; an admin can reset it")
    if user.mfa_secret is None:
        raise Conflict("start the setup first")
    if not _totp_ok(user, code):
        raise ValidationProblem(
            "the code does not match; check the time on the phone and try the next code",
            errors=[FieldError("code", "does not match")],
        )
    user.mfa_enabled = True
    return new_recovery_codes(db, user)


def new_recovery_codes(db: Session, user: User) -> list[str]:
    db.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))  # 16 × 4.95 bits
        code = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
        db.add(MfaRecoveryCode(user_id=user.id, code_hash=_recovery_digest(code)))
        codes.append(code)
    return codes


def verify(db: Session, user: User, code: str) -> bool:
    """A current TOTP code (not used before) or an unused recovery code, which is spent."""
    if not user.mfa_enabled:
        return False
    if _totp_ok(user, code):
        return True
    row = db.scalar(
        select(MfaRecoveryCode).where(
            MfaRecoveryCode.user_id == user.id,
            MfaRecoveryCode.code_hash == _recovery_digest(code),
            MfaRecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def recovery_codes_left(db: Session, user: User) -> int:
    rows = db.scalars(
        select(MfaRecoveryCode.id).where(
            MfaRecoveryCode.user_id == user.id, MfaRecoveryCode.used_at.is_(None)
        )
    )
    return len(list(rows))


def reset(db: Session, user: User) -> None:
    """An admin's reset (a lost phone): the next sign-in enrols again where required."""
    user.mfa_enabled = False
    user.mfa_secret = None
    user.mfa_last_step = None
    db.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
    db.execute(delete(AuthChallenge).where(AuthChallenge.user_id == user.id))


def _totp_ok(user: User, code: str) -> bool:
    """The code of this 30-second step or of its neighbours (clock drift), each step
    accepted once."""
    code = code.strip().replace(" ", "")
    if user.mfa_secret is None or not (len(code) == 6 and code.isdigit()):
        return False
    totp = pyotp.TOTP(user.mfa_secret)
    now = utcnow()
    step_now = totp.timecode(now)
    for offset in (0, -1, 1):
        step = step_now + offset
        if secrets.compare_digest(totp.generate_otp(step), code):
            if user.mfa_last_step is not None and step <= user.mfa_last_step:
                return False  # replayed
            user.mfa_last_step = step
            return True
    return False


def _recovery_digest(code: str) -> str:
    return token_digest("recovery:" + "".join(c for c in code.lower() if c.isalnum()))
