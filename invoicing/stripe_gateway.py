"""Stripe through the real `stripe` library: JPY PaymentIntents and webhook verification.
Test keys only in this build. No Flask here."""
from __future__ import annotations

from dataclasses import dataclass

import stripe

stripe.enable_telemetry = False

# Japanese messages for users, by Stripe error code (the code itself stays on the exception).
_MESSAGES = {
    "card_declined": "カードが拒否されました。別のカードをお使いいただくか、カード会社にお問い合わせください",
    "insufficient_funds": "カードの残高または利用枠が不足しています",
    "expired_card": "カードの有効期限が切れています",
    "incorrect_cvc": "カードのセキュリティコードが正しくありません",
    "incorrect_number": "カード番号が正しくありません",
    "processing_error": "カードの処理中にエラーが発生しました。しばらくしてから再度お試しください",
    "amount_too_small": "決済金額が少なすぎます（カード決済は 50 円以上）",
    "resource_missing": "決済情報が見つかりません",
    "idempotency_error": "同じ支払いが異なる内容で送信されました",
}


class PaymentGatewayError(Exception):
    """A payment Stripe refused or could not process. `code` is Stripe's error code (None when there
    is none, e.g. a network failure); `message` is Japanese, for users."""

    def __init__(self, message: str, code: str | None = None, uncertain: bool = False):
        super().__init__(message)
        # uncertain: the charge may or may not have happened (network failure, Stripe 5xx); retry
        # with the same idempotency key to learn the outcome, never with a new one.
        self.message, self.code, self.uncertain = message, code, uncertain


class WebhookError(ValueError):
    """A webhook that is not provably from Stripe: bad or missing signature, stale timestamp, bad JSON."""


@dataclass(frozen=True)
class PaymentResult:
    intent_id: str
    status: str
    amount: int
    currency: str
    metadata: dict


def _result(intent) -> PaymentResult:
    metadata = intent["metadata"]
    return PaymentResult(intent["id"], intent["status"], int(intent["amount"]), intent["currency"],
                         metadata.to_dict() if metadata else {})


def _gateway_error(exc: stripe.StripeError) -> PaymentGatewayError:
    code = exc.code
    body = exc.json_body if isinstance(exc.json_body, dict) else {}
    decline_code = body.get("error", {}).get("decline_code") if isinstance(body.get("error"), dict) else None
    if isinstance(exc, stripe.CardError):
        message = _MESSAGES.get(decline_code or "") or _MESSAGES.get(code or "") or _MESSAGES["card_declined"]
    elif isinstance(exc, stripe.IdempotencyError):
        message, code = _MESSAGES["idempotency_error"], code or "idempotency_error"
    elif isinstance(exc, stripe.APIConnectionError):
        message = "決済サービスに接続できませんでした。決済が完了したかどうか確認してから再度お試しください"
    elif isinstance(exc, (stripe.AuthenticationError, stripe.PermissionError)):
        message = "決済サービスの設定に誤りがあります。管理者にお問い合わせください"
    elif isinstance(exc, stripe.RateLimitError):
        message = "決済サービスが混み合っています。しばらくしてから再度お試しください"
    elif exc.http_status == 404:
        message = _MESSAGES["resource_missing"]
    else:
        message = _MESSAGES.get(code or "", "決済サービスでエラーが発生しました")
    uncertain = isinstance(exc, stripe.APIConnectionError) or (exc.http_status or 0) >= 500
    return PaymentGatewayError(f"{message}（{code or type(exc).__name__}）", code, uncertain)


