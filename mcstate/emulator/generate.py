"""A realistic account for the emulator: hundreds of objects of every kind, as years of hand work leave them.

`seed_account(db, seed=..., size=...)` fills an emulated account with folders, data extensions, imports,
queries, filters and filter activities, data extracts, file transfers and automations. Everything an API
user can create goes through the emulator's own handlers (SOAP objects) and REST API, so the service's
rules apply to the generated account exactly as to any client's writes; what only the platform creates
(system data extensions, shared data extensions of the parent business unit, data extensions synchronized
from Salesforce and their root folder) is written to the store directly.

Two parts:

* the catalogue, always created: every field type and its variants (Text lengths, Decimal precision and
  scale, defaults such as GetDate()), primary keys, required fields, both sendable relationships, testable,
  every retention kind, odd names and keys (spaces, dots, slashes, brackets, quotes, YAML look-alikes,
  accents, CJK, right-to-left scripts, emoji, the longest keys), folders seven levels deep, imports of every
  mapping and update type, multi-line queries of every update type, filters using every operator each
  field type allows in nested all/any trees, extracts, file transfers, automations with every recurrence and
  multi-activity steps; plus objects mcstate cannot manage or represent (see `SeedReport`);
* random objects in the same styles, `size` data extensions and the other kinds in proportion.

The content (keys, names, attributes, order) depends only on `seed` and `size`; the identifiers and
timestamps the emulator assigns do not. Folder names never contain "/" except one folder made on purpose
(mcstate writes folders as "/"-separated paths, so such a folder cannot be written as a definition).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcstate.emulator import rules
from mcstate.emulator.app import default_handlers
from mcstate.emulator.auth import Tokens
from mcstate.emulator.codec import XSI_TYPE, XNode
from mcstate.emulator.enterprise import make_children
from mcstate.emulator.model import DataExtension, Field, Folder
from mcstate.emulator.rest import EXTRACTS, TRANSFERS, RestApi
from mcstate.emulator.service import ObjectHandler, Outcome
from mcstate.emulator.store import Store

DEFAULT_SEED = 5
DEFAULT_SIZE = 100

# Root folders of a fresh account (rules.ROOT_FOLDERS).
DE_ROOT = 2
SHARED_DE_ROOT = 3
QUERY_ROOT = 4
FILTER_ROOT = 5
FILTER_ACTIVITY_ROOT = 6
TRIGGERED_SEND_TEMPLATE = "B6E8AE4C-3D93-49B1-B299-E0AE734213DD"
AUTOMATION_ROOT = 7

SYNCHRONIZED_ROOT_NAME = "Synchronized Data Extensions"
SYNCHRONIZED_CONTENT_TYPE = "synchronizeddataextension"

ENHANCED_FTP = "ExactTarget Enhanced FTP"
SFTP_KEY = "crm_sftp"

SCHEDULE_NO_END = "2079-06-06T00:00:00"
"""How Automation Studio spells a schedule without an end date."""

# -- vocabulary -------------------------------------------------------------------------------------------

SUBJECTS = (
    "Customers", "Orders", "Order Lines", "Products", "Loyalty Members", "Newsletter Subscribers",
    "Web Events", "Store Visits", "Survey Responses", "Leads", "Preferences", "Returns", "Abandoned Carts",
    "Event Registrations", "Coupons", "App Installs", "Sweepstakes Entries", "Wishlists", "Price Alerts",
    "Service Cases",
)  # fmt: skip
REGIONS = ("EMEA", "NA", "APAC", "LATAM", "DACH", "UK", "Nordics", "France", "Japan", "Benelux")
QUALIFIERS = (
    "Daily",
    "Staging",
    "Master",
    "Archive",
    "Sample",
    "Seed",
    "Delta",
    "Full",
    "Snapshot",
    "Working",
)
FOLDER_WORDS = (
    "CRM", "Campaigns", "Journeys", "Lifecycle", "Transactional", "Loyalty", "Web", "Stores", "Events",
    "Reporting", "Segments", "Imports", "Exports", "Sandbox", "Seasonal", "Retention", "Onboarding",
)  # fmt: skip
DESCRIPTIONS = (
    "",
    "Synced nightly from the CRM",
    "Built by the lifecycle team; ask #crm-ops before changing",
    "Multi-line description:\nfirst line\nsecond line",
    "Quotes ' and \" and: a colon, # and a hash",
    "Unicode — em dash, “curly quotes”, ✓ and 日本語",
    "Ends with spaces   ",
    "   starts with spaces",
    "- looks like a YAML list item",
    "null",
)
TIME_ZONES = (
    "Central Standard Time",
    "Eastern Standard Time",
    "W. Europe Standard Time",
    "GMT Standard Time",
    "Tokyo Standard Time",
    "UTC",
)
WORK_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
WEEKEND = ("Saturday", "Sunday")
FIRST_NAMES = ("Ana", "Björn", "Chloé", "Dmitri", "Émile", "Fatima", "Hiro", "Ines", "Jonas", "Zoë")

# (name, key) pairs that test how names and keys survive YAML, file names and the wire.
ODD_DATA_EXTENSIONS: tuple[tuple[str, str], ...] = (
    ("Kunden Österreich", "kunden_österreich"),
    ("Clientes España (2024)", "clientes-españa-2024"),
    ("顧客マスター", "顧客マスター"),
    ("고객 목록", "customers_ko"),
    ("Русский список", "russian_список"),
    ("עברית רשימה", "hebrew_רשימה"),
    ("Ελληνικά Μέλη", "greek_μέλη"),
    ("Café & Crème Members", "cafe.creme.members"),
    ("🎉 Promo Winners 🎉", "promo_winners_🎉"),
    ("Emoji key", "🚀"),
    ("Q3.2024 Results.final", "q3.2024.results.final"),
    ("A/B Test Variants", "ab/test/variants"),
    ("Orders 2024 (slash key)", "orders/2024"),
    ("Orders 2024 (underscore key)", "orders_2024"),
    ("Orders 2024 (space key)", "orders 2024"),
    ("[DRAFT] Welcome Journey", "[draft]_welcome"),
    ('O\'Brien "VIP" List', 'obrien_"vip"_list'),
    ("null", "null"),
    ("Yes", "yes"),
    ("2024-01-01", "2024-01-01"),
    ("12345", "00123"),
    ("1e3", "1e3"),
    ("# not a comment", "#hash"),
    ("key: value", "colon: key"),
    ("Trailing dot.", "trailing."),
    ("..", "..."),
    ("Back\\slash", "back\\slash"),
    ("Percent 100%", "100%"),
    ("Tilde ~ and asterisk *", "*star~"),
    ("UPPER CASE KEY", "UPPER_CASE_KEY"),
    ("Mixed Case Key", "MiXeD_CaSe"),
    ("CON", "CON"),
    ("Longest key", "k" * 200),
    ("Longest unicode key", "長" * 100),
)
ODD_FIELD_NAMES = ("First Name", "Straße", "電話番号", "E-Mail", "Opt_In", "Zip Code", "Nº", "Amount (EUR)")
ODD_FOLDER_NAMES = (
    "Kampagnen Übersicht", "顧客データ", "🚀 Launches", "v2.0 (beta)", "[Old] Stuff", "It's \"quoted\"",
    "Dots.In.Name", "Ünïcödé – Ñame", "null", "2024",
)  # fmt: skip
SLASH_FOLDER_NAME = "Imports/Exports"

TEXT_LENGTHS = (1, 10, 50, 100, 255, 500, 4000)
DECIMALS = ((18, 2), (5, 5), (38, 0), (10, 4), (1, 0), (12, 6), (38, 18))
DATE_DEFAULTS = ("GetDate()", "getdate()", "GETDATE()")
RETENTION = (
    # (policy, period (length, unit code) or None, until (en-US) or None, reset on import)
    ("individual_records", (7, 3), None, False),
    ("individual_records", (2, 4), None, True),
    ("all_records", (6, 5), None, False),
    ("all_records", None, "12/31/2030 12:00:00 AM", False),
    ("all_records_and_data_extension", (1, 6), None, True),
    ("all_records_and_data_extension", None, "6/1/2029 12:00:00 AM", False),
    ("individual_records", None, "1/15/2031 12:00:00 AM", False),
    ("all_records", (90, 3), None, True),
)


def _bracket(name: str) -> str:
    """A name as a T-SQL bracketed identifier: a "]" inside it is doubled."""
    return "[" + name.replace("]", "]]") + "]"


@dataclass
class SeedReport:
    """What was generated: objects created per kind, and the ones mcstate cannot manage, with why."""

    seed: int
    size: int
    counts: dict[str, int] = field(default_factory=dict)
    cannot_manage: list[tuple[str, str, str]] = field(default_factory=list)
    """(kind, key, why) of objects another part of the platform owns (system, shared and synchronized data
    extensions, their folders) or that mcstate cannot address (a folder whose name holds "/")."""
    not_representable: list[tuple[str, str, str]] = field(default_factory=list)
    """(kind, key, why) of objects made with options no definition can express, created on purpose."""
    business_units: list[tuple[int, str, SeedReport]] = field(default_factory=list)
    """(MID, name, what was generated there) of each child business unit."""

    def count(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class GenerationError(RuntimeError):
    """The emulator refused a generated object: the generator, not the account, is wrong."""


@dataclass
class _DataExtension:
    key: str
    name: str
    object_id: str
    fields: list[dict[str, Any]]
    """As sent: Name, FieldType, MaxLength, Precision, Scale, IsPrimaryKey, IsRequired, DefaultValue."""

    @property
    def has_primary_key(self) -> bool:
        return any(f.get("IsPrimaryKey") for f in self.fields)

    def of_type(self, *types: str) -> list[dict[str, Any]]:
        return [f for f in self.fields if f.get("FieldType", "Text") in types]


@dataclass
class _Activity:
    kind: str  # the ActivityObject's xsi:type
    key: str
    object_id: str


def _nodes(name: str, value: Any) -> list[XNode]:
    """Request elements from plain values: a mapping is an element (XSI_TYPE names its xsi:type), a list
    repeats the element, None leaves it out, booleans are written as the service reads them."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [node for item in value for node in _nodes(name, item)]
    if isinstance(value, Mapping):
        children = [node for key, item in value.items() if key != XSI_TYPE for node in _nodes(key, item)]
        return [XNode(name, value.get(XSI_TYPE), "", children)]
    if isinstance(value, bool):
        return [XNode(name, None, "true" if value else "false")]
    return [XNode(name, None, str(value))]


