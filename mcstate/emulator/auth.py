"""OAuth client-credentials tokens (``POST /v2/token``) and their checks on SOAP calls."""

from __future__ import annotations

import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from lxml import etree

from mcstate.emulator import rules
from mcstate.emulator.codec import iter_headers_named
from mcstate.emulator.store import Store

FUELOAUTH_NAMESPACES = (None, "http://exacttarget.com")
"""The fueloauth header is accepted in the exacttarget.com namespace or with none (FuelSDK-Java)."""


class Tokens:
    """Issues tokens and checks the credentials a SOAP request carries."""

    def __init__(
        self,
        store: Store,
        client_id: str | None,
        client_secret: str | None,
        lifetime: int,
        business_unit: Callable[[int], bool] | None = None,
    ) -> None:
        self.store = store
        self.client_id = client_id
        self.client_secret = client_secret
        self.lifetime = lifetime
        # Whether a MID is a business unit of the enterprise (the store's own only, by default).
        self.business_unit = business_unit or (lambda mid: mid == store.mid)

    def _credentials_ok(self, client_id: str, client_secret: str) -> bool:
        if not client_id or not client_secret:
            return False
        if self.client_id is None and self.client_secret is None:
            return True
        return hmac.compare_digest(client_id, self.client_id or "") and hmac.compare_digest(
            client_secret, self.client_secret or ""
        )

    def issue(self, body: bytes, base_url: str) -> tuple[int, dict[str, Any]]:
        """The token endpoint: (HTTP status, JSON answer)."""
        try:
            request = json.loads(body.decode("utf-8") or "null")
        except (UnicodeDecodeError, json.JSONDecodeError):
            return 400, rules.oauth_error("invalid_request", "The request body is not valid JSON.")
        if not isinstance(request, dict):
            return 400, rules.oauth_error("invalid_request", "The request body must be a JSON object.")
        grant_type = request.get("grant_type")
        if grant_type != "client_credentials":
            return 400, rules.oauth_error("unsupported_grant_type", f"Unsupported grant_type: {grant_type}.")
        client_id = request.get("client_id")
        client_secret = request.get("client_secret")
        if not isinstance(client_id, str) or not isinstance(client_secret, str):
            return 401, dict(rules.INVALID_CLIENT)
        if not self._credentials_ok(client_id, client_secret):
            return 401, dict(rules.INVALID_CLIENT)
        mid = _account_id(request.get("account_id"))
        if mid is None:
            mid = self.store.mid  # the business unit that owns the package: the parent
        elif not self.business_unit(mid):  # not a business unit, or not a number at all (-1)
            return 401, rules.unknown_account_id_error()
        token = secrets.token_urlsafe(48)
        self.store.add_token(
            token, client_id, time.time() + self.lifetime + rules.TOKEN_VALIDITY_EXTRA_SECONDS, mid
        )
        scope = request.get("scope")
        return 200, {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.lifetime,
            "scope": scope if isinstance(scope, str) else rules.TOKEN_SCOPE,
            "soap_instance_url": base_url,
            "rest_instance_url": base_url,
        }

    def check_soap(self, headers: list[etree._Element]) -> str | None:
        """None when the request is authenticated, else the Security fault's text."""
        for element in iter_headers_named(headers, "fueloauth"):
            if etree.QName(element).namespace in FUELOAUTH_NAMESPACES:
                return self.check_token((element.text or "").strip())
        for element in iter_headers_named(headers, "UsernameToken"):
            username = password = ""
            for child in element:
                if not isinstance(child.tag, str):
                    continue
                local = etree.QName(child).localname
                if local == "Username":
                    username = (child.text or "").strip()
                elif local == "Password":
                    password = child.text or ""
            return None if self._api_user_ok(username, password) else rules.LOGIN_FAILED
        return rules.LOGIN_FAILED

    def _api_user_ok(self, username: str, password: str) -> bool:
        """A WS-Security UsernameToken names an API user; the account has one only when credentials are
        configured (rules.USERNAME_TOKEN_NEEDS_CREDENTIALS), never any name with any password."""
        if self.client_id is None or self.client_secret is None:
            return False
        return self._credentials_ok(username, password)

    def business_unit_of(self, token: str) -> int:
        """The MID of the business unit a token is for (the parent's for a token it does not know: such a
        call is refused anyway)."""
        found = self.store.token_record(token.strip()) if token.strip() else None
        return found[1] if found is not None else self.store.mid

    def soap_business_unit(self, headers: list[etree._Element]) -> int:
        """The MID a SOAP request's credentials are for: its token's, or the parent's for an API user."""
        for element in iter_headers_named(headers, "fueloauth"):
            if etree.QName(element).namespace in FUELOAUTH_NAMESPACES:
                return self.business_unit_of(element.text or "")
        return self.store.mid

    def check_token(self, token: str) -> str | None:
        if not token:
            return rules.LOGIN_FAILED
        expires = self.store.token_expiry(token)
        if expires is None:
            return rules.LOGIN_FAILED
        if expires <= time.time():
            return rules.TOKEN_EXPIRED
        return None


_INVALID = -1  # no business unit has it


def _account_id(value: Any) -> int | None:
    """The MID a token request's account_id names: None when it names none (absent, null or empty), -1
    when it is not a whole number (a number or its digits as text)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return _INVALID
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return _INVALID
