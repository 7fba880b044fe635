"""The Stripe gateway against a real localstripe server (started here on 127.0.0.1), and webhook
signatures: checked with an HMAC computed here, and on events localstripe itself sends."""
import hashlib
import hmac
import http.server
import json
import os
import threading
import time
import urllib.request
import uuid

import pytest

from invoicing.stripe_gateway import (PaymentGatewayError, PaymentResult, StripeGateway, WebhookError,
                                      verify_webhook)
from tests.localstripe_server import configure_webhook, running_localstripe

SECRET = "whsec_unit"


@pytest.fixture(scope="session")
def base_url():
    with running_localstripe() as url:
        yield url


@pytest.fixture
def gateway(base_url):
    return StripeGateway("sk_test_unit", base_url)


def new_key() -> str:
    return f"unit-{uuid.uuid4().hex}"


def intent_count(base_url: str) -> int:
    request = urllib.request.Request(f"{base_url}/v1/payment_intents?limit=100",
                                     headers={"Authorization": "Bearer sk_test_unit"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return len(json.load(response)["data"])


def sign(body: bytes, secret=SECRET, timestamp=None) -> str:
    """A Stripe-Signature header computed independently of the stripe library."""
    ts = int(time.time() if timestamp is None else timestamp)
    return f"t={ts},v1=" + hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()


# --- payments ---------------------------------------------------------------------------------

def test_pay_in_yen_succeeds(gateway):
    result = gateway.pay(12_345, new_key(), {"invoice_id": "1"})
    assert isinstance(result, PaymentResult) and result.intent_id.startswith("pi_")
    assert (result.status, result.amount, result.currency, result.metadata) == ("succeeded", 12_345, "jpy",
                                                                                {"invoice_id": "1"})
    assert gateway.retrieve(result.intent_id) == result


def test_description_travels_in_metadata(gateway):
    result = gateway.pay(800, new_key(), {"invoice_id": "2"}, description="渋谷区 請求書 INV-2")
    assert result.metadata == {"invoice_id": "2", "description": "渋谷区 請求書 INV-2"}


def test_same_idempotency_key_returns_the_same_intent_and_charges_once(gateway, base_url):
    key = new_key()
    before = intent_count(base_url)
    first = gateway.pay(12_345, key, {"invoice_id": "3"})
    again = StripeGateway("sk_test_unit", base_url).pay(12_345, key, {"invoice_id": "3"})
    assert again.intent_id == first.intent_id and again.status == "succeeded"
    assert intent_count(base_url) == before + 1
    other = gateway.pay(12_345, new_key(), {"invoice_id": "3"})
    assert other.intent_id != first.intent_id
    assert intent_count(base_url) == before + 2


def test_same_idempotency_key_with_another_amount_is_refused(gateway):
    key = new_key()
    gateway.pay(1_000, key, {"invoice_id": "4"})
    with pytest.raises(PaymentGatewayError) as caught:
        gateway.pay(2_000, key, {"invoice_id": "4"})
    assert caught.value.code == "idempotency_error"


def test_plain_localstripe_ignores_idempotency_keys():
    """Why running_localstripe adds Stripe's idempotency: localstripe itself charges twice.
    If this starts failing, localstripe honours the keys and the helper's middleware can go."""
    with running_localstripe(idempotency=False) as plain:
        gateway, key = StripeGateway("sk_test_unit", plain), new_key()
        assert gateway.pay(500, key, {}).intent_id != gateway.pay(500, key, {}).intent_id
        assert intent_count(plain) == 2


def test_declined_card_raises_with_its_code(gateway):
    with pytest.raises(PaymentGatewayError) as caught:
        gateway.pay(500, new_key(), {}, payment_method="pm_card_chargeCustomerFail")
    assert caught.value.code == "card_declined"
    assert "拒否" in caught.value.message and caught.value.message == str(caught.value)


def test_unknown_intent_raises_a_gateway_error(gateway):
    with pytest.raises(PaymentGatewayError) as caught:
        gateway.retrieve("pi_doesnotexist")
    # Stripe says code "resource_missing"; localstripe answers 404 without a code.
    assert "見つかりません" in caught.value.message and caught.value.code in (None, "resource_missing")


def test_unreachable_stripe_raises_a_gateway_error():
    with pytest.raises(PaymentGatewayError) as caught:
        StripeGateway("sk_test_unit", "http://127.0.0.1:9").retrieve("pi_x")
    assert caught.value.code is None and "接続" in caught.value.message


@pytest.mark.parametrize("key", ["sk_live_x", "rk_live_x", "pk_test_x", "", "sk_test"])
def test_only_secret_test_keys_are_accepted(key):
    with pytest.raises(ValueError, match="test keys"):
        StripeGateway(key)


@pytest.mark.parametrize("amount", [0, -5, 12.5, True, "100"])
def test_amount_must_be_positive_whole_yen(gateway, amount):
    with pytest.raises(ValueError):
        gateway.pay(amount, new_key(), {})


def test_an_idempotency_key_is_required(gateway):
    with pytest.raises(ValueError, match="idempotency"):
        gateway.pay(100, "", {})


def test_no_state_file_is_written(base_url, gateway):
    gateway.pay(100, new_key(), {})
    if os.path.exists("/tmp/localstripe.pickle"):  # maybe another tool's; ours must not touch it
        before = os.stat("/tmp/localstripe.pickle").st_mtime_ns
        gateway.pay(100, new_key(), {})
        assert os.stat("/tmp/localstripe.pickle").st_mtime_ns == before
    else:
        assert not os.path.exists("/tmp/localstripe.pickle")


# --- webhook signatures -------------------------------------------------------------------------

EVENT = {"id": "evt_1", "object": "event", "type": "payment_intent.succeeded",
         "data": {"object": {"id": "pi_1", "object": "payment_intent", "metadata": {"invoice_id": "7"}}}}


def test_a_correctly_signed_webhook_is_accepted_as_a_plain_dict():
    body = json.dumps(EVENT).encode()
    event = verify_webhook(body, sign(body), SECRET)
    assert event == EVENT and type(event) is dict and type(event["data"]["object"]) is dict


def test_a_signature_among_several_is_enough():
    body, ts = json.dumps(EVENT).encode(), int(time.time())
    header = sign(body, secret="whsec_old", timestamp=ts) + "," + sign(body, timestamp=ts).split(",")[1]
    assert verify_webhook(body, header, SECRET)["id"] == "evt_1"


@pytest.mark.parametrize("case", ["wrong secret", "changed payload", "stale timestamp", "no header",
                                  "garbage header", "not JSON", "empty secret"])
def test_a_webhook_not_provably_from_stripe_is_rejected(case):
    body = json.dumps(EVENT).encode()
    payload, header, secret = body, sign(body), SECRET
    if case == "wrong secret":
        header = sign(body, secret="whsec_other")
    elif case == "changed payload":
        payload = body.replace(b"pi_1", b"pi_2")
    elif case == "stale timestamp":
        header = sign(body, timestamp=time.time() - 301)
    elif case == "no header":
        header = ""
    elif case == "garbage header":
        header = "v1=deadbeef"
    elif case == "not JSON":
        payload = b"{not json"
        header = sign(payload)
    elif case == "empty secret":
        header, secret = sign(body, secret=""), ""
    with pytest.raises(WebhookError):
        verify_webhook(payload, header, secret)


def test_tolerance_is_the_allowed_age():
    body = json.dumps(EVENT).encode()
    header = sign(body, timestamp=time.time() - 100)
    assert verify_webhook(body, header, SECRET, tolerance=300)["id"] == "evt_1"
    with pytest.raises(WebhookError):
        verify_webhook(body, header, SECRET, tolerance=60)


# --- end to end: localstripe sends a signed event --------------------------------------------------

def test_localstripe_sends_a_signed_event_that_verifies(base_url):
    received = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, self.headers["Stripe-Signature"]))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        configure_webhook(base_url, "unit", f"http://127.0.0.1:{server.server_port}/", SECRET,
                          ["payment_intent.succeeded"])
        result = StripeGateway("sk_test_unit", base_url).pay(700, new_key(), {"invoice_id": "9"})

        def ours():
            # Events of earlier payments may arrive too: every one must verify; ours must come.
            events = [verify_webhook(body, signature, SECRET) for body, signature in list(received)]
            return [e for e in events if e["type"] == "payment_intent.succeeded"
                    and e["data"]["object"]["id"] == result.intent_id]

        deadline = time.monotonic() + 10
        while not ours() and time.monotonic() < deadline:
            time.sleep(0.1)
        found = ours()
        assert found, f"no signed payment_intent.succeeded for {result.intent_id} ({len(received)} events)"
        assert found[0]["data"]["object"]["metadata"] == {"invoice_id": "9"}
        body, signature = received[-1]
        with pytest.raises(WebhookError):
            verify_webhook(body, signature, "whsec_other")
    finally:
        server.shutdown()
        server.server_close()
        configure_webhook(base_url, "unit", "http://127.0.0.1:9/", SECRET, ["none.such"])  # stop sending
