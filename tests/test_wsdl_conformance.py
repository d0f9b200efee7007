"""The packaged WSDL against the published Marketing Cloud WSDL and recorded service responses.

mcstate ships its own subset of etframework.wsdl. Everything it declares must describe the wire format
exactly as the published WSDL does, otherwise zeep would send requests or expect responses that the real
service does not produce. The published WSDL and the recorded responses are reference material outside the
repository: point MCSTATE_REFERENCE_DIR at the directory holding etframework.wsdl and payloads/.
"""

from __future__ import annotations

import difflib
import functools
import os
import socket
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import zeep
from lxml import etree
from zeep.exceptions import XMLParseError
from zeep.wsdl.definitions import Binding, Operation

from mcstate.wsdl import wsdl_path

REFERENCE_ENV = "MCSTATE_REFERENCE_DIR"

XSD_NS = "http://www.w3.org/2001/XMLSchema"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
TNS = "http://exacttarget.com/wsdl/partnerAPI"
BINDING_QNAME = f"{{{TNS}}}SoapBinding"

# The one element the live service sends that the published WSDL lacks (SEMANTICS.md section 1).
IS_PLATFORM_OBJECT = "element IsPlatformObject type=xsd:boolean occurs=0..1"

OPERATIONS = {"Create", "Retrieve", "Update", "Delete", "Perform", "Describe", "GetSystemStatus"}

# Types mcstate reads or writes; each must be declared in full, never opaque.
FULL_TYPES = {
    "APIObject", "ClientID", "APIProperty", "Attribute", "AsyncResponse", "Options", "SaveOption",
    "CreateOptions", "UpdateOptions", "DeleteOptions", "RetrieveOptions", "PerformOptions",
    "SystemStatusOptions", "Result", "CreateResult", "UpdateResult", "DeleteResult", "PerformResult",
    "TaskResult", "SystemStatusResult", "SystemOutage", "RetrieveRequest", "FilterPart", "SimpleFilterPart",
    "ComplexFilterPart", "SimpleOperators", "LogicalOperators", "SaveAction", "DataExtension",
    "DataExtensionField", "DataExtensionTemplate", "DataFolder", "DataExtensionFieldType",
    "DateTimeUnitOfMeasure", "PropertyDefinition", "ObjectDefinition", "ObjectDefinitionRequest",
    "InteractionBaseObject", "InteractionDefinition", "ImportDefinition", "FieldMap",
    "ImportDefinitionFieldMappingType", "ImportDefinitionUpdateType", "ImportDefinitionColumnBasedAction",
    "FileTransferLocation", "Locale", "ImportResultsSummary", "QueryDefinition", "FilterDefinition",
    "FilterActivity", "ObjectExtension", "DataExtensionObject",
    "Automation", "AutomationTask", "AutomationActivity", "ScheduleDefinition", "Recurrence",
    "MinutelyRecurrence", "HourlyRecurrence", "DailyRecurrence", "WeeklyRecurrence", "MonthlyRecurrence",
    "YearlyRecurrence",
}  # fmt: skip


# --------------------------------------------------------------------------------------------------------
# Reading WSDL schemas into comparable, readable descriptions


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname


def _children(node: etree._Element) -> Iterator[etree._Element]:
    """Element children, without comments and documentation (neither is part of the wire format)."""
    for child in node:
        if isinstance(child.tag, str) and _local(child) != "annotation":
            yield child


def _qname(node: etree._Element, value: str) -> str:
    """A QName attribute value with its prefix resolved, written as xsd:x, tns:x or {namespace}x."""
    prefix, _, local = value.rpartition(":")
    namespace = node.nsmap.get(prefix or None)
    if namespace == XSD_NS:
        return f"xsd:{local}"
    if namespace == TNS:
        return f"tns:{local}"
    return f"{{{namespace}}}{local}"


def _occurs(node: etree._Element) -> str:
    return f"{node.get('minOccurs', '1')}..{node.get('maxOccurs', '1')}"


