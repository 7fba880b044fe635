"""Sealed bids: unreadable before opening (also in the stored bytes), tamper evident."""
import os
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tenders.sealing import SealError, receipt, seal, tender_key, unseal, verify

MASTER = os.urandom(32)
OPENING = datetime(2026, 12, 9, 1, 0, tzinfo=timezone.utc)
BID = {"patterns": {"std": "98000", "hi": "150000"}, "options": {"std:office": "30000"}, "note": "標準ノート"}


def test_stored_bytes_reveal_nothing_and_open_only_after_the_opening_time():
    key = tender_key(MASTER, 7)
    token = seal(BID, key)
    assert b"98000" not in token and "標準".encode() not in token
    with pytest.raises(SealError, match="開札日時前"):
        unseal(token, key, OPENING - timedelta(seconds=1), OPENING)
    assert unseal(token, key, OPENING, OPENING) == BID


def test_each_tender_has_its_own_key_and_tampering_is_detected():
    token = seal(BID, tender_key(MASTER, 7))
    with pytest.raises(SealError, match="改ざん"):
        unseal(token, tender_key(MASTER, 8), OPENING, OPENING)
    forged = token[:-5] + (b"A" if token[-5:-4] != b"A" else b"B") + token[-4:]
    with pytest.raises(SealError):
        unseal(forged, tender_key(MASTER, 7), OPENING, OPENING)
    with pytest.raises(SealError):
        tender_key(b"short", 1)


def test_receipt_is_stable_and_changes_with_any_detail():
    at = datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)
    first = receipt(BID, 7, 3, at)
    assert first == receipt(dict(reversed(list(BID.items()))), 7, 3, at)  # key order does not matter
    assert len(first) == 64 and verify(BID, 7, 3, at, first)
    changed = BID | {"patterns": {"std": "97999", "hi": "150000"}}
    assert not verify(changed, 7, 3, at, first)
    assert receipt(BID, 7, 4, at) != first and receipt(BID, 7, 3, at + timedelta(seconds=1)) != first
    assert receipt({"price": Decimal("1.50")}, 1, 1, at) != receipt({"price": Decimal("1.5")}, 1, 1, at)


def test_a_receipt_cannot_confirm_a_guessed_price_without_the_sealed_nonce():
    """What the database, the audit log and the pages show before opening (tender, vendor, time,
    receipt) is not enough to test guesses: every price in the range is tried, the true one too,
    and none matches; with the vendor's nonce (sealed inside the bid) exactly the true one does."""
    from tenders.sealing import NONCE, with_nonce

    at = datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)
    sealed = with_nonce({"patterns": {"rice": "11000"}})
    stored = receipt(sealed, 7, 3, at)
    guesses = range(9000, 13001)
    assert not [p for p in guesses if verify({"patterns": {"rice": str(p)}}, 7, 3, at, stored)]
    nonce = sealed[NONCE]
    assert [p for p in guesses if verify({"patterns": {"rice": str(p)}, NONCE: nonce}, 7, 3, at, stored)] == [11000]
    assert len(nonce) == 64 and with_nonce({})[NONCE] != with_nonce({})[NONCE]  # fresh per bid
