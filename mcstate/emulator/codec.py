"""The SOAP wire format: lenient reading of requests, strict WSDL-ordered writing of responses.

Reading ignores namespaces and child order, tolerates a missing Options element, nil elements and a header
placed anywhere, as the real service does. Writing reproduces the real service's output byte for byte in
style: one line, unprefixed body elements under the partner API namespace, ``<X />`` for empty elements,
``xsi:nil`` on empty PartnerKey/ObjectID, and children in WSDL order, base-type elements first.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from mcstate.emulator import rules
from mcstate.emulator.schema import API_OBJECT, TNS, Schema

SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
WSA_NS = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
WSA_ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
WSA_FAULT_ACTION = "http://schemas.xmlsoap.org/ws/2004/08/addressing/fault"

XSI_TYPE = "@type"
"""Key of a value mapping that names its concrete type; written as ``xsi:type`` on the element."""


class Nil:
    """Marks an element written as ``xsi:nil="true"``."""

    _instance: Nil | None = None

    def __new__(cls) -> Nil:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NIL"


NIL = Nil()

NIL_WHEN_ABSENT = ("PartnerKey", "ObjectID")
"""The service serializes with .NET XmlSerializer, which writes a nillable member that has no value as
``xsi:nil="true"``. On every object it writes, PartnerKey and ObjectID therefore always appear (see the
recorded responses: results, nested DataExtension, ParentFolder, Fields/Field)."""

NOT_API_OBJECTS_ON_THE_WIRE = frozenset({"Attribute"})
"""Types that derive from APIObject in the WSDL but that the service writes as plain values (the recorded
``SendableSubscriberField`` carries only ``Name``; the newer published WSDL indeed declares Attribute
outside APIObject)."""


class RequestReadError(Exception):
    """The request cannot be deserialized; answered with the .NET 'unable to read request' Client fault."""


# -- reading -------------------------------------------------------------------------------------------------


@dataclass
class XNode:
    """One request element, namespace-free: local name, xsi:type (local part), text and children.

    Elements marked ``xsi:nil="true"`` are dropped while reading: a nil value is the same as no value.
    """

    name: str
    xsi_type: str | None
    text: str
    children: list[XNode] = field(default_factory=list)

    def get(self, name: str) -> XNode | None:
        for child in self.children:
            if child.name == name:
                return child
        return None

    def all(self, name: str) -> list[XNode]:
        return [child for child in self.children if child.name == name]

    def has(self, name: str) -> bool:
        return self.get(name) is not None

    def text_of(self, name: str) -> str | None:
        """Text of a child element, None when the element is absent."""
        child = self.get(name)
        return None if child is None else child.text

    def path(self, dotted: str) -> XNode | None:
        node: XNode | None = self
        for part in dotted.split("."):
            node = node.get(part) if node is not None else None
        return node

    def bool_of(self, name: str) -> bool | None:
        text = self.text_of(name)
        return None if text is None else parse_bool(text)

    def int_of(self, name: str) -> int | None:
        text = self.text_of(name)
        return None if text is None else parse_int(text)


def parse_bool(text: str) -> bool:
    value = text.strip()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise RequestReadError(f"The string '{text}' is not a valid Boolean value.")


def parse_int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise RequestReadError("Input string was not in a correct format.") from None


_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True, huge_tree=True
)


@dataclass
class SoapRequest:
    """A parsed SOAP envelope."""

    body_element: etree._Element | None
    """The first element inside soap:Body."""
    headers: list[etree._Element]
    """Children of every soap:Header element, wherever the header stands in the envelope."""
    message_id: str | None
    envelope_namespace: str = ""

    @property
    def body_name(self) -> str | None:
        return None if self.body_element is None else etree.QName(self.body_element).localname

    def body(self, schema: Schema) -> XNode:
        """The body as an XNode, after checking that every xsi:type names a type of the WSDL."""
        if self.body_element is None:
            raise RequestReadError("The SOAP Body is empty.")
        _check_types(self.body_element, schema)
        body_type = schema.elements.get(etree.QName(self.body_element).localname)
        if body_type is not None:
            _check_integers(self.body_element, body_type, schema)
        return _to_node(self.body_element)


def read_envelope(data: bytes) -> SoapRequest:
    """Parse a SOAP 1.1 envelope; raises RequestReadError for anything the service could not read."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        line, column = error.position
        raise RequestReadError(f"{error.msg} Line {line}, position {column}.") from None
    if etree.QName(root).localname != "Envelope":
        raise RequestReadError(
            f"<{etree.QName(root).localname} xmlns='{etree.QName(root).namespace or ''}'> was not expected."
        )
    headers: list[etree._Element] = []
    body_element: etree._Element | None = None
    for child in root:
        if not isinstance(child.tag, str):
            continue
        local = etree.QName(child).localname
        if local == "Header":
            headers.extend(element for element in child if isinstance(element.tag, str))
        elif local == "Body" and body_element is None:
            body_element = next((element for element in child if isinstance(element.tag, str)), None)
    message_id = None
    for header in headers:
        if etree.QName(header).localname == "MessageID":
            message_id = (header.text or "").strip() or None
    return SoapRequest(
        body_element=body_element,
        headers=headers,
        message_id=message_id,
        envelope_namespace=etree.QName(root).namespace or "",
    )