def _describe_particles(node: etree._Element, depth: int) -> list[str]:
    pad = "  " * depth
    lines: list[str] = []
    for child in _children(node):
        kind = _local(child)
        if kind == "element":
            line = f"{pad}element {child.get('name')}"
            if child.get("type") is not None:
                line += f" type={_qname(child, child.get('type'))}"
            line += f" occurs={_occurs(child)}"
            if child.get("nillable", "false") == "true":
                line += " nillable"
            if child.get("default") is not None:
                line += f" default={child.get('default')}"
            lines.append(line)
            for inner in _children(child):
                lines.extend(_describe_type(inner, depth + 1))
        elif kind in ("sequence", "choice", "all"):
            lines.append(f"{pad}{kind} occurs={_occurs(child)}")
            lines.extend(_describe_particles(child, depth + 1))
        elif kind == "any":
            lines.append(
                f"{pad}any occurs={_occurs(child)} namespace={child.get('namespace', '##any')}"
                f" processContents={child.get('processContents', 'strict')}"
            )
        elif kind == "attribute":
            attribute_type = _qname(child, child.get("type", "xsd:anySimpleType"))
            lines.append(
                f"{pad}attribute {child.get('name')} type={attribute_type} use={child.get('use', 'optional')}"
            )
        else:
            lines.append(f"{pad}{kind} (unsupported construct)")
    return lines


def _content_particles(node: etree._Element, depth: int) -> list[str]:
    """Particles of a type's content; a plain top-level sequence is transparent (empty or not)."""
    groups = list(_children(node))
    if len(groups) == 1 and _local(groups[0]) == "sequence" and _occurs(groups[0]) == "1..1":
        return _describe_particles(groups[0], depth)
    return _describe_particles(node, depth)


def _describe_type(node: etree._Element, depth: int = 0) -> list[str]:
    """One line per structural fact of a complexType or simpleType, nested content indented."""
    pad = "  " * depth
    if _local(node) == "simpleType":
        restriction = node.find(f"{{{XSD_NS}}}restriction")
        if restriction is None:
            return [f"{pad}simpleType (unsupported form)"]
        lines = [f"{pad}simpleType restriction base={_qname(restriction, restriction.get('base'))}"]
        for facet in _children(restriction):
            lines.append(f"{pad}  {_local(facet)} {facet.get('value')}")
        return lines
    head = f"{pad}complexType"
    if node.get("abstract", "false") == "true":
        head += " abstract"
    if node.get("mixed", "false") == "true":
        head += " mixed"
    content = node
    for wrapper in _children(node):
        if _local(wrapper) in ("complexContent", "simpleContent"):
            derivation = next(_children(wrapper))
            head += f" {_local(derivation)} base={_qname(derivation, derivation.get('base'))}"
            content = derivation
    return [head, *_content_particles(content, depth + 1)]


def _describe_element(node: etree._Element) -> list[str]:
    line = f"element {node.get('name')}"
    if node.get("type") is not None:
        line += f" type={_qname(node, node.get('type'))}"
    if node.get("nillable", "false") == "true":
        line += " nillable"
    lines = [line]
    for inner in _children(node):
        lines.extend(_describe_type(inner, 1))
    return lines


@dataclass
class Schema:
    types: dict[str, etree._Element]
    elements: dict[str, etree._Element]
    duplicates: list[str]


def _read_schema(tree: etree._ElementTree) -> Schema:
    schemas = [s for s in tree.iter(f"{{{XSD_NS}}}schema") if s.get("targetNamespace") == TNS]
    assert len(schemas) == 1, f"expected one schema for {TNS}, found {len(schemas)}"
    types: dict[str, etree._Element] = {}
    elements: dict[str, etree._Element] = {}
    duplicates: list[str] = []
    for node in _children(schemas[0]):
        kind = _local(node)
        table = types if kind in ("complexType", "simpleType") else elements if kind == "element" else None
        if table is None:
            continue
        name = node.get("name")
        if name in table:
            duplicates.append(f"{kind} {name}")
        table[name] = node
    return Schema(types, elements, duplicates)


def _is_opaque(node: etree._Element) -> bool:
    if _local(node) != "complexType":
        return False
    particles = [line.strip() for line in _describe_type(node)[1:]]
    return len(particles) == 1 and particles[0].startswith("any ") and "processContents=lax" in particles[0]


def _documentation(node: etree._Element) -> str:
    return " ".join(doc.text or "" for doc in node.iter(f"{{{XSD_NS}}}documentation"))


def _diff(name: str, expected: list[str], actual: list[str]) -> str:
    lines = difflib.unified_diff(expected, actual, "reference", "mcstate", lineterm="", n=2)
    return f"{name} differs from the reference:\n    " + "\n    ".join(list(lines)[2:])


