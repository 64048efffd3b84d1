"""Slack's request signing: the `v0` HMAC-SHA256, a 5-minute window, each request used once.

See https://docs.slack.dev/authentication/verifying-requests-from-slack/ — the HMAC itself
and its constant-time comparison are slack-sdk's `SignatureVerifier`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping

from slack_sdk.signature import SignatureVerifier

from errors import AuthError
from service.chatops.seen import FirstSeen

# slack-sdk's verifier refuses timestamps more than 5 minutes off either way.
WINDOW_S = 5 * 60


def check_slack_request(
    verifier: SignatureVerifier,
    seen: FirstSeen,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
) -> None:
    """Raise AuthError unless Slack signed this exact body recently and it is not a replay."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not timestamp or not signature:
        raise AuthError(
            "this route takes only requests Slack signed: X-Slack-Request-Timestamp and "
            "X-Slack-Signature are missing; point the Slack app's request URL here"
        )
    if not timestamp.isdigit():
        raise AuthError(f"X-Slack-Request-Timestamp {timestamp!r} is not a Unix time in seconds")
    age = (time.time() if now is None else now) - int(timestamp)
    if abs(age) > WINDOW_S:
        raise AuthError(
            f"the request timestamp is {age:+.0f}s from this server's clock, outside the "
            f"{WINDOW_S}s window (an old or replayed request); check the server's clock"
        )
    if not verifier.is_valid(body, timestamp, signature):
        raise AuthError(
            "the request signature (X-Slack-Signature) does not match the body; set "
            "OPSQKV_SLACK_SIGNING_SECRET to the Signing Secret on the Slack app's "
            "Basic Information page"
        )
    # A signature is valid for the whole window: remember it until its timestamp expires,
    # so a captured request cannot be sent again meanwhile. Slack signs retries afresh.
    digest = hashlib.sha256(f"{timestamp}:{signature}".encode()).hexdigest()
    if not seen.first(f"slack:signature:{digest}", ttl_s=2 * WINDOW_S + 1):
        raise AuthError(
            "this exact signed request was already received (a replay); Slack signs every "
            "request and retry afresh, so send a new one"
        )
