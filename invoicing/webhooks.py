"""Stripe webhooks: signature verified, each event processed once."""
from flask import Blueprint, current_app, jsonify, request

from invoicing import payments
from procure import audit
from procure.permissions import public

bp = Blueprint("webhooks", __name__)
WEBHOOK_ACTOR = "system:stripe-webhook"


@bp.post("/webhooks/stripe")
@public
def stripe_webhook():
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        return jsonify(error="webhooks are not configured"), 503
    from invoicing.stripe_gateway import WebhookError, verify_webhook

    try:
        event = verify_webhook(request.get_data(), request.headers.get("Stripe-Signature", ""), secret)
    except WebhookError as exc:
        current_app.logger.warning("rejected Stripe webhook: %s", exc)
        return jsonify(error="invalid signature"), 400
    # Verified as Stripe's: its changes are the named system actor's, not an anonymous caller's.
    token = audit.set_actor(None, WEBHOOK_ACTOR)
    try:
        return jsonify(result=payments.handle_stripe_event(event))
    finally:
        audit.reset_actor(token)