def _expected_apiobject(reference: list[str]) -> list[str]:
    """The reference APIObject with the documented IsPlatformObject addition after CustomerKey."""
    expected = list(reference)
    for index, line in enumerate(expected):
        if line.strip().startswith("element CustomerKey "):
            pad = line[: len(line) - len(line.lstrip())]
            expected.insert(index + 1, pad + IS_PLATFORM_OBJECT)
            break
    return expected


def _type_references(node: etree._Element) -> set[str]:
    found: set[str] = set()
    for child in node.iter():
        if not isinstance(child.tag, str):
            continue
        for attribute in ("type", "base"):
            value = child.get(attribute)
            if value is not None and _qname(child, value).startswith("tns:"):
                found.add(_qname(child, value)[4:])
    return found


# --------------------------------------------------------------------------------------------------------
# Reading WSDL operations


@dataclass(frozen=True)
class OperationShape:
    input_message: str
    output_message: str
    input_parts: tuple[tuple[str, str], ...]
    output_parts: tuple[tuple[str, str], ...]
    soap_action: str | None
    style: str | None
    input_body: tuple[tuple[str, str], ...]
    output_body: tuple[tuple[str, str], ...]


def _operations(tree: etree._ElementTree) -> dict[str, OperationShape]:
    root = tree.getroot()
    w = f"{{{WSDL_NS}}}"
    soap = f"{{{SOAP_NS}}}"
    messages = {
        message.get("name"): tuple(
            (part.get("name"), _qname(part, part.get("element", part.get("type", ""))))
            for part in message.findall(f"{w}part")
        )
        for message in root.findall(f"{w}message")
    }
    bindings = {
        operation.get("name"): operation
        for binding in root.findall(f"{w}binding")
        for operation in binding.findall(f"{w}operation")
    }
    shapes: dict[str, OperationShape] = {}
    for port_type in root.findall(f"{w}portType"):
        for operation in port_type.findall(f"{w}operation"):
            name = operation.get("name")
            input_message = _qname(operation, operation.find(f"{w}input").get("message"))[4:]
            output_message = _qname(operation, operation.find(f"{w}output").get("message"))[4:]
            bound = bindings.get(name)
            soap_operation = bound.find(f"{soap}operation") if bound is not None else None

            def body(direction: str, bound: etree._Element | None = bound) -> tuple[tuple[str, str], ...]:
                node = bound.find(f"{w}{direction}/{soap}body") if bound is not None else None
                return tuple(sorted(node.attrib.items())) if node is not None else ()

            shapes[name] = OperationShape(
                input_message=input_message,
                output_message=output_message,
                input_parts=messages.get(input_message, ()),
                output_parts=messages.get(output_message, ()),
                soap_action=soap_operation.get("soapAction") if soap_operation is not None else None,
                style=soap_operation.get("style") if soap_operation is not None else None,
                input_body=body("input"),
                output_body=body("output"),
            )
    return shapes


def _endpoint_facts(tree: etree._ElementTree) -> list[str]:
    """Names and settings of portType, binding, service and port, which zeep and clients refer to."""
    root = tree.getroot()
    w = f"{{{WSDL_NS}}}"
    soap = f"{{{SOAP_NS}}}"
    facts = [f"targetNamespace {root.get('targetNamespace')}"]
    facts += [f"portType {node.get('name')}" for node in root.findall(f"{w}portType")]
    for binding in root.findall(f"{w}binding"):
        facts.append(f"binding {binding.get('name')} type={_qname(binding, binding.get('type'))}")
        for protocol in binding.findall(f"{soap}binding"):
            facts.append(
                f"  soap:binding style={protocol.get('style')} transport={protocol.get('transport')}"
            )
    for service in root.findall(f"{w}service"):
        facts.append(f"service {service.get('name')}")
        for port in service.findall(f"{w}port"):
            facts.append(f"  port {port.get('name')} binding={_qname(port, port.get('binding'))}")
            for address in port.findall(f"{soap}address"):
                facts.append(f"    soap:address {address.get('location')}")
    return facts


# --------------------------------------------------------------------------------------------------------
# Reference material and clients
#
# Reference lookups are plain functions rather than fixtures so that a missing file fails the test itself
# (a failing fixture would be reported as an error of the test setup).


def _reference_dir() -> Path:
    value = os.environ.get(REFERENCE_ENV)
    if not value:
        pytest.skip(f"{REFERENCE_ENV} is not set (the directory holding etframework.wsdl and payloads/)")
    return Path(value)


@functools.cache
def _parse_reference(path: Path) -> etree._ElementTree:
    return etree.parse(str(path))


