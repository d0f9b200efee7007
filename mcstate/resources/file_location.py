"""File transfer locations: where file transfers put files (the Enhanced FTP, SFTP servers, cloud buckets).

Locations are set up in Setup, not declared: they are read so that a file transfer can name its location by
key and the planner can check the key before anything is written. Two REST collections together describe
them: automation/v1/ftplocations knows each location's name and the ID file transfers store, and
data/v1/filetransferlocations knows the customer key and type of the locations an account created. The
built-in locations (ExactTarget Enhanced FTP, Salesforce Objects & Reports) appear only in the first; their
key is their name, which is also the key the SOAP API uses (RetrieveFileTransferLocation in imports).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from mcstate.definitions.document import Document
from mcstate.plan import Change
from mcstate.resources.base import (
    ApplyContext,
    Definition,
    Desired,
    KindDefaults,
    Live,
    NotRepresentable,
    Retriever,
    Step,
)

KIND = "FileLocation"
ENHANCED_FTP = "ExactTarget Enhanced FTP"

FTP_LOCATIONS_PATH = "automation/v1/ftplocations"
LOCATION_DETAILS_PATH = "data/v1/filetransferlocations"


def is_referenced(kind: str, desired: Sequence[Desired]) -> bool:
    """Whether any desired object is of `kind` or refers to one."""
    return any(obj.kind == kind or any(ref.kind == kind for ref in obj.references) for obj in desired)


class FileLocationType(KindDefaults):
    kind: ClassVar[str] = KIND
    label: ClassVar[str] = "file location"
    in_flow: ClassVar[bool] = True
    flow_shape: ClassVar[tuple[str, str]] = ('[/"', '"/]')

    def from_document(self, document: Document) -> Desired:
        raise NotImplementedError("file locations are set up in the account, not declared")

    def read(self, client: Retriever, live: Mapping[str, Mapping[str, Live]]) -> list[Live]:
        return self.from_service(
            client.rest_items(FTP_LOCATIONS_PATH), client.rest_items(LOCATION_DETAILS_PATH)
        )

    def read_for(
        self, client: Retriever, live: Mapping[str, Mapping[str, Live]], desired: Sequence[Desired]
    ) -> list[Live]:
        return self.read(client, live) if is_referenced(KIND, desired) else []

    @staticmethod
    def from_service(
        ftp_items: Sequence[Mapping[str, Any]], detail_items: Sequence[Mapping[str, Any]]
    ) -> list[Live]:
        details_by_name = {str(item.get("name")): item for item in detail_items if item.get("customerKey")}
        locations: dict[str, Live] = {}
        for item in ftp_items:
            name = str(item.get("name") or "")
            if not name or not item.get("id"):
                continue
            detail = details_by_name.get(name)
            key = str(detail["customerKey"]) if detail else name
            attributes = {
                "name": name,
                "location_type": str(detail.get("locationType")) if detail else None,
                "location_type_id": item.get("locationTypeId"),
            }
            locations.setdefault(key, Live(KIND, key, attributes, {"id": str(item["id"])}))
        return list(locations.values())

    def diff(self, desired: Desired, live: Live | None) -> Change | None:
        return None

    def steps(self, change: Change, context: ApplyContext) -> list[Step]:
        raise ValueError("file locations are not written by mcstate")

    def to_definition(
        self, live: Live, live_state: Mapping[str, Mapping[str, Live]]
    ) -> Definition | NotRepresentable | None:
        return None  # set up in the account, never declared
