"""The TOTP second factor of staff logins (RFC 6238, with pyotp), and the company's rule
that staff must have one. A code works once: the time step it was accepted for is kept."""

from __future__ import annotations

import hmac

import pyotp
import segno
from sqlalchemy import delete, or_, select, update

from portal.auth.permissions import Capability, can
from portal.errors import Conflict, Forbidden, Invalid
from portal.extensions import db
from portal.models import Tenant, TwoFactor, User
from portal.models.base import utcnow
from portal.services import encryption, recovery_codes

# A code of the step before or after is taken too: phones' clocks drift.
DRIFT_STEPS = 1
WRONG_CODE = "That code is not right. Type the 6 digits your app shows now."


def applies_to(user: User) -> bool:
    return can(user, Capability.USE_TWO_FACTOR)  # staff: not EV users


def required(tenant: Tenant, user: User) -> bool:
    """Whether the company makes `user` log in with a second factor."""
    return tenant.require_two_factor and applies_to(user)


def of(user: User) -> TwoFactor | None:
    return db.session.scalar(select(TwoFactor).where(TwoFactor.user_id == user.id))


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(tenant: Tenant, user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads (from the QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email,
                                               issuer_name=f"Plugboard {tenant.name}")


def qr_code_svg(uri: str) -> str:
    """The QR code of `uri` as an inline <svg> element."""
    return segno.make(uri, error="m").svg_inline(scale=4, title="QR code")


def enable(user: User, secret: str, code: str) -> list[str]:
    """Turn the second factor on once `code` proves the app has `secret`; returns the new
    recovery codes, to show once."""
    if not applies_to(user):
        raise Forbidden("Two-factor login is for staff.")
    if of(user) is not None:
        raise Conflict("Two-factor login is on already.", field="code")
    step = _step_of(secret, code)
    if step is None:
        raise Invalid(WRONG_CODE, field="code")
    db.session.add(TwoFactor(tenant_id=user.tenant_id, user_id=user.id,
                             secret_encrypted=encryption.encrypt(secret), last_step=step))
    db.session.flush()
    return recovery_codes.replace(user)


def verify(user: User, code: str) -> bool:
    """Whether `code` is a TOTP code of `user` not used before, or an unused recovery code
    (which is then used up)."""
    factor = of(user)
    if factor is None:
        return False
    step = _step_of(encryption.decrypt(factor.secret_encrypted), code)
    if step is not None:
        return _claim(factor, step)
    return recovery_codes.use(user, code)


def disable(tenant: Tenant, user: User) -> None:
    """Turn the second factor off (the door checked the password)."""
    if required(tenant, user):
        raise Conflict("Your company requires two-factor login: it stays on.", field="password")
    db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    recovery_codes.delete_all(user)


def _step_of(secret: str, code: str) -> int | None:
    """The time step, around now, whose code `code` is; None if none is."""
    text = "".join(code.split())
    if len(text) != 6 or not (text.isascii() and text.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(utcnow())
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), text):
            return step
    return None


def _claim(factor: TwoFactor, step: int) -> bool:
    # One UPDATE: of two logins racing with the same code, one wins.
    claimed = db.session.execute(
        update(TwoFactor)
        .where(TwoFactor.id == factor.id,
               or_(TwoFactor.last_step.is_(None), TwoFactor.last_step < step))
        .values(last_step=step).execution_options(synchronize_session=False))
    return claimed.rowcount == 1