def _reference_tree() -> etree._ElementTree:
    path = _reference_dir() / "etframework.wsdl"
    if not path.is_file():
        pytest.fail(f"{REFERENCE_ENV} is set but {path} does not exist")
    return _parse_reference(path)


@pytest.fixture(scope="module")
def own_tree() -> etree._ElementTree:
    return etree.parse(str(wsdl_path()))


class OfflineTransport(zeep.Transport):
    """A transport for which any fetch over the network is a test failure."""

    def _load_remote_data(self, url: str) -> bytes:
        raise AssertionError(f"loading the WSDL tried to fetch {url}")

    def post(self, address: str, message: Any, headers: Any) -> Any:
        raise AssertionError(f"tried to post to {address}")

    def get(self, address: str, params: Any, headers: Any) -> Any:
        raise AssertionError(f"tried to get {address}")


def _strict_client() -> zeep.Client:
    return zeep.Client(str(wsdl_path()), settings=zeep.Settings(strict=True), transport=OfflineTransport())


# --------------------------------------------------------------------------------------------------------
# Structure of the packaged WSDL against the published one


def test_types_match_reference(own_tree: etree._ElementTree) -> None:
    reference_tree = _reference_tree()
    own = _read_schema(own_tree)
    reference = _read_schema(reference_tree)
    problems = [f"declared more than once: {name}" for name in own.duplicates]
    for name, node in own.types.items():
        target = reference.types.get(name)
        if target is None:
            problems.append(f"{_local(node)} {name} does not exist in the reference")
            continue
        if _local(node) != _local(target):
            problems.append(f"{name} is a {_local(node)} here but a {_local(target)} in the reference")
            continue
        actual = _describe_type(node)
        if _is_opaque(node):
            if "opaque" not in _documentation(node).lower():
                problems.append(f"opaque type {name} has no annotation saying it is opaque to mcstate")
            expected_head = _describe_type(target)[:1]
            if actual[:1] != expected_head:
                problems.append(_diff(f"opaque type {name} (base and flags)", expected_head, actual[:1]))
            continue
        expected = _describe_type(target)
        if name == "APIObject":
            expected = _expected_apiobject(expected)
        if actual != expected:
            problems.append(_diff(f"{_local(node)} {name}", expected, actual))
    assert not problems, f"{len(problems)} difference(s):\n" + "\n".join(problems)


def test_top_level_elements_match_reference(own_tree: etree._ElementTree) -> None:
    reference_tree = _reference_tree()
    own = _read_schema(own_tree)
    reference = _read_schema(reference_tree)
    problems: list[str] = []
    for name, node in own.elements.items():
        target = reference.elements.get(name)
        if target is None:
            problems.append(f"element {name} does not exist in the reference")
        elif _describe_element(node) != _describe_element(target):
            problems.append(_diff(f"element {name}", _describe_element(target), _describe_element(node)))
    assert not problems, f"{len(problems)} difference(s):\n" + "\n".join(problems)


def test_operations_match_reference(own_tree: etree._ElementTree) -> None:
    reference_tree = _reference_tree()
    own = _operations(own_tree)
    reference = _operations(reference_tree)
    problems: list[str] = []
    for name, shape in own.items():
        target = reference.get(name)
        if target is None:
            problems.append(f"operation {name} does not exist in the reference portType")
            continue
        for field, value in vars(shape).items():
            expected = getattr(target, field)
            if value != expected:
                problems.append(f"operation {name}: {field} is {value!r}, the reference has {expected!r}")
    expected_facts = _endpoint_facts(reference_tree)
    actual_facts = _endpoint_facts(own_tree)
    if actual_facts != expected_facts:
        problems.append(_diff("portType/binding/service", expected_facts, actual_facts))
    assert not problems, f"{len(problems)} difference(s):\n" + "\n".join(problems)


# --------------------------------------------------------------------------------------------------------
# Self-consistency of the packaged WSDL (no reference needed)


def test_declares_what_mcstate_uses(own_tree: etree._ElementTree) -> None:
    own = _read_schema(own_tree)
    problems = [f"operation {name} is missing" for name in sorted(OPERATIONS - set(_operations(own_tree)))]
    for name in sorted(FULL_TYPES):
        node = own.types.get(name)
        if node is None:
            problems.append(f"type {name} is missing")
        elif _is_opaque(node):
            problems.append(f"type {name} is opaque but mcstate reads or writes it")
    apiobject = _describe_type(own.types["APIObject"])
    if "  " + IS_PLATFORM_OBJECT not in apiobject:
        problems.append("APIObject lacks IsPlatformObject")
    declared = set(own.types)
    for name, node in [*own.types.items(), *own.elements.items()]:
        for missing in sorted(_type_references(node) - declared):
            problems.append(f"{name} refers to undeclared type {missing}")
    assert not problems, "\n".join(problems)


