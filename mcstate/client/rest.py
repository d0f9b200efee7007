"""The Marketing Cloud REST API, for the objects SOAP cannot define (data extracts, file transfers)."""

from __future__ import annotations

from typing import Any

import requests

from mcstate.client.auth import TokenSource
from mcstate.errors import ApiError, AuthError
from mcstate.resources.base import RestRequest, WriteResult

TIMEOUT_SECONDS = 120
PAGE_SIZE = 500


class RestClient:
    def __init__(self, session: requests.Session, tokens: TokenSource, rest_url: str | None = None) -> None:
        self._session = session
        self._tokens = tokens
        self._rest_url = rest_url

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        response = self._request("GET", path, params=params)
        if response.status_code != 200:
            raise ApiError(f"GET /{path}", _error_message(response), _error_code(response))
        return _json(response, f"GET /{path}")

    def items(self, path: str) -> list[dict[str, Any]]:
        """Every item of a paged collection (`{count, page, pageSize, items}`)."""
        collected: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self.get(path, {"$page": page, "$pageSize": PAGE_SIZE})
            items = list(body.get("items") or [])
            collected.extend(items)
            if not items or len(collected) >= int(body.get("count") or 0):
                return collected
            page += 1

    def send(self, request: RestRequest) -> WriteResult:
        response = self._request(request.method, request.path, json=request.body)
        if response.status_code >= 400:
            return WriteResult(False, _error_message(response), _error_code(response))
        try:
            body = response.json() if response.content.strip() else {}
        except ValueError:
            body = {}  # a delete of a data extract answers the bare text OK
        if not isinstance(body, dict):
            body = {}
        new_id = body.get("id") or body.get("dataExtractDefinitionId")
        return WriteResult(True, f"{request.method} {response.status_code}", new_object_id=new_id)

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        call = f"{method} /{path}"
        for attempt in (1, 2):
            token = self._tokens.token()
            base = self._rest_url or token.rest_instance_url
            if not base:
                raise ApiError(
                    call, "the token response names no rest_instance_url; set rest_url in the target"
                )
            url = base.rstrip("/") + "/" + path.lstrip("/")
            headers = {"Authorization": f"Bearer {token.access_token}"}
            try:
                response = self._session.request(
                    method, url, headers=headers, timeout=TIMEOUT_SECONDS, **kwargs
                )
            except requests.RequestException as exc:
                raise ApiError(call, f"cannot reach {base}: {type(exc).__name__}") from None
            if response.status_code == 401 and attempt == 1:
                self._tokens.invalidate()
                continue
            if response.status_code == 401:
                raise AuthError(f"{call}: the account refused the token")
            return response
        raise AssertionError("unreachable")


def _json(response: requests.Response, call: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ApiError(
            call, f"the service answered HTTP {response.status_code} with a body that is not JSON"
        ) from None


def _error_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict):
        errors = body.get("validationErrors") or body.get("errors")
        if isinstance(errors, list) and errors:
            return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
        return str(body.get("message") or body.get("error_description") or f"HTTP {response.status_code}")
    return f"HTTP {response.status_code}"


def _error_code(response: requests.Response) -> int | None:
    try:
        body = response.json()
    except ValueError:
        return response.status_code
    if isinstance(body, dict):
        errors = body.get("validationErrors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict) and "errorcode" in errors[0]:
            return int(errors[0]["errorcode"])
        if "errorcode" in body:
            return int(body["errorcode"])
    return response.status_code
