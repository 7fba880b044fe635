"""Stripe through the real `stripe` library: JPY PaymentIntents and webhook verification.
Test keys only in this build. No Flask here."""
from __future__ import annotations

from dataclasses import dataclass

import stripe

stripe.enable_telemetry = False


class PaymentGatewayError(Exception):
    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message, self.code = message, code


class WebhookError(ValueError):
    pass


@dataclass(frozen=True)
class PaymentResult:
    intent_id: str
    status: str
    amount: int
    currency: str
    metadata: dict


def _result(intent) -> PaymentResult:
    return PaymentResult(intent["id"], intent["status"], int(intent["amount"]), intent["currency"],
                         intent["metadata"].to_dict() if intent["metadata"] else {})


class StripeGateway:
    def __init__(self, api_key: str, api_base: str | None = None):
        if not api_key.startswith("sk_test_"):
            raise ValueError("Stripe: only test keys (sk_test_...) are accepted in this build")
        options = {"base_addresses": {"api": api_base}} if api_base else {}
        self.client = stripe.StripeClient(api_key, **options)

    def pay(self, amount_yen: int, idempotency_key: str, metadata: dict[str, str],
            payment_method: str = "pm_card_visa", description: str = "") -> PaymentResult:
        """Create and confirm a JPY PaymentIntent. The idempotency key makes a retried request
        return the first intent instead of charging again (on Stripe's side)."""
        params = {"amount": int(amount_yen), "currency": "jpy", "payment_method": payment_method,
                  "confirm": True, "metadata": {**metadata, **({"description": description} if description else {})}}
        try:
            intent = self.client.v1.payment_intents.create(params=params,
                                                           options={"idempotency_key": idempotency_key})
        except stripe.CardError as exc:
            raise PaymentGatewayError(f"カードが拒否されました（{exc.code}）", exc.code) from None
        except stripe.StripeError as exc:
            raise PaymentGatewayError(f"決済サービスのエラーです（{exc.code or type(exc).__name__}）",
                                      exc.code) from None
        return _result(intent)

    def retrieve(self, intent_id: str) -> PaymentResult:
        try:
            return _result(self.client.v1.payment_intents.retrieve(intent_id))
        except stripe.StripeError as exc:
            raise PaymentGatewayError(f"決済情報を取得できません（{exc.code}）", exc.code) from None


def verify_webhook(payload: bytes, signature_header: str, secret: str, tolerance: int = 300) -> dict:
    """The event, if Stripe signed exactly this payload recently with this secret."""
    try:
        event = stripe.Webhook.construct_event(payload, signature_header, secret, tolerance=tolerance)
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise WebhookError(str(exc)) from None
    return event.to_dict()