def test_zeep_loads_the_wsdl_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    client = _strict_client()
    binding = client.wsdl.bindings[BINDING_QNAME]
    assert set(binding.all()) >= OPERATIONS
    assert client.get_type(f"{{{TNS}}}DataExtension")
    assert client.get_element("{urn:fault.partner.exacttarget.com}apifault")


# --------------------------------------------------------------------------------------------------------
# Recorded service responses parse through the packaged WSDL in strict mode


def _envelope(raw: bytes) -> etree._Element:
    # Some recorded fixtures carry XML comments inside the Body, which zeep cannot parse.
    parser = etree.XMLParser(remove_comments=True, resolve_entities=False, no_network=True)
    return etree.fromstring(raw, parser)


def _operation_for(binding: Binding, envelope: etree._Element) -> Operation:
    """The operation whose output element is the Body's root element (RetrieveResponseMsg -> Retrieve)."""
    body = envelope.find(f"{{{SOAP_ENV_NS}}}Body")
    assert body is not None and len(body), "no SOAP Body content"
    root_tag = next(child.tag for child in body if isinstance(child.tag, str))
    for operation in binding.all().values():
        if operation.output.body.qname == root_tag:
            return operation
    raise AssertionError(f"no operation answers with {root_tag}")


def _deserialize(client: zeep.Client, raw: bytes) -> Any:
    envelope = _envelope(raw)
    binding = client.wsdl.bindings[BINDING_QNAME]
    return _operation_for(binding, envelope).process_reply(envelope)


@functools.cache
def _parse_payloads(directory: Path) -> dict[str, Any]:
    files = sorted(directory.rglob("*.xml"))
    if not files:
        pytest.fail(f"{REFERENCE_ENV} is set but {directory} holds no *.xml responses")
    client = _strict_client()
    parsed: dict[str, Any] = {}
    problems: list[str] = []
    for path in files:
        key = path.relative_to(directory).as_posix()
        try:
            parsed[key] = _deserialize(client, path.read_bytes())
        except Exception as error:  # every failing response is reported at once
            problems.append(f"{key}: {type(error).__name__}: {error}")
    assert not problems, f"{len(problems)} of {len(files)} responses did not parse:\n" + "\n".join(problems)
    return parsed


def _payloads() -> dict[str, Any]:
    """Every recorded response, deserialized, keyed by its path under payloads/."""
    return _parse_payloads(_reference_dir() / "payloads")


def test_every_recorded_response_parses() -> None:
    payloads = _payloads()
    for key, result in payloads.items():
        assert result is not None, key
        if "OverallStatus" in result:
            assert result.OverallStatus == "OK", key


def test_data_extension_retrieve_values() -> None:
    payloads = _payloads()
    result = payloads["dataExtension/retrieve-response.xml"]
    [extension] = result.Results
    assert type(extension).__name__ == "DataExtension"
    assert extension.CustomerKey == "testExisting_dataExtensionShared"
    assert extension.SendableDataExtensionField.Name == "ContactKey"
    assert extension.SendableSubscriberField.Name == "_SubscriberKey"
    assert extension.DataRetentionPeriodLength == 6
    assert extension.DataRetentionPeriodUnitOfMeasure == 5
    assert extension.RowBasedRetention is True
    assert extension.CategoryID == 89356
    assert extension.PartnerKey is None


def test_data_extension_create_and_update_values() -> None:
    payloads = _payloads()
    created = payloads["dataExtension/create-response.xml"]
    assert created.OverallStatus == "OK"
    [result] = created.Results
    assert (result.StatusCode, result.OrdinalID, result.NewID) == ("OK", 0, 0)
    assert type(result.Object).__name__ == "DataExtension"
    [field] = result.Object.Fields.Field
    assert (field.Name, field.MaxLength, field.IsRequired) == ("testField", 254, True)
    assert field.FieldType == "Text"

    updated = payloads["dataExtension/update-response.xml"]
    [result] = updated.Results
    assert result.StatusMessage == "Data Extension updated."
    assert result.Object.CustomerKey == "testExisting_dataExtensionShared"
    assert result.Object.DeleteAtEndOfRetentionPeriod is True


