"""OAuth2 client-credentials tokens for an installed package, reused until shortly before they expire."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from mcstate.client.debug_log import redact, remember_secret
from mcstate.client.retry import DEFAULT_POLICY, RETRY_STATUSES, Retrier, RetryPolicy, describe_failure
from mcstate.errors import ApiError, AuthError

# Refresh this long before the token's end, so a call never starts with a token about to lapse.
REFRESH_MARGIN_SECONDS = 300
TOKEN_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str
    account_id: str | None = None

    def __repr__(self) -> str:
        return f"Credentials(client_id=<redacted>, client_secret=<redacted>, account_id={self.account_id!r})"


@dataclass(frozen=True)
class Token:
    access_token: str
    soap_instance_url: str
    rest_instance_url: str
    expires_at: float

    def __repr__(self) -> str:
        return f"Token(access_token=<redacted>, soap_instance_url={self.soap_instance_url!r})"


class TokenSource:
    """Fetches tokens from `<auth_url>v2/token` and hands out the current one."""

    def __init__(
        self,
        session: requests.Session,
        auth_url: str,
        credentials: Credentials,
        clock: Callable[[], float] = time.monotonic,
        *,
        retry: RetryPolicy | Retrier = DEFAULT_POLICY,
    ) -> None:
        self._session = session
        self._url = auth_url.rstrip("/") + "/v2/token"
        self._credentials = credentials
        self._clock = clock
        self._token: Token | None = None
        self._retrier = retry if isinstance(retry, Retrier) else Retrier(retry)
        # Calls run side by side (mcstate.client.parallel): one thread fetches a new token, the others wait
        # for it rather than ask for their own.
        self._lock = threading.Lock()

    def token(self) -> Token:
        with self._lock:
            current = self._token
            if current is None or self._clock() >= current.expires_at - REFRESH_MARGIN_SECONDS:
                current = self._token = self._fetch()
            return current

    def invalidate(self, refused: Token | None = None) -> None:
        """Forget the token (`refused`: only if it is still that one, so that threads refused the same
        token fetch one new token between them, not one each)."""
        with self._lock:
            if refused is None or self._token is refused:
                self._token = None

    def _post(self, body: dict[str, str]) -> requests.Response:
        """The token request, tried again after transient failures: asking for a token twice is harmless."""
        attempts = self._retrier.start("token request")
        while True:
            try:
                response = self._session.post(self._url, json=body, timeout=TOKEN_TIMEOUT_SECONDS)
            except requests.RequestException as exc:
                if attempts.retry(f"{describe_failure(exc)} ({type(exc).__name__})"):
                    continue
                raise ApiError("token request", f"cannot reach {self._url}: {type(exc).__name__}") from None
            if response.status_code in RETRY_STATUSES and attempts.retry(f"HTTP {response.status_code}"):
                continue
            return response

    def _fetch(self) -> Token:
        body = {
            "grant_type": "client_credentials",
            "client_id": self._credentials.client_id,
            "client_secret": self._credentials.client_secret,
        }
        if self._credentials.account_id:
            body["account_id"] = self._credentials.account_id
        response = self._post(body)
        if 300 <= response.status_code < 400:
            target = response.headers.get("Location", "")
            raise ApiError(
                "token request",
                f"{self._url} redirects to {redact(target)[:200]}, another address; mcstate does not send "
                "the client credentials there. Set auth_url to the address the account's installed package "
                "shows.",
            )
        try:
            payload = response.json()
        except ValueError:
            # Not the token endpoint speaking (a proxy's page, a cut-off answer): say what came instead.
            raise ApiError("token request", _described(response)) from None
        if not isinstance(payload, dict):
            payload = {}
        if response.status_code in (400, 401, 403):
            detail = payload.get("error_description") or payload.get("message") or payload.get("error")
            fix = "Check the client id and secret in the environment"
            if self._credentials.account_id:
                # The service answers invalid_client for a business unit the package may not use too.
                fix += (
                    f", and that account_id {self._credentials.account_id} is a business unit whose "
                    "installed package has the integration enabled"
                )
            reason = str(detail or "no reason given").rstrip(".")
            raise AuthError(
                f"the account refused the client credentials ({response.status_code}): {reason}. {fix}."
            )
        access_token = payload.get("access_token")
        if response.status_code != 200 or not isinstance(access_token, str) or not access_token:
            detail = payload.get("error_description") or payload.get("message") or payload.get("error")
            raise ApiError(
                "token request",
                f"unexpected answer from {self._url} (HTTP {response.status_code}): "
                f"{str(detail)[:200] if detail else 'no access_token'}",
            )
        lifetime = payload.get("expires_in", 0)
        try:
            seconds = float(lifetime)
        except (TypeError, ValueError):
            raise ApiError(
                "token request", f"the service sent an expires_in that is not a number: {lifetime!r:.40}"
            ) from None
        # A message of the service that quotes the token is redacted wherever it is shown.
        remember_secret(access_token)
        started = self._clock()
        return Token(
            access_token=access_token,
            soap_instance_url=str(payload.get("soap_instance_url") or ""),
            rest_instance_url=str(payload.get("rest_instance_url") or ""),
            expires_at=started + seconds,
        )


def _described(response: requests.Response) -> str:
    from mcstate.client.responses import JSON_EXPECTED, describe

    return describe(
        response.status_code, str(response.headers.get("Content-Type", "")), response.content, JSON_EXPECTED
    )