class _Account:
    """Writes objects as a client would, through the emulator's handlers and REST API."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.handlers: dict[str, ObjectHandler] = {h.object_type: h for h in default_handlers()}
        tokens = Tokens(store, None, None, 3600)
        status, answer = tokens.issue(
            json.dumps(
                {"grant_type": "client_credentials", "client_id": "generator", "client_secret": "generator"}
            ).encode(),
            "http://generator.invalid/",
        )
        assert status == 200, answer
        self.rest = RestApi(store, tokens)
        self.authorization = f"Bearer {answer['access_token']}"

    def create(self, values: Mapping[str, Any]) -> Outcome:
        object_type = str(values[XSI_TYPE])
        handler = self.handlers[object_type]
        (node,) = _nodes("Objects", values)
        item = handler.read(node, "Create")
        try:
            with self.store.transaction():
                return handler.create(self.store, item)
        except rules.ApiError as error:
            label = values.get("CustomerKey") or values.get("Name")
            raise GenerationError(f"{object_type} {label!r}: {error.code} {error.message}") from error

    def post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.send("POST", path, body)

    def send(self, method: str, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        answer = self.rest.handle(method, path, "", self.authorization, json.dumps(body).encode())
        if answer.status >= 300:
            raise GenerationError(f"{method} {path} {body.get('name')!r}: {answer.body.decode()}")
        return dict(json.loads(answer.body))

    def update(self, values: Mapping[str, Any]) -> Outcome:
        object_type = str(values[XSI_TYPE])
        handler = self.handlers[object_type]
        (node,) = _nodes("Objects", values)
        item = handler.read(node, "Update")
        with self.store.transaction():
            return handler.update(self.store, item)


class _Generator:
    def __init__(self, store: Store, seed: int, size: int) -> None:
        self.rng = random.Random(seed)
        self.store = store
        self.account = _Account(store)
        self.size = max(size, 0)
        self.report = SeedReport(seed, size)
        self.names: set[str] = set()
        self.keys: dict[str, set[str]] = {}
        self.folders: dict[int, list[int]] = {}  # root ID -> folder IDs below it, roots included
        self.data_extensions: list[_DataExtension] = []
        self.shared: list[_DataExtension] = []
        self.activities: list[_Activity] = []
        # A child business unit has no shared folders of its own (the parent shares them).
        self.shares = store.unit.is_parent

    # -- helpers ----------------------------------------------------------------------------------------

    def _unique_key(self, kind: str, key: str) -> str:
        taken = self.keys.setdefault(kind, set())
        candidate, number = key, 2
        while candidate.casefold() in taken:
            candidate = f"{key}_{number}"
            number += 1
        taken.add(candidate.casefold())
        return candidate

    def _unique_name(self, kind: str, name: str) -> str:
        candidate, number = name, 2
        while f"{kind}:{candidate.casefold()}" in self.names:
            candidate = f"{name} {number}"
            number += 1
        self.names.add(f"{kind}:{candidate.casefold()}")
        return candidate

    def _description(self) -> str:
        return self.rng.choice(DESCRIPTIONS) if self.rng.random() < 0.6 else ""

    def _folder_in(self, root: int) -> int:
        return self.rng.choice(self.folders.get(root, [self._root(root)]))

    def _root(self, root: int) -> int:
        """The ID, in this business unit, of a root folder of rules.ROOT_FOLDERS."""
        return self.store.root_folder_id(root)

    def _slug(self, text: str) -> str:
        return "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_")

    # -- folders ----------------------------------------------------------------------------------------

    def folder(self, parent: int, name: str, content_type: str, description: str = "") -> int:
        if content_type in rules.REST_CREATED_FOLDER_TYPES:
            # As the service allows: the category API creates the folder, SOAP describes it.
            created = self.account.post(
                "email/v1/category", {"parentCatId": parent, "name": name, "catType": content_type}
            )
            if description:
                self.account.update(
                    {XSI_TYPE: "DataFolder", "ID": created["categoryId"], "Description": description}
                )
            self.report.count("Folder")
            return int(created["categoryId"])
        outcome = self.account.create(
            {
                XSI_TYPE: "DataFolder",
                "ParentFolder": {"ID": parent},
                "Name": name,
                "Description": description,
                "ContentType": content_type,
                "IsActive": True,
                "IsEditable": True,
                "AllowChildren": True,
            }
        )
        self.report.count("Folder")
        return outcome.new_id

    def make_folders(self) -> None:
        trees = (
            (DE_ROOT, "dataextension"),
            (QUERY_ROOT, "queryactivity"),
            (FILTER_ROOT, "filterdefinition"),
            (FILTER_ACTIVITY_ROOT, "filteractivity"),
            (AUTOMATION_ROOT, "automations"),
        )
        for root, content_type in trees:
            self.folders[root] = [self._root(root)]
            # Seven levels below the root, the deepest first so that every level holds something.
            parent = self._root(root)
            for depth, word in enumerate(("Archive", "2024", "Q1", "January", "Week 1", "Raw", "Staging"), 1):
                parent = self.folder(parent, word, content_type, f"level {depth}" if depth % 2 else "")
                self.folders[root].append(parent)
        for name in ODD_FOLDER_NAMES:
            self.folders[DE_ROOT].append(
                self.folder(self._root(DE_ROOT), name, "dataextension", self._description())
            )
        for root, content_type in trees:
            count = max(2, self.size // (8 if root == DE_ROOT else 20))
            for _ in range(count):
                parent = self.rng.choice(self.folders[root][: 1 + len(self.folders[root]) // 2])
                siblings = {f.name.casefold() for f in self.store.child_folders(parent)}
                name = self.rng.choice(FOLDER_WORDS)
                if name.casefold() in siblings:
                    name = f"{name} {self.rng.choice(REGIONS)}"
                if name.casefold() in siblings:
                    continue
                self.folders[root].append(self.folder(parent, name, content_type, self._description()))

    # -- data extensions --------------------------------------------------------------------------------

    def data_extension(
        self,
        key: str,
        name: str,
        fields: list[dict[str, Any]],
        *,
        folder: int | None = None,
        sendable: tuple[str, str] | None = None,
        testable: bool = False,
        retention: tuple[str, tuple[int, int] | None, str | None, bool] | None = None,
        description: str | None = None,
        template: str | None = None,
    ) -> _DataExtension:
        key = self._unique_key("DataExtension", key)
        name = self._unique_name("DataExtension", name)
        values: dict[str, Any] = {
            XSI_TYPE: "DataExtension",
            "CustomerKey": key,
            "Name": name,
            "Description": self._description() if description is None else description,
            "IsSendable": sendable is not None,
            "IsTestable": testable,
        }
        if sendable is not None:
            values["SendableDataExtensionField"] = {"Name": sendable[0]}
            values["SendableSubscriberField"] = {"Name": sendable[1]}
        if template is not None:
            values["Template"] = {"CustomerKey": template}
        if retention is not None:
            policy, period, until, reset = retention
            if period is not None:
                values["DataRetentionPeriodLength"] = period[0]
                values["DataRetentionPeriodUnitOfMeasure"] = period[1]
            values["RowBasedRetention"] = policy == "individual_records"
            values["DeleteAtEndOfRetentionPeriod"] = policy == "all_records"
            values["ResetRetentionPeriodOnImport"] = reset
            values["RetainUntil"] = until or ""
        values["CategoryID"] = folder if folder is not None else self._folder_in(DE_ROOT)
        values["Fields"] = {"Field": [{**spec, "Ordinal": index} for index, spec in enumerate(fields)]}
        outcome = self.account.create(values)
        self.report.count("DataExtension")
        created = _DataExtension(key, name, str(outcome.new_object_id), fields)
        self.data_extensions.append(created)
        return created

    def _random_field(self, used: set[str]) -> dict[str, Any]:
        kind = self.rng.choice(
            (
                "Text",
                "Text",
                "Text",
                "Number",
                "Date",
                "Boolean",
                "EmailAddress",
                "Phone",
                "Decimal",
                "Locale",
            )
        )
        base = {
            "Text": ("City", "Country", "Segment", "Status", "Source", "Channel", "Tier", "Notes", "Code"),
            "Number": ("Points", "Visits", "Quantity", "Age", "Score", "StoreId"),
            "Date": ("CreatedAt", "LastOpen", "LastPurchase", "BirthDate", "ExpiresAt"),
            "Boolean": ("OptIn", "IsActive", "HasApp", "IsVip"),
            "EmailAddress": ("Email", "AltEmail", "WorkEmail"),
            "Phone": ("Mobile", "Phone", "Fax"),
            "Decimal": ("Balance", "Revenue", "Discount", "Price"),
            "Locale": ("Locale", "PreferredLocale"),
        }[kind]
        name = self.rng.choice(base + (ODD_FIELD_NAMES if kind == "Text" else ()))
        if name.casefold() in used:
            name = f"{name}{len(used)}"
        used.add(name.casefold())
        spec: dict[str, Any] = {"Name": name, "FieldType": kind}
        if kind == "Text" and self.rng.random() < 0.7:
            spec["MaxLength"] = self.rng.choice(TEXT_LENGTHS)
        if kind == "Phone" and self.rng.random() < 0.3:
            spec["MaxLength"] = 20
        if kind == "Decimal":
            spec["Precision"], spec["Scale"] = self.rng.choice(DECIMALS)
        if self.rng.random() < 0.2:
            spec["IsRequired"] = True
        if self.rng.random() < 0.25:
            default = {
                "Text": "unknown",
                "Number": str(self.rng.randint(0, 100)),
                "Date": self.rng.choice(DATE_DEFAULTS),
                "Boolean": self.rng.choice(("false", "true", "False", "True")),
                "EmailAddress": "noreply@example.com",
                "Phone": "",
                "Decimal": self.rng.choice(("0", "0.50", "1.0", "12.345")),
                "Locale": "en-US",
            }[kind]
            if default:
                spec["DefaultValue"] = default
        return spec

    def _random_fields(self, with_key: bool) -> list[dict[str, Any]]:
        used: set[str] = set()
        fields: list[dict[str, Any]] = []
        if with_key:
            name = self.rng.choice(("SubscriberKey", "ContactKey", "Id", "OrderId", "Subscriber Key"))
            used.add(name.casefold())
            length = self.rng.choice((None, 36, 50, 254))
            spec = {"Name": name, "FieldType": "Text", "IsPrimaryKey": True, "IsRequired": True}
            if length is not None:
                spec["MaxLength"] = length
            fields.append(spec)
        for _ in range(self.rng.randint(1, 14)):
            fields.append(self._random_field(used))
        return fields

    def catalogue_data_extensions(self) -> None:
        every_type = [
            {"Name": "Id", "FieldType": "Text", "MaxLength": 36, "IsPrimaryKey": True, "IsRequired": True},
            {"Name": "Name", "FieldType": "Text"},
            {"Name": "Email", "FieldType": "EmailAddress", "IsRequired": True},
            {"Name": "Mobile", "FieldType": "Phone"},
            {"Name": "Visits", "FieldType": "Number", "DefaultValue": "0"},
            {"Name": "Balance", "FieldType": "Decimal", "Precision": 18, "Scale": 2},
            {"Name": "JoinedAt", "FieldType": "Date", "DefaultValue": "GetDate()"},
            {"Name": "OptIn", "FieldType": "Boolean", "DefaultValue": "false"},
            {"Name": "Locale", "FieldType": "Locale", "DefaultValue": "en-US"},
        ]
        self.data_extension("every_field_type", "Every Field Type", every_type, folder=self._root(DE_ROOT))
        self.data_extension(
            "text_lengths",
            "Text Lengths",
            [{"Name": f"Text{length}", "FieldType": "Text", "MaxLength": length} for length in TEXT_LENGTHS]
            + [{"Name": "TextDefaultLength", "FieldType": "Text"}, {"Name": "NoType"}],
        )
        self.data_extension(
            "decimal_precisions",
            "Decimal Precisions",
            [
                {
                    "Name": f"D{precision}_{scale}",
                    "FieldType": "Decimal",
                    "Precision": precision,
                    "Scale": scale,
                }
                for precision, scale in DECIMALS
            ],
        )
        self.data_extension(
            "default_values",
            "Default Values",
            [
                {"Name": "TextDefault", "FieldType": "Text", "DefaultValue": "n/a"},
                {"Name": "TextNumberLike", "FieldType": "Text", "DefaultValue": "007"},
                {"Name": "TextYamlLike", "FieldType": "Text", "DefaultValue": "yes"},
                {"Name": "TextQuoted", "FieldType": "Text", "DefaultValue": "it's \"quoted\""},
                {"Name": "NumberDefault", "FieldType": "Number", "DefaultValue": "42"},
                {"Name": "NegativeDefault", "FieldType": "Number", "DefaultValue": "-1"},
                {"Name": "DecimalDefault", "FieldType": "Decimal", "Precision": 9, "Scale": 2,
                 "DefaultValue": "0.50"},
                {"Name": "DecimalWhole", "FieldType": "Decimal", "Precision": 9, "Scale": 1,
                 "DefaultValue": "1.0"},
                *(
                    {"Name": f"Date{index}", "FieldType": "Date", "DefaultValue": value}
                    for index, value in enumerate(DATE_DEFAULTS)
                ),
                {"Name": "BoolTrue", "FieldType": "Boolean", "DefaultValue": "True"},
                {"Name": "BoolFalse", "FieldType": "Boolean", "DefaultValue": "false"},
                {"Name": "LocaleDefault", "FieldType": "Locale", "DefaultValue": "de-DE"},
                {"Name": "EmailDefault", "FieldType": "EmailAddress", "DefaultValue": "noreply@example.com"},
                {"Name": "RequiredWithDefault", "FieldType": "Text", "IsRequired": True, "DefaultValue": "x"},
            ],
        )  # fmt: skip
        subscriber = [
            {"Name": "SubscriberKey", "FieldType": "Text", "MaxLength": 254, "IsPrimaryKey": True,
             "IsRequired": True},
            {"Name": "Email", "FieldType": "EmailAddress", "IsRequired": True},
            {"Name": "FirstName", "FieldType": "Text", "MaxLength": 100},
        ]  # fmt: skip
        self.data_extension(
            "sendable_subscriber_key",
            "Sendable by Subscriber Key",
            subscriber,
            sendable=("SubscriberKey", "Subscriber Key"),
            testable=True,
        )
        self.data_extension(
            "sendable_number_key",
            "Sendable by Number",
            [{"Name": "ContactId", "FieldType": "Number", "IsPrimaryKey": True, "IsRequired": True},
             {"Name": "Email", "FieldType": "EmailAddress"}],
            sendable=("ContactId", "Subscriber Key"),
        )  # fmt: skip
        self.data_extension(
            "sendable_email",
            "Sendable by Email Address",
            [{"Name": "Email Address", "FieldType": "EmailAddress", "IsPrimaryKey": True, "IsRequired": True},
             {"Name": "Name", "FieldType": "Text"}],
            sendable=("Email Address", "Email Address"),
            testable=True,
        )  # fmt: skip
        for index, retention in enumerate(RETENTION):
            policy = retention[0]
            self.data_extension(
                f"retention_{index}_{policy}",
                f"Retention {index} {policy.replace('_', ' ')}",
                [{"Name": "Id", "FieldType": "Number", "IsPrimaryKey": True, "IsRequired": True},
                 {"Name": "Payload", "FieldType": "Text", "MaxLength": 4000}],
                retention=retention,
            )  # fmt: skip
        self.data_extension(
            "composite_key",
            "Composite Primary Key",
            [{"Name": "OrderId", "FieldType": "Text", "MaxLength": 20, "IsPrimaryKey": True},
             {"Name": "Line", "FieldType": "Number", "IsPrimaryKey": True},
             {"Name": "Sku", "FieldType": "Text", "IsRequired": True},
             {"Name": "Amount", "FieldType": "Decimal", "Precision": 12, "Scale": 2}],
        )  # fmt: skip
        self.data_extension(
            "no_primary_key",
            "No Primary Key",
            [{"Name": "Event", "FieldType": "Text"}, {"Name": "At", "FieldType": "Date"}],
        )
        used: set[str] = set()
        self.data_extension(
            "wide_table",
            "Wide Table (60 fields)",
            [{"Name": "Id", "FieldType": "Text", "IsPrimaryKey": True}]
            + [self._random_field(used) for _ in range(59)],
        )
        self.data_extension(
            "deepest_folder",
            "In the Deepest Folder",
            [{"Name": "Id", "FieldType": "Number", "IsPrimaryKey": True}],
            folder=self.folders[DE_ROOT][7],
        )
        for name, key in ODD_DATA_EXTENSIONS:
            used = set()
            fields = [{"Name": self.rng.choice(ODD_FIELD_NAMES), "FieldType": "Text", "IsPrimaryKey": True}]
            used.add(fields[0]["Name"].casefold())
            fields += [self._random_field(used) for _ in range(self.rng.randint(1, 4))]
            self.data_extension(key, name, fields)

    def random_data_extensions(self) -> None:
        for index in range(self.size):
            subject = self.rng.choice(SUBJECTS)
            name = f"{subject} {self.rng.choice(REGIONS)} {self.rng.choice(QUALIFIERS)}"
            key = f"{self._slug(name)}_{index:03d}"
            fields = self._random_fields(with_key=self.rng.random() < 0.75)
            sendable = None
            testable = False
            keys = [f for f in fields if f.get("IsPrimaryKey")]
            emails = [f for f in fields if f.get("FieldType") == "EmailAddress"]
            if keys and self.rng.random() < 0.3:
                sendable = (keys[0]["Name"], "Subscriber Key")
                testable = self.rng.random() < 0.5
            elif emails and self.rng.random() < 0.2:
                sendable = (emails[0]["Name"], "Email Address")
            retention = self.rng.choice(RETENTION) if self.rng.random() < 0.15 else None
            self.data_extension(key, name, fields, sendable=sendable, testable=testable, retention=retention)

    # -- what only the platform creates ------------------------------------------------------------------

    def _platform_data_extension(
        self, key: str, name: str, category_id: int, fields: Sequence[tuple[str, str, int | None]]
    ) -> _DataExtension:
        now = rules.server_now()
        de = DataExtension(
            object_id=str(uuid.uuid4()),
            customer_key=key,
            name=name,
            description="",
            is_sendable=False,
            is_testable=False,
            sendable_field_id=None,
            sendable_subscriber_field=None,
            template_key=None,
            retention_length=None,
            retention_unit=None,
            row_based_retention=False,
            reset_retention_on_import=False,
            delete_at_end_of_retention=False,
            retain_until="",
            category_id=category_id,
            row_count=0,
            created=now,
            modified=now,
        )
        with self.store.transaction():
            self.store.insert_data_extension(de)
            for ordinal, (field_name, field_type, length) in enumerate(fields):
                self.store.insert_field(
                    Field(
                        object_id=str(uuid.uuid4()),
                        de_object_id=de.object_id,
                        name=field_name,
                        field_type=field_type,
                        max_length=length,
                        scale=None,
                        is_required=ordinal == 0,
                        is_primary_key=ordinal == 0,
                        default_value="",
                        ordinal=ordinal,
                        created=now,
                        modified=now,
                    )
                )
        self.keys.setdefault("DataExtension", set()).add(key.casefold())
        self.names.add(f"DataExtension:{name.casefold()}")
        self.report.count("DataExtension")
        specs = [{"Name": n, "FieldType": t, "IsPrimaryKey": i == 0} for i, (n, t, _) in enumerate(fields)]
        return _DataExtension(key, name, de.object_id, specs)

    def _shared_data_extensions(self) -> None:
        """The parent's shared data extensions: its Shared Data Extensions folder and one below it."""
        report = self.report.cannot_manage
        shared_root = self._root(SHARED_DE_ROOT)
        brand = self.folder(shared_root, "Brand Assets", "shared_dataextension", "shared by the parent")
        report.append(("Folder", "Shared Data Extensions/Brand Assets", "folder of shared data extensions"))
        for key, name, folder in (
            ("global_suppression", "Global Suppression", shared_root),
            ("shared_preferences", "Shared Preferences", brand),
            ("shared_stores", "Shared Stores 🏬", brand),
        ):
            created = self._platform_data_extension(
                key, name, folder, [("SubscriberKey", "Text", 254), ("Email", "EmailAddress", 254)]
            )
            self.shared.append(created)
            report.append(("DataExtension", key, "shared data extension"))

    def unmanageable(self) -> None:
        report = self.report.cannot_manage
        system = ("MobileAddress", "MobileSubscription", "PushAddress", "ChatMessagingSubscription")
        for name in system:
            self._platform_data_extension(
                name, name, rules.SYSTEM_DATA_EXTENSION_CATEGORY_ID, [("ContactKey", "Text", 254)]
            )
            report.append(("DataExtension", name, "system data extension"))
        if self.shares:
            self._shared_data_extensions()
        synchronized = self._platform_folder(SYNCHRONIZED_ROOT_NAME, SYNCHRONIZED_CONTENT_TYPE)
        for name in ("Contact_Salesforce", "Lead_Salesforce", "Account_Salesforce"):
            self._platform_data_extension(
                name, name, synchronized, [("Id", "Text", 18), ("Name", "Text", 255)]
            )
            report.append(("DataExtension", name, "synchronized data extension"))
        # mcstate writes folders as "/"-separated paths: a name with "/" in it cannot be written as one.
        slashed = self.folder(self._root(DE_ROOT), SLASH_FOLDER_NAME, "dataextension", "a slash in the name")
        report.append(("Folder", f"Data Extensions/{SLASH_FOLDER_NAME}", "folder name contains '/'"))
        inside = self.data_extension(
            "in_slashed_folder",
            "In a Folder Named with a Slash",
            [{"Name": "Id", "FieldType": "Number", "IsPrimaryKey": True}],
            folder=slashed,
        )
        self.report.not_representable.append(("DataExtension", inside.key, "folder name contains '/'"))

    def account_shapes(self) -> None:
        """Data extensions real accounts hold in shapes a client cannot create over the API (older tools,
        the UI): a retention with both a period and a date, no fields at all; and those it can, based on a
        template or sendable by e-mail address. mcstate manages them all. Other generated objects do not use
        them (their fields are not what the generator made)."""
        kept = list(self.data_extensions)
        dated = self.data_extension(
            "retention_period_and_date",
            "Retention With a Period and a Date",
            [{"Name": "Id", "FieldType": "Number", "IsPrimaryKey": True, "IsRequired": True}],
            retention=("individual_records", (6, 5), None, False),
        )
        empty = self.data_extension(
            "no_fields_left", "No Fields Left", [{"Name": "Gone", "FieldType": "Text", "MaxLength": 50}]
        )
        with self.store.transaction():
            stored = self.store.data_extension(dated.object_id)
            assert stored is not None
            stored.retain_until = "5/9/2024 12:00:00 AM"
            self.store.update_data_extension(stored)
            for field in self.store.fields_of(empty.object_id):
                self.store.delete_field(field.object_id)
        self.data_extension(
            "triggered_send_template",
            "Based on the Triggered Send Template",
            [
                {"Name": "SubscriberKey", "FieldType": "Text", "MaxLength": 254, "IsPrimaryKey": True,
                 "IsRequired": True},
                {"Name": "EmailAddress", "FieldType": "EmailAddress", "MaxLength": 254},
            ],
            sendable=("SubscriberKey", "Subscriber Key"),
            template=TRIGGERED_SEND_TEMPLATE,
        )  # fmt: skip
        self.data_extension(
            "sendable_by_email_address",
            "Sendable by Email Address",
            [{"Name": "Email Address", "FieldType": "EmailAddress", "MaxLength": 254, "IsPrimaryKey": True,
              "IsRequired": True}],
            sendable=("Email Address", "Email Address"),
        )  # fmt: skip
        self.data_extensions = kept

    def _platform_folder(self, name: str, content_type: str) -> int:
        now = rules.server_now()
        with self.store.transaction():
            folder_id = self.store.next_folder_id()
            self.store.insert_folder(
                Folder(
                    id=folder_id,
                    object_id=str(uuid.uuid4()),
                    customer_key=str(uuid.uuid4()).upper(),
                    name=name,
                    description="",
                    content_type=content_type,
                    parent_id=0,
                    is_active=True,
                    is_editable=False,
                    allow_children=True,
                    created=now,
                    modified=now,
                )
            )
        return folder_id

    # -- imports ----------------------------------------------------------------------------------------

    def import_definition(
        self,
        key: str,
        name: str,
        destination: _DataExtension,
        *,
        mapping: str = "InferFromColumnHeadings",
        update_type: str = "AddAndUpdate",
        file_type: str = "CSV",
        delimiter: str | None = ",",
        header_lines: int | None = 1,
        code_page: int | None = 65001,
        locale: str | None = "en-US",
        location: str = ENHANCED_FTP,
        allow_errors: bool = False,
        notification: tuple[str, str] | None = None,
        by_ordinal: bool = False,
    ) -> None:
        key = self._unique_key("ImportDefinition", key)
        values: dict[str, Any] = {
            XSI_TYPE: "ImportDefinition",
            "CustomerKey": key,
            "Name": name,
            "Description": self._description(),
            "AllowErrors": allow_errors,
            "DestinationObject": {XSI_TYPE: "DataExtension", "ObjectID": destination.object_id},
            "FieldMappingType": mapping,
            "FileSpec": f"{self._slug(destination.name) or 'file'}_%%YEAR%%%%MONTH%%%%DAY%%.csv",
            "FileType": file_type,
            "RetrieveFileTransferLocation": {"CustomerKey": location},
            "UpdateType": update_type,
            "Delimiter": delimiter,
            "HeaderLines": header_lines,
            "DateFormattingLocale": {"LocaleCode": locale} if locale else None,
            "EncodingCodePage": code_page,
        }
        if mapping == "ManualMap":
            maps = []
            for ordinal, spec in enumerate(destination.fields):
                mapped = spec.get("IsRequired") or spec.get("IsPrimaryKey") or ordinal == 0
                if mapped or self.rng.random() < 0.6:
                    # Positions count from 1 for data extensions (from 0 for lists).
                    source: dict[str, Any] = (
                        {"SourceOrdinal": ordinal + 1}
                        if by_ordinal
                        else {"SourceName": self._slug(spec["Name"]) or f"column{ordinal}"}
                    )
                    maps.append({**source, "DestinationName": spec["Name"]})
            values["FieldMaps"] = {"FieldMap": maps}
        if update_type == "ColumnBased":
            values["ControlColumn"] = "Action"
            values["ControlColumnDefaultAction"] = self.rng.choice(("Skip", "AddAndUpdate"))
            values["ControlColumnActions"] = {
                "ControlColumnAction": [
                    {"Value": "A", "Action": "AddAndUpdate"},
                    {"Value": "N", "Action": "AddButDoNotUpdate"},
                    {"Value": "U", "Action": "UpdateButDoNotAdd"},
                    {"Value": "D", "Action": "Delete"},
                    {"Value": "S", "Action": "Skip"},
                ]
            }
        if notification is not None:
            values["Notification"] = {
                "ResponseType": "email",
                "ResponseAddress": notification[0],
                "RespondWhen": notification[1],
            }
        outcome = self.account.create(values)
        self.report.count("ImportDefinition")
        self.activities.append(_Activity("ImportDefinition", key, str(outcome.new_object_id)))

    def _without_key(self) -> list[_DataExtension]:
        return [de for de in self.data_extensions if not de.has_primary_key]

    def _with_key(self) -> list[_DataExtension]:
        return [de for de in self.data_extensions if de.has_primary_key]

    def import_history(self) -> None:
        """Results of imports that ran before (ImportResultsSummary): a real account has its history."""
        imports = [activity for activity in self.activities if activity.kind == "ImportDefinition"]
        for activity in imports[:5]:
            total = self.rng.randint(0, 5000)
            errors = self.rng.randint(0, 3) if self.rng.random() < 0.3 else 0
            duplicated = self.rng.randint(0, 10) if self.rng.random() < 0.3 else 0
            started = rules.server_now() - dt.timedelta(
                days=self.rng.randint(1, 30), minutes=self.rng.randint(0, 600)
            )
            definition = self.account.store.import_definition(activity.object_id)
            destination = (
                self.account.store.data_extension(definition.destination_object_id) if definition else None
            )
            self.account.store.add_import_result(
                {
                    "import_key": activity.key,
                    "destination_id": destination.customer_key if destination is not None else "",
                    "start_date": started.isoformat(),
                    "end_date": (started + dt.timedelta(seconds=self.rng.randint(5, 300))).isoformat(),
                    "status": rules.IMPORT_STATUS_ERROR
                    if errors and self.rng.random() < 0.5
                    else "Completed",
                    "total_rows": total,
                    "successful": max(0, total - errors - duplicated),
                    "duplicated": duplicated,
                    "errors": errors,
                }
            )
            self.report.count("ImportResultsSummary")

    def imports(self) -> None:
        for mapping in ("InferFromColumnHeadings", "MapByOrdinal", "ManualMap"):
            for update_type in (
                "AddAndUpdate",
                "AddAndDoNotUpdate",
                "UpdateButDoNotAdd",
                "Overwrite",
                "ColumnBased",
            ):
                pool = self._without_key() if update_type == "Overwrite" else self.data_extensions
                destination = self.rng.choice(pool)
                self.import_definition(
                    f"import_{self._slug(mapping)}_{self._slug(update_type)}",
                    f"Import {mapping} {update_type}",
                    destination,
                    mapping=mapping,
                    update_type=update_type,
                )  # fmt: skip
        variants: list[dict[str, Any]] = [
            {"file_type": "TAB", "delimiter": "\t"},
            {"file_type": "Other", "delimiter": "|"},
            {"file_type": "Other", "delimiter": ";"},
            {"header_lines": 0},
            {"header_lines": 3},
            {"code_page": 1200},
            {"code_page": 28591},
            {"code_page": 1252},
            {"code_page": 20127},
            {"locale": "en-GB"},
            {"locale": "de-DE"},
            {"locale": "ja-JP"},
            {"location": SFTP_KEY},
            {"allow_errors": True, "notification": ("crm-ops@example.com", "Always")},
            {"notification": ("ops+alerts@example.com", "OnError")},
        ]
        for index, options in enumerate(variants):
            self.import_definition(
                f"import_variant_{index:02d}",
                f"Import Variant {index} {' '.join(options)}",
                self.rng.choice(self.data_extensions),
                **options,
            )
        # A manual map that names the file's columns by position (SourceOrdinal), as other tools write it.
        self.import_definition(
            "import_manual_by_position",
            "Import Manual Map by Column Position",
            self.rng.choice(self.data_extensions),
            mapping="ManualMap",
            by_ordinal=True,
        )
        self.report.not_representable.append(
            ("ImportDefinition", "import_manual_by_position", "manual map by column position")
        )
        odd = self.rng.choice([de for de in self.data_extensions if not de.key.isascii()])
        self.import_definition("Import ünïcödé 🚚", "Import ünïcödé 🚚", odd, mapping="ManualMap")
        for index in range(self.size // 3):
            destination = self.rng.choice(self.data_extensions)
            update_type = self.rng.choice(
                ("AddAndUpdate", "AddAndUpdate", "AddAndDoNotUpdate", "UpdateButDoNotAdd")
            )
            self.import_definition(
                f"imp_{self._slug(destination.name)}_{index:03d}",
                f"Import {destination.name} {index}",
                destination,
                mapping=self.rng.choice(("InferFromColumnHeadings", "MapByOrdinal", "ManualMap")),
                update_type=update_type,
                allow_errors=self.rng.random() < 0.3,
            )  # fmt: skip

    # -- queries ----------------------------------------------------------------------------------------

    def _sql(self, target: _DataExtension) -> str:
        """SQL that compiles against the account, as the service's own check on save wants: it reads a
        data extension that has every column it selects, and fills the target's primary-key and required
        fields."""
        needed = [f["Name"] for f in target.fields if f.get("IsPrimaryKey") or f.get("IsRequired")]
        columns = list(dict.fromkeys([*needed, *(f["Name"] for f in target.fields[:6])]))
        wanted = {name.casefold() for name in columns}
        sources = [de for de in self.data_extensions if wanted <= {f["Name"].casefold() for f in de.fields}]
        source = self.rng.choice(sources)  # the target itself is one
        select = ",\n       ".join(
            f"s.{name}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) else f"s.{_bracket(name)}"
            for name in columns
        )
        dates = [f["Name"] for f in source.fields if f.get("FieldType") == "Date"]
        texts = [f["Name"] for f in target.fields if f.get("FieldType", "Text") == "Text"]
        style = self.rng.randrange(4)
        if style == 0:
            return f"SELECT {select}\nFROM {_bracket(source.name)} s\nWHERE 1 = 1"
        if style == 1:
            recent = (
                f"  AND s.{_bracket(dates[0])} > DATEADD(day, -30, GETDATE())  -- last month\n"
                if dates
                else ""
            )
            return (
                # A name holding "*/" would end the comment early.
                f"/* Segment for {target.name.replace('*/', '* /')} */\n"
                f"SELECT {select}\n"
                f"FROM {_bracket(source.name)} s\n"
                f"\tLEFT JOIN {_bracket(target.name)} t\n"
                f"\t\tON t.{_bracket(columns[0])} = s.{_bracket(columns[0])}\n"
                f"WHERE t.{_bracket(columns[0])} IS NULL\n{recent}"
            )
        if style == 2:
            where = f"where  {_bracket(texts[0])} = 'Gültig'   \r\n" if texts else ""
            return f"select top 1000 *\r\nfrom   {_bracket(target.name)}\r\n{where}order by 1"
        return (
            "WITH ranked AS (\n"
            f"    SELECT s.*,\n"
            f"           ROW_NUMBER() OVER (PARTITION BY s.{_bracket(columns[0])}\n"
            f"                              ORDER BY s.{_bracket(columns[-1])} DESC) AS rn\n"
            f"    FROM {_bracket(source.name)} s\n"
            ")\n"
            f"SELECT {', '.join(_bracket(c) for c in columns)}\n"
            "FROM ranked\n"
            "WHERE rn = 1\n"
        )

    def query(
        self, key: str, name: str, target: _DataExtension, update_type: str, folder: int | None = None
    ) -> None:
        key = self._unique_key("QueryDefinition", key)
        outcome = self.account.create(
            {
                XSI_TYPE: "QueryDefinition",
                "CustomerKey": key,
                "Name": name,
                "Description": self._description(),
                "QueryText": self._sql(target),
                "TargetType": "DE",
                "DataExtensionTarget": {"CustomerKey": target.key, "Name": target.name},
                "TargetUpdateType": update_type,
                "CategoryID": folder if folder is not None else self._folder_in(QUERY_ROOT),
            }
        )
        self.report.count("QueryDefinition")
        self.activities.append(_Activity("QueryDefinition", key, str(outcome.new_object_id)))

    def queries(self) -> None:
        for update_type in ("Overwrite", "Update", "Append"):
            pool = self._with_key() if update_type == "Update" else self.data_extensions
            self.query(
                f"query_{update_type.lower()}", f"Query {update_type}", self.rng.choice(pool), update_type
            )
        deepest = self.folders[QUERY_ROOT][7]
        self.query(
            "query_in_deepest_folder",
            "Query in the Deepest Folder",
            self.data_extensions[0],
            "Overwrite",
            deepest,
        )
        # A query named like its target, and one that writes into a data extension shared by the parent.
        target = self.data_extensions[1]
        self.query(target.key, target.name, target, "Append")
        if self.shared:
            self.query("into_shared", "Into the Shared Preferences", self.shared[1], "Append")
        self.query("クエリ 日本", "クエリ 日本", self.rng.choice(self.data_extensions), "Overwrite")
        for index in range(self.size // 2):
            target = self.rng.choice(self.data_extensions)
            update_type = self.rng.choice(
                ("Overwrite", "Overwrite", "Append") + (("Update",) if target.has_primary_key else ())
            )
            self.query(
                f"qry_{self._slug(target.name)}_{index:03d}",
                f"Refresh {target.name} #{index}",
                target,
                update_type,
            )

    # -- filters ----------------------------------------------------------------------------------------

    def _values(self, field_type: str, count: int) -> list[str]:
        if field_type == "Date":
            days = sorted(self.rng.sample(range(1, 365), count))
            moments = [dt.date(2024, 1, 1) + dt.timedelta(days=d) for d in days]
            return [m.isoformat() + ("T00:00:00" if self.rng.random() < 0.5 else "") for m in moments]
        if field_type == "Number":
            return [str(n) for n in sorted(self.rng.sample(range(-5, 500), count))]
        if field_type == "Decimal":
            return [f"{n / 4:.2f}" for n in sorted(self.rng.sample(range(0, 4000), count))]
        if field_type == "Boolean":
            return [self.rng.choice(("true", "false", "True", "False"))]
        if field_type == "EmailAddress":
            return [f"{self.rng.choice(FIRST_NAMES).lower()}{n}@example.com" for n in range(count)]
        if field_type == "Phone":
            return [f"+1555{self.rng.randint(1000000, 9999999)}" for _ in range(count)]
        if field_type == "Locale":
            return self.rng.sample(["en-US", "en-GB", "de-DE", "fr-FR", "ja-JP"], count)
        words = ["Seattle", "Portland", "München", "東京", "São Paulo", "O'Hare", "a, b", "%VIP%", "Gold"]
        return self.rng.sample(words, count)

    def _comparison(self, spec: Mapping[str, Any], operator: str | None = None) -> dict[str, Any]:
        field_type = spec.get("FieldType", "Text")
        family = rules.filter_operator_family(field_type)
        operator = operator or self.rng.choice(sorted(rules.FILTER_OPERATORS_BY_TYPE[family]))
        part: dict[str, Any] = {
            XSI_TYPE: "SimpleFilterPart",
            "Property": spec["Name"],
            "SimpleOperator": operator,
        }
        if operator in rules.FILTER_VALUE_FREE_OPERATORS:
            return part
        count = 2 if operator == "between" else self.rng.randint(2, 4) if operator == "IN" else 1
        values = self._values(field_type, count)
        part["DateValue" if field_type == "Date" else "Value"] = values
        return part

    def _tree(self, fields: Sequence[Mapping[str, Any]], depth: int) -> dict[str, Any]:
        if depth <= 0 or self.rng.random() < 0.3:
            return self._comparison(self.rng.choice(fields))
        logical = self.rng.choice(("AND", "OR"))
        operands = [self._tree(fields, depth - 1) for _ in range(self.rng.randint(2, 4))]
        return self._group(logical, operands)

    def _group(self, logical: str, operands: list[dict[str, Any]]) -> dict[str, Any]:
        if len(operands) == 1:
            return operands[0]
        if len(operands) > 2 and self.rng.random() < 0.3:
            # As other tools write it: the extra operands beside a binary part.
            return {
                XSI_TYPE: "ComplexFilterPart",
                "LeftOperand": operands[0],
                "LogicalOperator": logical,
                "RightOperand": operands[1],
                "AdditionalOperands": {"Operand": operands[2:]},
            }
        part = {XSI_TYPE: "ComplexFilterPart", "LeftOperand": operands[0], "LogicalOperator": logical,
                "RightOperand": operands[1]}  # fmt: skip
        for extra in operands[2:]:
            part = {XSI_TYPE: "ComplexFilterPart", "LeftOperand": part, "LogicalOperator": logical,
                    "RightOperand": extra}  # fmt: skip
        return part

    def filter_definition(
        self, key: str, name: str, source: _DataExtension, data_filter: dict[str, Any]
    ) -> None:
        key = self._unique_key("FilterDefinition", key)
        name = self._unique_name("FilterDefinition", name)
        outcome = self.account.create(
            {
                XSI_TYPE: "FilterDefinition",
                "CustomerKey": key,
                "Name": name,
                "Description": self._description(),
                "DataSource": {XSI_TYPE: "DataExtension", "ObjectID": source.object_id},
                "DataFilter": data_filter,
                "CategoryID": self._folder_in(FILTER_ROOT),
            }
        )
        self.report.count("FilterDefinition")
        self.filter_activity(key, name, source, str(outcome.new_object_id))

    def filter_activity(self, filter_key: str, name: str, source: _DataExtension, filter_id: str) -> None:
        """The filter activity applying a data filter, into a data extension other than its source."""
        destination = self.rng.choice([de for de in self.data_extensions if de.key != source.key])
        key = self._unique_key("FilterActivity", f"fa_{self._slug(filter_key)}"[:32])
        outcome = self.account.create(
            {
                XSI_TYPE: "FilterActivity",
                "CustomerKey": key,
                "Name": self._unique_name("FilterActivity", f"Run {name}"),
                "Description": self._description(),
                "FilterDefinitionID": filter_id,
                "SourceObjectID": source.object_id,
                "SourceTypeID": rules.FILTER_ACTIVITY_DATA_EXTENSION_TYPE,
                "DestinationObjectID": destination.object_id,
                "DestinationTypeID": rules.FILTER_ACTIVITY_DATA_EXTENSION_TYPE,
            }
        )
        activity_id = str(outcome.new_object_id)
        folder = self._folder_in(FILTER_ACTIVITY_ROOT)
        if folder != self._root(FILTER_ACTIVITY_ROOT):
            self.account.send("PATCH", f"automation/v1/filters/{activity_id}", {"categoryId": folder})
        self.report.count("FilterActivity")
        self.activities.append(_Activity("FilterActivity", key, activity_id))

    def filters(self) -> None:
        every_type = self.data_extensions[0]
        for field_type in ("Text", "EmailAddress", "Phone", "Locale", "Number", "Decimal", "Date", "Boolean"):
            (spec,) = every_type.of_type(field_type)[:1]
            family = rules.filter_operator_family(field_type)
            comparisons = [
                self._comparison(spec, op) for op in sorted(rules.FILTER_OPERATORS_BY_TYPE[family])
            ]
            self.filter_definition(
                f"filter_every_{field_type.lower()}_operator",
                f"Every {field_type} Operator",
                every_type,
                self._group("OR", comparisons),
            )
        nested = self._group(
            "AND",
            [
                self._comparison(every_type.of_type("Boolean")[0], "equals"),
                self._group("OR", [self._comparison(every_type.of_type("Date")[0], "isNull"),
                                   self._comparison(every_type.of_type("Date")[0], "lessThan")]),
                self._group("OR", [self._group("AND", [self._comparison(every_type.of_type("Number")[0]),
                                                       self._comparison(every_type.of_type("Text")[0])]),
                                   self._comparison(every_type.of_type("Decimal")[0], "between")]),
            ],
        )  # fmt: skip
        self.filter_definition("filter_nested", "Nested All and Any", every_type, nested)
        self.filter_definition(
            "filter_single",
            "A Single Comparison",
            every_type,
            self._comparison(every_type.fields[1], "equals"),
        )
        self.filter_definition(
            "Filter Ünïcödé ✓", "Filter Ünïcödé ✓", every_type, self._tree(every_type.fields, 4)
        )
        for index in range(self.size // 3):
            source = self.rng.choice(self.data_extensions)
            self.filter_definition(
                f"flt_{self._slug(source.name)}_{index:03d}",
                f"{source.name} {self.rng.choice(('Engaged', 'Lapsed', 'VIP', 'New', 'Opted In'))}",
                source,
                self._tree(source.fields, self.rng.randint(0, 4)),
            )

    # -- data extracts and file transfers (REST) ---------------------------------------------------------

    def extract(self, key: str, name: str, source: _DataExtension, **options: Any) -> None:
        key = self._unique_key("DataExtract", key)
        fields = [
            {"name": "DECustomerKey", "type": "string", "value": source.key},
            {"name": "HasColumnHeaders", "type": "bool", "value": options.get("headers", "True")},
            {"name": "ColumnDelimiter", "type": "string", "value": options.get("delimiter", ",")},
            {"name": "TextQualified", "type": "bool", "value": options.get("qualified", "False")},
            {"name": "UsesLineFeed", "type": "bool", "value": options.get("line_feed", "False")},
        ]
        created = self.account.post(
            EXTRACTS,
            {
                "name": name,
                "key": key,
                "description": self._description(),
                "dataExtractTypeId": rules.DATA_EXTENSION_EXTRACT_TYPE_ID,
                "fileSpec": f"{self._slug(source.name) or 'extract'}_%%Year%%%%Month%%%%Day%%.csv",
                "dataFields": fields,
            },
        )
        self.report.count("DataExtract")
        self.activities.append(_Activity("DataExtractActivity", key, str(created["dataExtractDefinitionId"])))

    def extracts(self) -> None:
        options: list[dict[str, str]] = [
            {},
            {"headers": "False"},
            {"delimiter": "\t"},
            {"delimiter": "|", "qualified": "True"},
            {"delimiter": ";", "line_feed": "True"},
            {"headers": "False", "qualified": "True", "line_feed": "True"},
        ]
        for index, option in enumerate(options):
            source = self.rng.choice(self.data_extensions)
            self.extract(f"extract_variant_{index}", f"Extract Variant {index}", source, **option)
        for index in range(self.size // 8):
            source = self.rng.choice(self.data_extensions)
            self.extract(
                f"ext_{self._slug(source.name)}_{index:03d}", f"Extract {source.name} {index}", source
            )
        # Extract types other than Data Extension Extract: mcstate manages only data extension extracts.
        type_ids = dict(rules.DATA_EXTRACT_TYPES)
        for type_name, data_fields in (
            ("Zip", [{"name": "ZipFileName", "type": "string", "value": "archive.zip"}]),
            ("Tracking Extract", [{"name": "ExtractSent", "type": "bool", "value": "True"}]),
        ):
            key = self._unique_key("DataExtract", f"other_type_{self._slug(type_name)}")
            created = self.account.post(
                EXTRACTS,
                {
                    "name": f"{type_name} of the nightly files",
                    "key": key,
                    "description": "",
                    "dataExtractTypeId": type_ids[type_name],
                    "fileSpec": "nightly_%%Year%%%%Month%%%%Day%%.zip",
                    "dataFields": data_fields,
                },
            )
            self.report.count("DataExtract")
            self.report.not_representable.append(("DataExtract", key, f"extract type {type_name}"))
            self.activities.append(
                _Activity("DataExtractActivity", key, str(created["dataExtractDefinitionId"]))
            )

    def transfer(self, key: str, name: str, location: rules.FileLocationSeed, **flags: bool) -> None:
        key = self._unique_key("FileTransfer", key)
        created = self.account.post(
            TRANSFERS,
            {
                "name": name,
                "customerKey": key,
                "description": self._description(),
                "fileSpec": f"{self._slug(name)}_%%Year%%%%Month%%%%Day%%.csv",
                "fileTransferLocationId": location.id,
                "isUpload": flags.get("upload", True),
                "isCompressed": flags.get("compressed", False),
                "isEncrypted": flags.get("encrypted", False),
            },
        )
        self.report.count("FileTransfer")
        self.activities.append(_Activity("FileTransferActivity", key, str(created["id"])))

    def transfers(self) -> None:
        enhanced, sftp = (
            next(s for s in rules.FILE_LOCATIONS if s.name == ENHANCED_FTP),
            next(s for s in rules.FILE_LOCATIONS if s.customer_key == SFTP_KEY),
        )
        variants: list[tuple[rules.FileLocationSeed, dict[str, bool]]] = [
            (enhanced, {}),
            (sftp, {}),
            (enhanced, {"upload": False, "compressed": True}),
            (enhanced, {"upload": False, "encrypted": True}),
            (sftp, {"upload": False, "compressed": True, "encrypted": True}),
        ]
        for index, (location, flags) in enumerate(variants):
            self.transfer(f"transfer_variant_{index}", f"Transfer Variant {index}", location, **flags)
        for index in range(self.size // 8):
            location = self.rng.choice((enhanced, sftp))
            self.transfer(
                f"xfer_{index:03d}", f"Move {self.rng.choice(SUBJECTS)} to {location.name} {index}", location
            )

    # -- automations ------------------------------------------------------------------------------------

    def _schedule(self, recurrence: str, **options: Any) -> dict[str, Any]:
        start = dt.datetime(2025, 1, 6, 2, 0) + dt.timedelta(
            days=self.rng.randint(0, 300), minutes=15 * self.rng.randint(0, 90)
        )
        patterns = {
            "Minutely": ("MinutelyRecurrence", {"MinutelyRecurrencePatternType": "Interval",
                                                "MinuteInterval": options.get("interval", 15)}),
            "Hourly": ("HourlyRecurrence", {"HourlyRecurrencePatternType": "Interval",
                                            "HourInterval": options.get("interval", 1)}),
            "Daily": ("DailyRecurrence", {"DailyRecurrencePatternType": "Interval",
                                          "DayInterval": options.get("interval", 1)}),
            "Weekly": ("WeeklyRecurrence", {"WeeklyRecurrencePatternType": "ByDay",
                                            "WeekInterval": options.get("interval", 1),
                                            **{day: day in options.get("days", ("Monday",))
                                               for day in rules.SCHEDULE_WEEKDAYS}}),
            "Monthly": ("MonthlyRecurrence", {"MonthlyRecurrencePatternType": "ByDay",
                                              "MonthlyInterval": options.get("interval", 1),
                                              "ScheduledDay": options.get("day", 1)}),
        }  # fmt: skip
        subtype, pattern = patterns[recurrence]
        schedule: dict[str, Any] = {
            "Recurrence": {XSI_TYPE: subtype, **pattern},
            "RecurrenceType": recurrence,
            "StartDateTime": start.isoformat(),
            "TimeZone": {"Name": options.get("time_zone", self.rng.choice(TIME_ZONES))},
        }
        if "occurrences" in options:
            schedule["RecurrenceRangeType"] = "EndAfter"
            schedule["Occurrences"] = options["occurrences"]
        else:
            schedule["RecurrenceRangeType"] = "EndOn"
            end = (
                start + dt.timedelta(days=options["days_until_end"]) if "days_until_end" in options else None
            )
            schedule["EndDateTime"] = end.isoformat() if end else SCHEDULE_NO_END
        return schedule

    def _steps(self, count: int) -> list[list[_Activity]]:
        return [self.rng.sample(self.activities, self.rng.randint(1, 3)) for _ in range(count)]

    def automation(
        self,
        key: str,
        name: str,
        steps: list[list[_Activity]],
        schedule: dict[str, Any] | None,
        active: bool,
        folder: int | None = None,
        automation_type: str = "scheduled",
    ) -> None:
        key = self._unique_key("Automation", key)
        name = self._unique_name("Automation", name)
        tasks = [
            {
                "Name": f"Step {number}",
                "Activities": {
                    "Activity": [
                        {"ActivityObject": {XSI_TYPE: a.kind, "ObjectID": a.object_id, "CustomerKey": a.key}}
                        for a in step
                    ]
                },
            }
            for number, step in enumerate(steps, start=1)
        ]
        self.account.create(
            {
                XSI_TYPE: "Automation",
                "CustomerKey": key,
                "Name": name,
                "Description": self._description(),
                "Schedule": schedule,
                "AutomationTasks": {"AutomationTask": tasks},
                "IsActive": active,
                "AutomationType": automation_type,
                "CategoryID": str(folder if folder is not None else self._folder_in(AUTOMATION_ROOT)),
            }
        )
        self.report.count("Automation")

    def automations(self) -> None:
        every_kind = [
            [next(a for a in self.activities if a.kind == "ImportDefinition")],
            [next(a for a in self.activities if a.kind == "FilterActivity"),
             next(a for a in self.activities if a.kind == "QueryDefinition")],
            [next(a for a in self.activities if a.kind == "DataExtractActivity")],
            [next(a for a in self.activities if a.kind == "FileTransferActivity")],
        ]  # fmt: skip
        schedules: list[tuple[str, dict[str, Any] | None]] = [
            ("no_schedule", None),
            ("minutely", self._schedule("Minutely", interval=5)),
            ("every_30_minutes", self._schedule("Minutely", interval=30, occurrences=100)),
            ("hourly", self._schedule("Hourly")),
            ("every_6_hours", self._schedule("Hourly", interval=6, days_until_end=90)),
            ("daily", self._schedule("Daily", time_zone="Central Standard Time")),
            ("every_3_days", self._schedule("Daily", interval=3, occurrences=12)),
            ("weekly", self._schedule("Weekly", days=("Monday",))),
            ("weekdays", self._schedule("Weekly", days=WORK_DAYS, time_zone="Tokyo Standard Time")),
            ("every_2_weeks", self._schedule("Weekly", interval=2, days=WEEKEND, days_until_end=365)),
            ("monthly", self._schedule("Monthly", day=1)),
            ("monthly_31st", self._schedule("Monthly", day=31, interval=3, occurrences=4)),
        ]  # fmt: skip
        for index, (label, schedule) in enumerate(schedules):
            steps = every_kind if index == 0 else self._steps(self.rng.randint(1, 5))
            self.automation(
                f"automation_{label}",
                f"Automation {label.replace('_', ' ')}",
                steps,
                schedule,
                active=schedule is not None and index % 2 == 0,
            )
        deepest = self.folders[AUTOMATION_ROOT][7]
        self.automation(
            "automation_deepest", "Automation in the Deepest Folder", self._steps(2), None, False, deepest
        )
        self.automation(
            "Automatisierung Ünïcödé 🤖", "Automatisierung Ünïcödé 🤖", self._steps(3), None, False
        )
        for index in range(self.size // 6):
            recurrence = self.rng.choice(("Hourly", "Daily", "Daily", "Weekly", "Monthly"))
            options: dict[str, Any] = {}
            if recurrence == "Weekly":
                options["days"] = tuple(self.rng.sample(rules.SCHEDULE_WEEKDAYS, self.rng.randint(1, 3)))
            if recurrence == "Monthly":
                options["day"] = self.rng.randint(1, 28)
            schedule = self._schedule(recurrence, **options) if self.rng.random() < 0.8 else None
            self.automation(
                f"auto_{index:03d}",
                f"{self.rng.choice(SUBJECTS)} {self.rng.choice(('Nightly', 'Weekly', 'Hourly'))} {index}",
                self._steps(self.rng.randint(1, 6)),
                schedule,
                active=schedule is not None and self.rng.random() < 0.6,
            )

    def unsupported_automations(self) -> None:
        """Schedules Automation Studio offers that mcstate does not write, and a triggered automation."""
        base = self._schedule("Daily")
        cases: list[tuple[str, dict[str, Any] | None, str, str]] = [
            (
                "automation_yearly",
                {**base, "RecurrenceType": "Yearly",
                 "Recurrence": {XSI_TYPE: "YearlyRecurrence", "YearlyRecurrencePatternType": "ByMonthAndDay",
                                "ScheduledDay": 24, "ScheduledMonth": "December"}},
                "scheduled",
                "yearly schedule",
            ),
            (
                "automation_first_monday",
                {**base, "RecurrenceType": "Monthly",
                 "Recurrence": {XSI_TYPE: "MonthlyRecurrence", "MonthlyRecurrencePatternType": "ByWeek",
                                "MonthlyInterval": 1, "ScheduledWeek": "First",
                                "ScheduledDayOfWeek": "Monday"}},
                "scheduled",
                "monthly schedule by week",
            ),
            (
                "automation_every_weekday",
                {**base,
                 "Recurrence": {XSI_TYPE: "DailyRecurrence", "DailyRecurrencePatternType": "EveryWeekDay"}},
                "scheduled",
                "daily schedule on week days",
            ),
            ("automation_file_drop", None, "triggered", "triggered automation"),
        ]  # fmt: skip
        for key, schedule, automation_type, why in cases:
            self.automation(
                key, key.replace("_", " ").title(), self._steps(2), schedule, False, None, automation_type
            )
            listing = (
                self.report.cannot_manage if automation_type == "triggered" else self.report.not_representable
            )
            listing.append(("Automation", key, why))

    # -- what ran before: automation instances, activity runs, tracking -------------------------------------

    def run_history(self) -> None:
        """Instances of automations that ran before, with their activities' runs (AutomationInstance and
        AsyncActivityStatus): a real account has its history, some of it failed."""
        store = self.account.store
        for automation in store.automations()[:3]:
            for _ in range(self.rng.randint(1, 3)):
                start = rules.server_now() - dt.timedelta(
                    days=self.rng.randint(1, 30), hours=self.rng.randint(0, 12)
                )
                instance_id = str(uuid.uuid4())
                failed_step = self.rng.choice([None, None, len(automation.tasks)])
                activities = []
                moment = start
                for number, task in enumerate(automation.tasks, start=1):
                    for activity in task["activities"]:
                        failed = failed_step == number
                        end = moment + dt.timedelta(seconds=self.rng.randint(2, 120))
                        status = rules.ASYNC_STATUS_ERROR if failed else rules.ASYNC_STATUS_COMPLETE
                        message = "Error: the run timed out" if failed else "OK"
                        task_id = str(uuid.uuid4())
                        key, object_id = activity["customer_key"] or "", activity["object_id"]
                        store.add_activity_run(
                            {
                                "task_id": task_id, "object_type": activity["type"],
                                "object_id": object_id, "customer_key": key,
                                "name": activity.get("name") or key, "status": status,
                                "status_message": message, "error_message": message if failed else None,
                                "start_time": moment.isoformat(), "end_time": end.isoformat(),
                                "processed": self.rng.randint(0, 5000), "instance_id": instance_id,
                            }
                        )  # fmt: skip
                        activities.append(
                            {
                                "step": number, "name": activity.get("name") or "", "type": activity["type"],
                                "object_id": object_id, "customer_key": key, "task_id": task_id,
                                "status": status, "message": message, "start": moment.isoformat(),
                                "end": end.isoformat(),
                            }
                        )  # fmt: skip
                        self.report.count("AsyncActivityStatus")
                        moment = end
                store.add_automation_instance(
                    {
                        "id": instance_id, "automation_id": automation.object_id,
                        "status": rules.INSTANCE_ERROR if failed_step else rules.INSTANCE_COMPLETE,
                        "start_time": start.isoformat(), "end_time": moment.isoformat(),
                        "error_message": f"Step {failed_step}: the run timed out" if failed_step else None,
                        "activities": json.dumps(activities),
                    }
                )  # fmt: skip
                self.report.count("AutomationInstance")

    def tracking(self) -> None:
        """Sends, opens, clicks, bounces and unsubscribes of the last weeks for some subscribers, in the
        system data views (deterministic: the seed decides)."""
        now = rules.server_now()
        keys = [f"{self.rng.randint(100000, 999999)}" for _ in range(40)]
        views: dict[str, list[dict[str, str]]] = {
            "_Job": [],
            "_Sent": [],
            "_Open": [],
            "_Click": [],
            "_Bounce": [],
        }
        views["_Unsubscribe"] = []
        for job in range(3):
            job_id = str(4000 + job)
            sent_at = now - dt.timedelta(days=7 * (job + 1), hours=self.rng.randint(0, 6))
            views["_Job"].append(
                {
                    "JobID": job_id,
                    "EmailName": f"Newsletter {job + 1}",
                    "DeliveredTime": sent_at.isoformat(" "),
                }
            )
            for key in keys:
                base = {"SubscriberKey": key, "JobID": job_id, "AccountID": str(self.store.mid)}
                views["_Sent"].append({**base, "EventDate": sent_at.isoformat(" ")})
                roll = self.rng.random()
                if roll < 0.05:
                    views["_Bounce"].append(
                        {**base, "EventDate": sent_at.isoformat(" "), "BounceCategory": "Hard bounce"}
                    )
                    continue
                if roll < 0.45:
                    opened = sent_at + dt.timedelta(hours=self.rng.randint(1, 48))
                    views["_Open"].append({**base, "EventDate": opened.isoformat(" "), "IsUnique": "True"})
                    if self.rng.random() < 0.3:
                        views["_Click"].append(
                            {**base, "EventDate": opened.isoformat(" "), "URL": "https://nto.example/offer"}
                        )
                if self.rng.random() < 0.01:
                    views["_Unsubscribe"].append({**base, "EventDate": sent_at.isoformat(" ")})
        for view, rows in views.items():
            self.account.store.add_data_view_rows(view, rows)  # type: ignore[arg-type]
            self.report.count(view)

    # -- everything -------------------------------------------------------------------------------------

    def run(self) -> SeedReport:
        self.make_folders()
        self.catalogue_data_extensions()
        self.random_data_extensions()
        self.unmanageable()
        self.account_shapes()
        self.imports()
        self.import_history()
        self.queries()
        self.filters()
        self.extracts()
        self.transfers()
        self.automations()
        self.unsupported_automations()
        self.run_history()
        self.tracking()
        return self.report


def seed_store(store: Store, *, seed: int = DEFAULT_SEED, size: int = DEFAULT_SIZE) -> SeedReport:
    """Fill the account in `store` (which should be fresh) with a generated account."""
    return _Generator(store, seed, size).run()


def seed_account(
    db_path: Path, *, seed: int = DEFAULT_SEED, size: int = DEFAULT_SIZE, business_units: int = 0
) -> SeedReport:
    """Reset the account in a database file and fill it with a generated account; with `business_units`,
    that account is the parent of an enterprise of that many child business units (each a database beside
    it), replacing the children it had. The children are generated alike (with the next seed), as the
    development, QA and production business units of one team start: a comparison of two of them shows only
    what was changed in one since."""
    store = Store(Path(db_path))
    try:
        store.reset()
        report = seed_store(store, seed=seed, size=size)
        for child in make_children(store, business_units):
            try:
                report.business_units.append(
                    (child.mid, child.name, seed_store(child.store, seed=seed + 1, size=size))
                )
            finally:
                child.store.close()
        return report
    finally:
        store.close()