def test_data_extension_field_values() -> None:
    payloads = _payloads()
    fields = payloads["dataExtensionField/retrieve-response.xml"].Results
    assert {type(field).__name__ for field in fields} == {"DataExtensionField"}
    by_name = {field.Name: field for field in fields}
    contact = by_name["ContactKey"]
    assert (contact.Ordinal, contact.IsPrimaryKey, contact.MaxLength) == (3, True, 50)
    assert contact.FieldType == "Text"
    assert contact.DataExtension.CustomerKey == "testExisting_dataExtensionShared"
    assert by_name["EmailAddress"].FieldType == "EmailAddress"
    assert by_name["LastName"].Ordinal == 1
    field_types = {
        field.FieldType
        for key, result in payloads.items()
        if key.startswith("dataExtensionField/")
        for field in result.Results
    }
    assert field_types <= {"Text", "Number", "Date", "Boolean", "EmailAddress", "Phone", "Decimal", "Locale"}
    assert None not in field_types


def test_data_folder_values() -> None:
    payloads = _payloads()
    folders = payloads["dataFolder/retrieve-response-.xml"].Results
    assert {type(folder).__name__ for folder in folders} == {"DataFolder"}
    [shared] = [folder for folder in folders if folder.CustomerKey == "shared_data_default"]
    assert (shared.ID, shared.ParentFolder.ID, shared.Client.ID) == (89344, 0, 1111111)
    assert shared.ContentType == "shared_data"
    assert (shared.IsActive, shared.IsEditable, shared.AllowChildren) == (True, False, False)
    parents = Counter(folder.ParentFolder.ID for folder in folders)
    assert parents == {0: 7, 89344: 2, 89355: 4, 89356: 2, 638814: 1}
    content_types = {folder.ContentType for folder in folders}
    assert content_types >= {"shared_data", "dataextension", "shared_dataextension"}
    [query] = payloads["dataFolder/retrieve-ContentType=queryactivity-response.xml"].Results
    assert (query.ID, query.Name, query.ParentFolder.ID) == (9991, "Query", 0)
    assert query.ContentType == "queryactivity"


def test_data_extension_template_values() -> None:
    payloads = _payloads()
    templates = payloads["dataExtensionTemplate/retrieve-response.xml"].Results
    assert {type(template).__name__ for template in templates} == {"DataExtensionTemplate"}
    first = templates[0]
    assert first.Name == "DomainExclusion"
    assert {prop.Name for prop in first.PartnerProperties} >= {"IsSendable", "RetainUntil"}


def test_parsing_is_strict() -> None:
    """Guards the tests above: an element outside the schema must fail rather than be dropped."""
    raw = f"""<soap:Envelope xmlns:soap="{SOAP_ENV_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <soap:Body><RetrieveResponseMsg xmlns="{TNS}"><OverallStatus>OK</OverallStatus>
        <Results xsi:type="DataFolder"><CustomerKey>k</CustomerKey><NotInTheWsdl>x</NotInTheWsdl></Results>
      </RetrieveResponseMsg></soap:Body></soap:Envelope>""".encode()
    with pytest.raises(XMLParseError):
        _deserialize(_strict_client(), raw)


def test_opaque_owner_and_is_platform_object_parse() -> None:
    """What the live service sends beyond the published WSDL, or inside opaque types, still parses."""
    raw = f"""<soap:Envelope xmlns:soap="{SOAP_ENV_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <soap:Body><RetrieveResponseMsg xmlns="{TNS}"><OverallStatus>OK</OverallStatus>
        <Results xsi:type="Automation"><ObjectID>a1</ObjectID><CustomerKey>auto</CustomerKey>
          <IsPlatformObject>false</IsPlatformObject>
          <Owner><Client><ID>7</ID></Client><User><Name>someone</Name><Roles/></User></Owner>
          <Name>Nightly</Name><IsActive>true</IsActive><Status>2</Status></Results>
      </RetrieveResponseMsg></soap:Body></soap:Envelope>""".encode()
    [automation] = _deserialize(_strict_client(), raw).Results
    assert type(automation).__name__ == "Automation"
    assert (automation.CustomerKey, automation.IsPlatformObject) == ("auto", False)
    assert (automation.Name, automation.IsActive, automation.Status) == ("Nightly", True, 2)
    assert [etree.QName(node).localname for node in automation.Owner._value_1] == ["Client", "User"]
