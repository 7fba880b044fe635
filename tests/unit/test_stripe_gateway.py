"""The Stripe gateway against a real localstripe server (started here), and webhook signatures."""
import hashlib
import hmac
import http.server
import json
import threading
import time

import pytest

from invoicing.stripe_gateway import PaymentGatewayError, StripeGateway, WebhookError, verify_webhook
from tests.localstripe_server import configure_webhook, running_localstripe

SECRET = "whsec_unit"


@pytest.fixture(scope="module")
def base_url():
    with running_localstripe() as url:
        yield url


def sign(body: bytes, secret=SECRET, timestamp=None) -> str:
    ts = int(timestamp or time.time())
    return f"t={ts},v1=" + hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()


def test_pay_in_yen_succeeds(base_url):
    result = StripeGateway("sk_test_unit", base_url).pay(12345, "key-1", {"invoice_id": "1"})
    assert (result.status, result.amount, result.currency, result.metadata) == ("succeeded", 12345, "jpy",
                                                                                {"invoice_id": "1"})
    assert StripeGateway("sk_test_unit", base_url).retrieve(result.intent_id).status == "succeeded"


def test_declined_card_raises_with_its_code(base_url):
    with pytest.raises(PaymentGatewayError) as caught:
        StripeGateway("sk_test_unit", base_url).pay(500, "key-2", {}, payment_method="pm_card_chargeCustomerFail")
    assert caught.value.code == "card_declined" and "拒否" in caught.value.message


def test_live_keys_are_refused():
    with pytest.raises(ValueError, match="test keys"):
        StripeGateway("sk_live_123")


def test_webhook_signature_checks():
    body = json.dumps({"id": "evt_1", "object": "event", "type": "payment_intent.succeeded",
                       "data": {"object": {"id": "pi_1"}}}).encode()
    assert verify_webhook(body, sign(body), SECRET)["id"] == "evt_1"
    with pytest.raises(WebhookError):
        verify_webhook(body, sign(body, secret="whsec_other"), SECRET)
    with pytest.raises(WebhookError):
        verify_webhook(body.replace(b"pi_1", b"pi_2"), sign(body), SECRET)
    with pytest.raises(WebhookError):
        verify_webhook(body, sign(body, timestamp=time.time() - 3600), SECRET)


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
        result = StripeGateway("sk_test_unit", base_url).pay(700, "key-3", {"invoice_id": "9"})
        def ours():
            # Events of earlier payments may still arrive: every one must verify; ours must come.
            events = [verify_webhook(body, signature, SECRET) for body, signature in list(received)]
            return any(e["type"] == "payment_intent.succeeded" and e["data"]["object"]["id"] == result.intent_id
                       for e in events)

        deadline = time.monotonic() + 10
        while not ours() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ours(), f"no signed payment_intent.succeeded for {result.intent_id} ({len(received)} events)"
    finally:
        server.shutdown()
