"""Answers that are not what a call expects (a proxy's HTML error page, a cut-off body, an empty answer, XML
that is not a SOAP envelope), put into words for the error message: "Retrieve DataExtension: the service sent
an HTML page titled "502 Bad Gateway" (HTTP 502) instead of a SOAP response".

Checked before zeep or the JSON decoder sees the body, so that garbage becomes one clear error naming the call
rather than a traceback from deep inside a parser, or, worse, a value silently read as missing.
"""

from __future__ import annotations

import re

from lxml import etree

from mcstate.client.debug_log import redact

SOAP_ENVELOPE = "{http://schemas.xmlsoap.org/soap/envelope/}Envelope"
SOAP_BODY = "{http://schemas.xmlsoap.org/soap/envelope/}Body"
SOAP_FAULT = "{http://schemas.xmlsoap.org/soap/envelope/}Fault"
SOAP_EXPECTED = "a SOAP response"
JSON_EXPECTED = "JSON"
# How much of an unrecognized body the error message quotes.
QUOTED_CHARACTERS = 80

_TITLE = re.compile(rb"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html\b)", re.IGNORECASE | re.DOTALL
)
_NAMESPACE = re.compile(r"\{[^}]*\}")
_LXML_SOURCE = re.compile(r"\s*\(<string>, line \d+\)")
# zeep's unknown-type error goes on to list every type of the WSDL.
_TYPE_LIST = re.compile(r"\.?\s*Available types are:.*", re.DOTALL)
# Parsing a service's answer never fetches anything or expands entities.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, load_dtd=False)


def describe(status: int, content_type: str, content: bytes, expected: str) -> str:
    """What was sent, for a body that is not `expected`: 'the service sent ... (HTTP 200) instead of ...'."""
    return f"the service sent {_what(content_type, content, expected)} (HTTP {status}) instead of {expected}"


def is_html(content_type: str, content: bytes) -> bool:
    return "html" in content_type.lower() or bool(_HTML_START.match(content[:2048]))


def _what(content_type: str, content: bytes, expected: str) -> str:
    if not content.strip():
        return "an empty answer"
    if is_html(content_type, content):
        title = _TITLE.search(content)
        shown = _clean(title.group(1).decode("utf-8", errors="replace")) if title else ""
        return f'an HTML page titled "{shown}"' if shown else "an HTML page"
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return f"{len(content)} bytes that are not text"
    stripped = text.lstrip("\ufeff \t\r\n")
    if expected != JSON_EXPECTED and stripped[:1] in ("{", "["):
        return "JSON"
    if stripped.startswith("<"):
        try:
            etree.fromstring(content, _PARSER)
        except etree.XMLSyntaxError as error:
            return f"XML that is cut off or malformed ({_clean(_LXML_SOURCE.sub('', str(error)))})"
        return "XML"
    return f'text: "{_quoted(stripped)}"'


def soap_problem(status: int, content_type: str, content: bytes, expected_element: str | None) -> str | None:
    """None when `content` is a SOAP envelope whose body holds a fault or `expected_element` (Clark notation),
    else a description of what the service sent instead."""
    return read_envelope(status, content_type, content, expected_element)[0]


def read_envelope(
    status: int, content_type: str, content: bytes, expected_element: str | None
) -> tuple[str | None, etree._Element | None]:
    """soap_problem's answer, with the parsed envelope when there is no problem (so that the answer need
    not be parsed a second time)."""
    if not content.strip() or is_html(content_type, content):
        return describe(status, content_type, content, SOAP_EXPECTED), None
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError:
        return describe(status, content_type, content, SOAP_EXPECTED), None
    problem = _envelope_problem(status, root, expected_element)
    return problem, (root if problem is None else None)


def _envelope_problem(status: int, root: etree._Element, expected_element: str | None) -> str | None:
    if root.getroottree().docinfo.doctype:
        return f"the service sent XML with a document type declaration (HTTP {status}), which SOAP forbids"
    if root.tag != SOAP_ENVELOPE:
        return f"the service sent XML whose root is <{_local(root.tag)}> (HTTP {status}), not a SOAP envelope"
    body = root.find(SOAP_BODY)
    parts = [] if body is None else [child for child in body if isinstance(child.tag, str)]
    if not parts:
        return f"the service sent a SOAP envelope without a body (HTTP {status})"
    if len(parts) == 1 and parts[0].tag == SOAP_FAULT:
        return None
    names = ", ".join(f"<{_local(part.tag)}>" for part in parts)
    if status != 200:
        return f"the service sent {names} with HTTP {status}, neither an answer nor a SOAP fault"
    if expected_element is not None and (len(parts) != 1 or parts[0].tag != expected_element):
        return f"the service sent {names} where <{_local(expected_element)}> was expected"
    return None


def unreadable(detail: str) -> str:
    """The message for an answer the parser refused: an unexpected element, an unknown type, a bad value."""
    shown = _TYPE_LIST.sub("", _NAMESPACE.sub("", detail))
    return f"the service sent a response that does not match the WSDL: {_clean(shown)}"


def _local(tag: str) -> str:
    return etree.QName(tag).localname


def _clean(text: str) -> str:
    return redact(" ".join(text.split()))[:200]


def _quoted(text: str) -> str:
    flat = _clean(text)
    return flat if len(flat) <= QUOTED_CHARACTERS else flat[:QUOTED_CHARACTERS] + "..."
