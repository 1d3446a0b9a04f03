"""Whether a request to the interactions endpoint came from Discord: Discord signs the request's
timestamp followed by its body with the application's Ed25519 key, whose public half the
Developer Portal shows (DISCORD_PUBLIC_KEY). A signed request that is minutes old is refused
too, so that one seen in transit cannot be sent again later."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

SIGNATURE_HEADER = "X-Signature-Ed25519"
TIMESTAMP_HEADER = "X-Signature-Timestamp"
FRESH_SECONDS = 5 * 60


TIMESTAMP_DIGITS = 12  # seconds since 1970 for the next 30,000 years


def public_key(hex_key: str) -> Ed25519PublicKey:
    """The key from its hex form; ValueError if it is not one."""
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(hex_key))


def signed(
    key: Ed25519PublicKey, signature: str | None, timestamp: str | None, body: bytes, now: float
) -> bool:
    """Whether Discord signed `body` at `timestamp`, no more than `FRESH_SECONDS` from `now`."""
    # ASCII digits only, and not too many: `isdigit` alone takes "²", which int() refuses.
    if not signature or not timestamp or not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if len(timestamp) > TIMESTAMP_DIGITS:
        return False
    if abs(now - int(timestamp)) > FRESH_SECONDS:
        return False
    try:
        key.verify(bytes.fromhex(signature), timestamp.encode() + body)
    except (ValueError, InvalidSignature):
        return False
    return True
