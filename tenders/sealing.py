"""Sealed bids (pure): encrypted at rest with a per-tender key the application only uses after
the opening time, and a receipt hash that makes any later change evident.

The receipt is a commitment: SHA-256 over the tender, the bidder, the time and the content, which
includes a random 256-bit nonce (`NONCE`) sealed inside the bid. Without the nonce nobody (with
the database, the audit log or the receipt) can test a guessed price against it; the vendor is
given the nonce once, with the receipt, so it can check the receipt itself, and at opening the
receipt is recomputed from the unsealed bid and published in the opening record.

The key of a tender is derived (HKDF-SHA256) from a master key kept outside the database
(config), so a database dump alone reveals no bid. `unseal` refuses before the opening time;
the caller passes the server's clock.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import datetime
from decimal import Decimal

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class SealError(ValueError):
    pass


def canonical(bid: dict) -> bytes:
    """One byte string per bid content: sorted keys, no spaces, decimals as their exact text."""
    def default(value):
        if isinstance(value, Decimal):
            return format(value, "f")
        raise TypeError(f"入札内容に使えない値です: {value!r}")

    return json.dumps(bid, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=default).encode()


NONCE = "nonce"


def with_nonce(bid: dict) -> dict:
    """The bid as sealed: its content and a fresh random nonce."""
    return {**bid, NONCE: secrets.token_hex(32)}


def without_nonce(bid: dict) -> dict:
    return {k: v for k, v in bid.items() if k != NONCE}


def receipt(bid: dict, tender_id: int, vendor_id: int, submitted_at: datetime) -> str:
    """SHA-256 over the tender, the bidder, the time and the canonical content: given to the vendor."""
    material = f"{tender_id}|{vendor_id}|{submitted_at.isoformat()}|".encode() + canonical(bid)
    return hashlib.sha256(material).hexdigest()


def tender_key(master_key: bytes, tender_id: int) -> bytes:
    if len(master_key) < 32:
        raise SealError("封印用の鍵は 32 バイト以上にしてください")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"procure-sealed-bids",
                   info=f"tender:{tender_id}".encode()).derive(master_key)
    return base64.urlsafe_b64encode(derived)


def key_check(key: bytes) -> str:
    """A value that tells which key sealed a bid without revealing the key (HMAC of a fixed
    text): stored with each bid, so that opening under another key is refused before any bid is
    judged, instead of finding every bid unreadable."""
    return hmac.new(key, b"procure-seal-key-check", hashlib.sha256).hexdigest()[:32]


def seal(bid: dict, key: bytes) -> bytes:
    return Fernet(key).encrypt(canonical(bid))


def unseal(token: bytes, key: bytes, now: datetime, opening_at: datetime) -> dict:
    if now < opening_at:
        raise SealError("開札日時前は入札内容を読めません")
    try:
        return json.loads(Fernet(key).decrypt(token), parse_float=Decimal)
    except InvalidToken:
        raise SealError("入札データが改ざんされているか、鍵が違います") from None


def verify(bid: dict, tender_id: int, vendor_id: int, submitted_at: datetime, expected: str) -> bool:
    return receipt(bid, tender_id, vendor_id, submitted_at) == expected