# The ranges .NET deserializes the WSDL's integer types into (Int32 for xsd:int, Int64 for xsd:long, ...).
_INTEGER_RANGES: dict[str, tuple[str, int, int]] = {
    "int": ("Int32", -(2**31), 2**31 - 1),
    "long": ("Int64", -(2**63), 2**63 - 1),
    "short": ("Int16", -(2**15), 2**15 - 1),
    "byte": ("SByte", -(2**7), 2**7 - 1),
}


def _check_integers(element: etree._Element, type_name: str, schema: Schema) -> None:
    """Every element the WSDL declares as an integer holds one that fits its .NET type, as the service's
    deserializer requires (a value out of range is a Client fault, never stored)."""
    type_name = _xsi_type(element) or type_name
    if not schema.is_type(type_name):
        return
    declared = schema.child_map(type_name)
    for child in element:
        if not isinstance(child.tag, str):
            continue
        found = declared.get(etree.QName(child).localname)
        if found is None:
            continue
        _, declaration = found
        if declaration.type_name is not None:
            _check_integers(child, declaration.type_name, schema)
        elif declaration.xsd_type in _INTEGER_RANGES and child.get(f"{{{XSI_NS}}}nil") not in ("true", "1"):
            dotnet, low, high = _INTEGER_RANGES[declaration.xsd_type]
            text = (child.text or "").strip()
            try:
                value = int(text)
            except ValueError:
                raise RequestReadError("Input string was not in a correct format.") from None
            if not low <= value <= high:
                raise RequestReadError(f"Value was either too large or too small for an {dotnet}.")


def _xsi_type(element: etree._Element) -> str | None:
    value = element.get(f"{{{XSI_NS}}}type")
    return None if value is None else value.rpartition(":")[2]


def _check_types(root: etree._Element, schema: Schema) -> None:
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        type_name = _xsi_type(element)
        if type_name is not None and not schema.is_type(type_name):
            qname = etree.QName(element)
            raise RequestReadError(
                f"The specified type was not recognized: name='{type_name}', namespace='{TNS}', "
                f"at <{qname.localname} xmlns='{qname.namespace or ''}'>."
            )


def _to_node(element: etree._Element) -> XNode:
    node = XNode(
        name=etree.QName(element).localname,
        xsi_type=_xsi_type(element),
        text=element.text or "",
    )
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.get(f"{{{XSI_NS}}}nil") in ("true", "1"):
            continue
        node.children.append(_to_node(child))
    return node


# -- values --------------------------------------------------------------------------------------------------


def format_datetime(value: datetime) -> str:
    """A server-clock timestamp as the service writes it: naive, milliseconds, trailing zeros dropped.

    .NET writes ``2016-07-22T11:52:18.73`` for 730 ms and no fraction at all for a whole second.
    """
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    millis = value.microsecond // 1000
    if millis:
        text += f".{millis:03d}".rstrip("0")
    return text


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime(value)
    return str(value)


# -- writing -------------------------------------------------------------------------------------------------


