"""File transfer locations: where file transfers put files and imports read them (the Enhanced FTP, SFTP
servers, cloud buckets).

Two REST collections together describe them: automation/v1/ftplocations knows each location's name and the
ID file transfers store, and data/v1/filetransferlocations knows the customer key, type and settings of the
locations an account created. The built-in locations (ExactTarget Enhanced FTP, Salesforce Objects &
Reports) appear only in the first; their key is their name, which is also the key the SOAP API uses
(RetrieveFileTransferLocation in imports).

External locations (SFTP, S3, Azure Blob, Google Cloud Storage) can be declared: created with POST
data/v1/filetransferlocation {"fileTransferLocation": {...}}, changed with PATCH and deleted with DELETE
.../<key>, as mcdev deploys them. Their credentials are written in definitions only as ${ENV} references,
resolved from the environment when the location is written; the service never returns them, so they are
not compared (a changed secret is sent with the next change of the location). The settings compared are
the ones the definition writes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from mcstate.definitions.document import Document
from mcstate.errors import McstateError
from mcstate.plan import Change
from mcstate.resources.base import (
    ApplyContext,
    Definition,
    Desired,
    KindDefaults,
    Live,
    LiveCheck,
    NotRepresentable,
    RestRequest,
    Retriever,
    Step,
    address,
)
from mcstate.resources.common import attribute_changes

KIND = "FileLocation"
ENHANCED_FTP = "ExactTarget Enhanced FTP"

FTP_LOCATIONS_PATH = "automation/v1/ftplocations"
LOCATION_DETAILS_PATH = "data/v1/filetransferlocations"
LOCATION_PATH = "data/v1/filetransferlocation"

# Declared type -> (the service's locationType, its settings object, {attribute: setting}, {secret: setting},
# settings the service fills in that a definition does not write).
TYPES: dict[str, tuple[str, str, dict[str, str], dict[str, str], dict[str, Any]]] = {
    "sftp": (
        "ExternalSftp", "sFtpFileTransferLocation", {"url": "url", "port": "portNumber", "user": "userName"},
        {"password": "password", "private_key": "privateKey"}, {},
    ),
    "s3": (
        "AmazonSimpleStorage", "awsFileTransferLocation",
        {"bucket": "bucketName", "region": "regionName", "relative_path": "relativePath",
         "access_key_id": "accessKeyId", "transfer_acceleration": "transferAccelerationEnabled"},
        {"secret_access_key": "secretAccessKey"}, {"authType": "AccessKey"},
    ),
    "azure": (
        "AzureBlobStorage", "azureFileTransferLocation",
        {"storage_account": "storageAccountName", "container": "bucketName", "tenant_id": "tenantId",
         "client_id": "accessKeyId", "relative_path": "relativePath"},
        {"client_secret": "clientSecret"}, {"authType": "AccessKey"},
    ),
    "gcp": (
        "GcpBlobStorage", "gcpFileTransferLocation",
        {"bucket": "bucketName", "relative_path": "relativePath"}, {}, {},
    ),
}  # fmt: skip
DEFAULTS = {"port": 22, "transfer_acceleration": False}
COMPARED = ("name", "description", "location_type", "settings")
_ENV_REFERENCE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


def is_referenced(kind: str, desired: Sequence[Desired]) -> bool:
    """Whether any desired object is of `kind` or refers to one."""
    return any(obj.kind == kind or any(ref.kind == kind for ref in obj.references) for obj in desired)


def _type_of(location_type: str | None) -> str | None:
    return next((name for name, spec in TYPES.items() if spec[0] == location_type), None)


class FileLocationType(KindDefaults):
    kind: ClassVar[str] = KIND
    schema: ClassVar[str | None] = "file_location.schema.json"
    label: ClassVar[str] = "file location"
    directory: ClassVar[str | None] = "file_locations"
    in_flow: ClassVar[bool] = True
    flow_shape: ClassVar[tuple[str, str]] = ('[/"', '"/]')

    def from_document(self, document: Document) -> Desired:
        data = document.data
        declared = next(name for name in TYPES if name in data)
        location_type, _, setting_names, secret_names, fixed = TYPES[declared]
        given = data[declared]
        settings: dict[str, Any] = dict(fixed)
        for attribute, setting in setting_names.items():
            value = given.get(attribute, DEFAULTS.get(attribute))
            if value is not None:
                settings[setting] = value
        secrets = {
            setting: _ENV_REFERENCE.match(str(given[attribute])).group(1)  # type: ignore[union-attr]
            for attribute, setting in secret_names.items()
            if attribute in given
        }
        if declared == "sftp":
            settings["authType"] = "Password" if "password" in given else "SshKey"
        attributes = {
            "name": data["name"],
            "description": data.get("description") or "",
            "location_type": location_type,
            "settings": settings,
            "secrets": secrets,  # setting -> environment variable name; never the value
        }
        return Desired(KIND, str(data["key"]), attributes, document)

    def check_live(
        self, desired: Desired, declared: Mapping[str, Desired], live: Mapping[str, Mapping[str, Live]]
    ) -> LiveCheck:
        """A location to be written needs its credentials in the environment now, not halfway through."""
        current = live.get(KIND, {}).get(address(KIND, desired.key))
        if desired.document is None or (current is not None and self.diff(desired, current) is None):
            return LiveCheck()
        kind = next(name for name in TYPES if name in desired.document.data)
        secret_attributes = {setting: attribute for attribute, setting in TYPES[kind][3].items()}
        problems = tuple(
            desired.document.problem(
                (kind, secret_attributes[setting]),
                f"the environment variable {variable} is not set; the location's "
                f"{secret_attributes[setting].replace('_', ' ')} is read from it when it is written",
            )
            for setting, variable in desired.attributes["secrets"].items()
            if not os.environ.get(variable)
        )
        return LiveCheck(problems)

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
            location_type = str(detail.get("locationType")) if detail else None
            declared = _type_of(location_type)
            settings = dict(detail.get(TYPES[declared][1]) or {}) if detail and declared else None
            attributes = {
                "name": name,
                "description": str(detail.get("description") or "") if detail else "",
                "location_type": location_type,
                "location_type_id": item.get("locationTypeId"),
                "settings": settings,
            }
            locations.setdefault(key, Live(KIND, key, attributes, {"id": str(item["id"])}))
        return list(locations.values())

    def diff(self, desired: Desired, live: Live | None) -> Change | None:
        after = {name: desired.attributes[name] for name in COMPARED}
        if live is None:
            return Change(
                KIND, desired.key, "create", after={**after, "secrets": desired.attributes["secrets"]}
            )
        # Only the settings a definition writes are compared (the service may add others).
        live_settings = live.attributes.get("settings") or {}
        before = {
            "name": live.attributes.get("name"),
            "description": live.attributes.get("description") or "",
            "location_type": live.attributes.get("location_type"),
            "settings": {name: live_settings.get(name) for name in desired.attributes["settings"]},
        }
        changes = attribute_changes(before, after, COMPARED)
        if not changes:
            return None
        full_after = {**after, "secrets": desired.attributes["secrets"]}
        return Change(KIND, desired.key, "update", changes, before, full_after, live.ids)

    def steps(self, change: Change, context: ApplyContext) -> list[Step]:
        if change.action == "delete":
            return [Step("delete", RestRequest("DELETE", f"{LOCATION_PATH}/{change.key}"), change)]
        after = change.after or {}
        _, settings_name, _, _, _ = next(spec for spec in TYPES.values() if spec[0] == after["location_type"])
        settings = dict(after["settings"])
        for setting, variable in (after.get("secrets") or {}).items():
            value = os.environ.get(variable)
            if not value:
                raise McstateError(
                    f"FileLocation {change.key}: the environment variable {variable} is not set"
                )
            settings[setting] = value
        body = {
            "fileTransferLocation": {
                "customerKey": change.key,
                "name": after["name"],
                "description": after["description"],
                "locationType": after["location_type"],
                settings_name: settings,
            }
        }
        if change.action == "create":
            # File transfers name a location by the ID automation/v1/ftplocations gives it: found by name.
            request = RestRequest(
                "POST", LOCATION_PATH, body, identify=(FTP_LOCATIONS_PATH, "name", after["name"])
            )
            return [Step("create", request, change)]
        if change.action == "update":
            return [Step("update", RestRequest("PATCH", f"{LOCATION_PATH}/{change.key}", body), change)]
        raise ValueError(f"unsupported action {change.action}")

    def to_definition(
        self, live: Live, live_state: Mapping[str, Mapping[str, Live]]
    ) -> Definition | NotRepresentable | None:
        declared = _type_of(live.attributes.get("location_type"))
        settings = live.attributes.get("settings")
        if declared is None or settings is None:
            return None  # built in, set up by the service
        _, _, setting_names, secret_names, _ = TYPES[declared]
        data: dict[str, Any] = {"kind": KIND, "key": live.key, "name": live.attributes["name"]}
        if live.attributes.get("description"):
            data["description"] = live.attributes["description"]
        values: dict[str, Any] = {}
        for attribute, setting in setting_names.items():
            value = settings.get(setting)
            if value not in (None, "") and value != DEFAULTS.get(attribute):
                values[attribute] = value
        variable = re.sub(r"[^A-Z0-9]+", "_", live.key.upper()).strip("_")
        if declared == "sftp":
            secret = "password" if settings.get("authType", "Password") == "Password" else "private_key"
            values[secret] = "${" + f"{variable}_{secret.upper()}" + "}"
        else:
            for attribute in secret_names:
                values[attribute] = "${" + f"{variable}_{attribute.upper()}" + "}"
        data[declared] = values
        return Definition(data)
