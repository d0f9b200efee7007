"""One client for one account: SOAP for most objects, REST for the few SOAP cannot define, one token."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mcstate.client.filters import Filter
from mcstate.client.rest import RestClient
from mcstate.client.soap import PerformResult, SoapClient
from mcstate.resources.base import Operation, RestRequest, SoapObject, WriteResult


class AccountClient:
    def __init__(self, soap: SoapClient, rest: RestClient) -> None:
        self.soap = soap
        self.rest = rest

    @property
    def max_concurrency(self) -> int:
        """How many calls may run at once (mcstate.client.parallel runs independent reads side by side)."""
        return self.soap.slots.limit

    def retrieve(
        self,
        object_type: str,
        properties: Sequence[str],
        filter: Filter | None = None,
        *,
        query_all_accounts: bool = False,
    ) -> list[dict[str, Any]]:
        return self.soap.retrieve(object_type, properties, filter, query_all_accounts=query_all_accounts)

    def write(
        self, operation: Operation, objects: Sequence[SoapObject], *, upsert: bool = False
    ) -> list[WriteResult]:
        return self.soap.write(operation, objects, upsert=upsert)

    def perform(self, definition: SoapObject, action: str = "start") -> PerformResult:
        return self.soap.perform(definition, action)

    def system_status(self) -> tuple[str, str]:
        return self.soap.system_status()

    def rest_items(self, path: str) -> list[dict[str, Any]]:
        return self.rest.items(path)

    def rest_get(self, path: str) -> Any:
        return self.rest.get(path)

    def send(self, request: RestRequest) -> WriteResult:
        return self.rest.send(request)