class Writer:
    """Writes values as XML in the order the WSDL declares, so ordering is never written by hand.

    A value is a scalar, NIL, a mapping of element names to values (optionally with XSI_TYPE naming its
    concrete type) or, for repeated elements, a list of those.
    """

    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def element(self, element_name: str, values: Mapping[str, Any]) -> str:
        """A top-level WSDL element (the body of a response), with the partner API default namespace."""
        type_name = self.schema.element_type(element_name)
        inner = self._content(type_name, values)
        return f'<{element_name} xmlns="{TNS}">{inner}</{element_name}>'

    def _content(self, type_name: str, values: Mapping[str, Any]) -> str:
        # Only the values given (and the elements written nil when absent), in the WSDL's order (a type has
        # dozens of elements, an answer a few); the order is worked out once per type and set of names (an
        # answer repeats both thousands of times).
        parts: list[str] = []
        for name, child_type, nil_when_absent in self._order(type_name, tuple(values)):
            value = values.get(name)
            if value is None or (nil_when_absent and value == ""):
                if not nil_when_absent:
                    continue
                value = NIL
            if type(value) is list:
                parts.extend(self._write(name, child_type, item) for item in value)
            else:
                parts.append(self._write(name, child_type, value))
        return "".join(parts)

    # Bounded: which elements a value has follows from the properties a request asked for.
    @functools.lru_cache(maxsize=1024)  # noqa: B019 - one Writer per Schema, kept for the process
    def _order(self, type_name: str, keys: tuple[str, ...]) -> tuple[tuple[str, str | None, bool], ...]:
        """(name, declared type, written nil when absent) of the elements a value with these keys writes,
        in the WSDL's order; every key must be an element of the type."""
        children = self.schema.child_map(type_name)
        unknown = [key for key in keys if key != XSI_TYPE and key not in children]
        if unknown:
            raise KeyError(f"{type_name} has no element(s) {', '.join(unknown)}")
        nil_when_absent = self._nil_when_absent(type_name)
        names = {key for key in keys if key in children} | set(nil_when_absent)
        ordered = sorted((children[name] for name in names), key=lambda entry: entry[0])
        return tuple((child.name, child.type_name, child.name in nil_when_absent) for _, child in ordered)

    @functools.cache  # noqa: B019 - one Writer per Schema, kept for the process
    def _nil_when_absent(self, type_name: str) -> tuple[str, ...]:
        """The elements written nil when absent: those of NIL_WHEN_ABSENT the type has, for API objects."""
        if type_name in NOT_API_OBJECTS_ON_THE_WIRE or not self.schema.derives_from(type_name, API_OBJECT):
            return ()
        children = self.schema.child_map(type_name)
        return tuple(name for name in NIL_WHEN_ABSENT if name in children)

    def _write(self, name: str, declared: str | None, value: Any) -> str:
        if value is NIL:
            return f'<{name} xsi:nil="true" />'
        if type(value) is str:  # most values: no conversion, and most need no escaping
            if not value:
                return f"<{name} />"
            if "&" in value or "<" in value or ">" in value:
                value = escape(value)
            return f"<{name}>{value}</{name}>"
        if type(value) is dict or isinstance(value, Mapping):
            if declared is None:
                raise TypeError(f"element {name} has simple content, got a mapping")
            concrete = value.get(XSI_TYPE)
            attributes = ""
            type_name = declared
            if concrete is not None and concrete != declared:
                attributes = f' xsi:type="{concrete}"'
                type_name = concrete
            inner = self._content(type_name, value)
            if not inner:
                return f"<{name}{attributes} />"
            return f"<{name}{attributes}>{inner}</{name}>"
        text = format_value(value)
        if text == "":
            return f"<{name} />"
        return f"<{name}>{escape(text)}</{name}>"


# -- envelopes -----------------------------------------------------------------------------------------------

_ENVELOPE_OPEN = (
    '<?xml version="1.0" encoding="utf-8"?>'
    f'<soap:Envelope xmlns:soap="{SOAP_ENV_NS}" xmlns:xsi="{XSI_NS}" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    f'xmlns:wsa="{WSA_NS}" xmlns:wsse="{WSSE_NS}" xmlns:wsu="{WSU_NS}">'
)


def new_uuid() -> str:
    return str(uuid.uuid4())


def _header(action: str, relates_to: str | None) -> str:
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    expires = now + timedelta(seconds=rules.TIMESTAMP_VALIDITY_SECONDS)
    relates = relates_to or f"urn:uuid:{new_uuid()}"
    return (
        "<soap:Header>"
        f"<wsa:Action>{escape(action)}</wsa:Action>"
        f"<wsa:MessageID>urn:uuid:{new_uuid()}</wsa:MessageID>"
        f"<wsa:RelatesTo>{escape(relates)}</wsa:RelatesTo>"
        f"<wsa:To>{WSA_ANONYMOUS}</wsa:To>"
        "<wsse:Security>"
        f'<wsu:Timestamp wsu:Id="Timestamp-{new_uuid()}">'
        f"<wsu:Created>{now.isoformat()}Z</wsu:Created>"
        f"<wsu:Expires>{expires.isoformat()}Z</wsu:Expires>"
        "</wsu:Timestamp>"
        "</wsse:Security>"
        "</soap:Header>"
    )


def envelope(action: str, body: str, relates_to: str | None) -> bytes:
    """A response envelope: WS-Addressing and WS-Security timestamp headers, then the body."""
    return (
        f"{_ENVELOPE_OPEN}{_header(action, relates_to)}<soap:Body>{body}</soap:Body></soap:Envelope>"
    ).encode()


def fault(
    code: str,
    message: str,
    *,
    relates_to: str | None = None,
    actor: str | None = None,
    code_namespace: tuple[str, str] | None = None,
) -> bytes:
    """A SOAP 1.1 fault. ``code_namespace`` declares the prefix of a qualified faultcode on the element."""
    declaration = ""
    if code_namespace is not None:
        prefix, namespace = code_namespace
        declaration = f" xmlns:{prefix}={quoteattr(namespace)}"
    actor_xml = f"<faultactor>{escape(actor)}</faultactor>" if actor else ""
    body = (
        "<soap:Fault>"
        f"<faultcode{declaration}>{escape(code)}</faultcode>"
        f"<faultstring>{escape(message)}</faultstring>"
        f"{actor_xml}"
        "</soap:Fault>"
    )
    return envelope(WSA_FAULT_ACTION, body, relates_to)


def iter_headers_named(headers: list[etree._Element], local: str) -> Iterator[etree._Element]:
    """Header elements with a local name, searched at any depth."""
    for header in headers:
        for element in header.iter():
            if isinstance(element.tag, str) and etree.QName(element).localname == local:
                yield element
