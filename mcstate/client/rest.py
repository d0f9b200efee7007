"""The Marketing Cloud REST API, for the objects SOAP cannot define (data extracts, file transfers)."""

from __future__ import annotations

from typing import Any

import requests

from mcstate.client.auth import TokenSource
from mcstate.client.parallel import CallSlots
from mcstate.client.responses import JSON_EXPECTED, describe
from mcstate.client.retry import (
    DEFAULT_POLICY,
    MAYBE_DONE_STATUSES,
    RETRY_STATUSES,
    Retrier,
    RetryPolicy,
    describe_failure,
    never_sent,
)
from mcstate.errors import ApiError, AuthError, UnknownOutcome
from mcstate.resources.base import RestRequest, WriteResult

PAGE_SIZE = 500
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


class RestClient:
    def __init__(
        self,
        session: requests.Session,
        tokens: TokenSource,
        rest_url: str | None = None,
        *,
        retry: RetryPolicy | Retrier = DEFAULT_POLICY,
        slots: CallSlots | None = None,
    ) -> None:
        self._session = session
        self._tokens = tokens
        self._rest_url = rest_url
        self._retrier = retry if isinstance(retry, Retrier) else Retrier(retry)
        # Calls in flight at once, shared with the SOAP client of the same account.
        self.slots = slots or CallSlots()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        response = self._request("GET", path, params=params)
        if response.status_code != 200:
            # The description of a body that is not JSON already names the HTTP status.
            code = _error_code(response) if _is_json(response) else None
            raise ApiError(f"GET /{path}", _error_message(response), code)
        return _json(response, f"GET /{path}")

    def items(self, path: str) -> list[dict[str, Any]]:
        """Every item of a paged collection (`{count, page, pageSize, items}`)."""
        collected: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self.get(path, {"$page": page, "$pageSize": PAGE_SIZE})
            items, count = _page(body, f"GET /{path}")
            collected.extend(items)
            if not items or len(collected) >= count:
                return collected
            page += 1

    def send(self, request: RestRequest) -> WriteResult:
        response = self._request(request.method, request.path, json=request.body)
        if response.status_code >= 400:
            return WriteResult(False, _error_message(response), _error_code(response))
        try:
            body = response.json() if response.content.strip() else {}
        except ValueError:
            # A delete of a data extract answers the bare text OK. Anything else (a proxy's page in place of
            # the answer) leaves unknown whether the write happened, so it is not taken as done (nor is a new
            # id known); the next plan reads what is there.
            if response.content.strip().upper() != b"OK":
                unknown = f"{_described(response)}; whether the change was made is unknown: run plan to see"
                return WriteResult(False, unknown)
            body = {}
        if not isinstance(body, dict):
            body = {}
        new_object_id = body.get("id") or body.get("dataExtractDefinitionId") or body.get("objectId")
        if request.identify is not None and not new_object_id:
            collection, field, value = request.identify
            found = [item for item in self.items(collection) if str(item.get(field)) == value]
            new_object_id = found[0].get("id") if found else None
        # A folder the category API created is known by its integer ID, as DataFolder's NewID.
        category_id = body.get("categoryId")
        new_id = category_id if isinstance(category_id, int) and not isinstance(category_id, bool) else None
        return WriteResult(
            True, f"{request.method} {response.status_code}", new_id=new_id, new_object_id=new_object_id
        )

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One call, tried again after transient failures (mcstate.client.retry), with a fresh token once
        when the account refuses the token. A write whose request went out without a definite answer raises
        UnknownOutcome instead of being sent again."""
        call = f"{method} /{path}"
        write = method in WRITE_METHODS
        attempts = self._retrier.start(call)
        refreshed = False
        while True:
            token = self._tokens.token()
            base = self._rest_url or token.rest_instance_url
            if not base:
                raise ApiError(
                    call, "the token response names no rest_instance_url; set rest_url in the target"
                )
            url = base.rstrip("/") + "/" + path.lstrip("/")
            headers = {"Authorization": f"Bearer {token.access_token}"}
            try:
                with self.slots:
                    response = self._session.request(
                        method, url, headers=headers, timeout=self._retrier.policy.timeout, **kwargs
                    )
            except requests.RequestException as exc:
                reason = f"{describe_failure(exc)} ({type(exc).__name__})"
                if write and not never_sent(exc):
                    raise UnknownOutcome(call, reason) from None
                if attempts.retry(reason):
                    continue
                raise ApiError(call, f"cannot reach {base}: {type(exc).__name__}") from None
            status = response.status_code
            if status == 401 and not refreshed:
                # The token may have lapsed early (revoked, clock skew): fetch a new one once.
                self._tokens.invalidate(token)
                refreshed = True
                continue
            if status == 401:
                raise AuthError(f"{call}: the account refused the token")
            if status in RETRY_STATUSES:
                if write and status in MAYBE_DONE_STATUSES:
                    raise UnknownOutcome(call, f"HTTP {status}")
                if attempts.retry(f"HTTP {status}"):
                    continue
            return response


def _json(response: requests.Response, call: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ApiError(call, _described(response)) from None


def _is_json(response: requests.Response) -> bool:
    try:
        response.json()
    except ValueError:
        return False
    return True


def _page(body: Any, call: str) -> tuple[list[dict[str, Any]], int]:
    """The items of one page of a collection and the collection's count, or an error naming the call."""
    items = body.get("items") if isinstance(body, dict) else None
    count = body.get("count") if isinstance(body, dict) else None
    if items is None and isinstance(body, dict) and "count" in body and not count:
        items = []
    if (
        not isinstance(items, list)
        or not all(isinstance(item, dict) for item in items)
        or isinstance(count, bool)
        or not isinstance(count, int | None)
    ):
        shown = ", ".join(sorted(body)) if isinstance(body, dict) else type(body).__name__
        raise ApiError(call, f"the service sent JSON that is not a page of items ({shown})")
    return items, count or 0


def _described(response: requests.Response) -> str:
    return describe(
        response.status_code, str(response.headers.get("Content-Type", "")), response.content, JSON_EXPECTED
    )


def _error_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return _described(response)
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
            return _code(errors[0]["errorcode"], response.status_code)
        if "errorcode" in body:
            return _code(body["errorcode"], response.status_code)
    return response.status_code


def _code(value: Any, status: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return status