class StripeGateway:
    def __init__(self, api_key: str, api_base: str | None = None, connect_timeout: float = 5,
                 read_timeout: float = 20, max_retries: int = 2):
        """`api_base`: another Stripe API address, e.g. a localstripe server in tests. A frozen
        provider holds a request for at most about (connect or read timeout) x (1 + retries)
        plus the library's short back-off, never the library's default 80 s per attempt."""
        if not isinstance(api_key, str) or not api_key.startswith("sk_test_"):
            raise ValueError("Stripe: only test keys (sk_test_...) are accepted in this build")
        stripe.enable_telemetry = False
        options = {"base_addresses": {"api": api_base.rstrip("/")}} if api_base else {}
        # Network retries reuse the request's idempotency key, so a retry never charges twice.
        self.client = stripe.StripeClient(api_key, max_network_retries=max_retries,
                                          http_client=stripe.RequestsClient(timeout=(connect_timeout, read_timeout)),
                                          **options)

    def pay(self, amount_yen: int, idempotency_key: str, metadata: dict[str, str],
            payment_method: str = "pm_card_visa", description: str = "") -> PaymentResult:
        """Create and confirm a JPY PaymentIntent (yen are Stripe's smallest unit: no x100).

        The idempotency key makes Stripe return the first request's result for a repeated request
        (same key, same parameters) instead of charging again; the same key with other parameters
        is refused. A decline raises PaymentGatewayError with Stripe's code (e.g. card_declined).
        `description` travels in metadata["description"] (localstripe has no PaymentIntent
        description)."""
        if isinstance(amount_yen, bool) or not isinstance(amount_yen, int) or amount_yen <= 0:
            raise ValueError(f"amount_yen must be a positive whole number of yen, not {amount_yen!r}")
        if not idempotency_key:
            raise ValueError("an idempotency key is required (without one a retry could charge twice)")
        params = {"amount": amount_yen, "currency": "jpy", "payment_method": payment_method,
                  "confirm": True, "metadata": {**metadata, **({"description": description} if description else {})}}
        try:
            intent = self.client.v1.payment_intents.create(params=params,
                                                           options={"idempotency_key": idempotency_key})
        except stripe.StripeError as exc:
            raise _gateway_error(exc) from None
        return _result(intent)

    @classmethod
    def from_config(cls, config) -> "StripeGateway":
        """The gateway an app's configuration describes (STRIPE_* keys)."""
        return cls(config["STRIPE_SECRET_KEY"], config.get("STRIPE_API_BASE"), config["STRIPE_CONNECT_TIMEOUT"],
                   config["STRIPE_READ_TIMEOUT"], config["STRIPE_MAX_RETRIES"])

    def payment_intents(self, limit: int = 5000) -> list[PaymentResult]:
        """The account's PaymentIntents (newest first on Stripe), at most `limit`, page by page
        (100 a page), for reconciliation. Only `limit` and `starting_after` are used, which
        localstripe understands too."""
        found = []
        try:
            page = self.client.v1.payment_intents.list(params={"limit": 100})
            for intent in page.auto_paging_iter():
                found.append(_result(intent))
                if len(found) >= limit:
                    break
        except stripe.StripeError as exc:
            raise _gateway_error(exc) from None
        return found

    def retrieve(self, intent_id: str) -> PaymentResult:
        try:
            return _result(self.client.v1.payment_intents.retrieve(intent_id))
        except stripe.StripeError as exc:
            raise _gateway_error(exc) from None


def verify_webhook(payload: bytes, signature_header: str, secret: str, tolerance: int = 300) -> dict:
    """The event as a plain dict, if Stripe signed exactly this payload with this secret at most
    `tolerance` seconds ago. Anything else raises WebhookError."""
    if not secret:
        raise WebhookError("no webhook signing secret")  # an empty HMAC key would accept anyone's signature
    if not signature_header:
        raise WebhookError("no Stripe-Signature header")
    if tolerance <= 0:
        raise ValueError("tolerance must be positive (0 would accept replays of any age)")
    try:
        event = stripe.Webhook.construct_event(payload, signature_header, secret, tolerance=tolerance)
    except (stripe.SignatureVerificationError, ValueError) as exc:  # ValueError: bad JSON or UTF-8
        raise WebhookError(str(exc)) from None
    return event.to_dict()
