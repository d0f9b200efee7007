"""The Marketing Cloud SOAP client: the only module that uses zeep.

It speaks in plain values: Retrieve returns dicts, writes take SoapObjects and return WriteResults, so
nothing else in mcstate depends on zeep's object model.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import requests
import zeep
import zeep.exceptions
import zeep.helpers
from lxml import etree

from mcstate.client.auth import TokenSource
from mcstate.client.filters import Complex, Filter, Simple
from mcstate.client.parallel import CallSlots
from mcstate.client.responses import read_envelope, unreadable
from mcstate.client.retrieve_parser import RetrieveParser
from mcstate.client.retry import (
    DEFAULT_POLICY,
    MAYBE_DONE_STATUSES,
    RATE_LIMITED_CODE,
    RETRY_STATUSES,
    Attempts,
    Retrier,
    RetryPolicy,
    describe_failure,
    never_sent,
)
from mcstate.errors import ApiError, AuthError, UnknownOutcome
from mcstate.resources.base import Operation, SoapObject, WriteResult
from mcstate.wsdl import wsdl_path

NS = "http://exacttarget.com/wsdl/partnerAPI"
BINDING = f"{{{NS}}}SoapBinding"
FUELOAUTH = "{http://exacttarget.com}fueloauth"
BATCH_SIZE = 50
# Options of an Update that adds the objects it does not find (SaveAction UpdateAdd for every type).
UPSERT_OPTIONS = {"SaveOptions": {"SaveOption": [{"PropertyName": "*", "SaveAction": "UpdateAdd"}]}}


@functools.cache
def _wsdl_document() -> Any:
    """The WSDL is parsed once per process; every client shares the parsed document."""
    settings = zeep.Settings(strict=True, xml_huge_tree=True)
    transport = zeep.Transport(session=_NoNetworkSession())
    return zeep.wsdl.Document(str(wsdl_path()), transport, settings=settings)


class _NoNetworkSession(requests.Session):
    """Loading the packaged WSDL must never touch the network."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        raise RuntimeError("the packaged WSDL must load without network access")


class _Unreadable(Exception):
    """The service's answer is not a SOAP envelope holding the expected response or a fault."""


class _Transient(Exception):
    """One try of a call failed for a reason that passes. `maybe_done`: the request went out and the
    service may have carried it out (no answer came back); `error` is raised when no retry is left."""

    def __init__(self, reason: str, error: ApiError, *, maybe_done: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error
        self.maybe_done = maybe_done


# Answers parsed and not yet read at once: a parsed page of 2,500 objects takes tens of MB outside Python's
# heap, and the calls of a plan run side by side; reading a page needs the interpreter anyway, so two at a
# time lose nothing.
_PARSED_ANSWERS = threading.BoundedSemaphore(2)


class _CheckedTransport(zeep.Transport):
    """Looks at every answer before zeep parses it: zeep turns some garbage into tracebacks from deep inside
    its parser (an empty Body, an HTML page) or reads another operation's response as this one's. What it
    knows about the call in progress is per thread: calls run side by side (mcstate.client.parallel)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._call = threading.local()

    @property
    def expected_element(self) -> str | None:
        return getattr(self._call, "expected_element", None)

    @expected_element.setter
    def expected_element(self, value: str | None) -> None:
        self._call.expected_element = value

    @property
    def received(self) -> bool:
        return bool(getattr(self._call, "received", False))

    @received.setter
    def received(self, value: bool) -> None:
        self._call.received = value

    @property
    def status(self) -> int | None:
        return getattr(self._call, "status", None)

    @status.setter
    def status(self, value: int | None) -> None:
        self._call.status = value

    def post_xml(self, address: str, envelope: Any, headers: dict[str, str]) -> requests.Response:
        response = super().post_xml(address, envelope, headers)
        self.status = response.status_code
        content_type = str(response.headers.get("Content-Type", ""))
        keep = bool(getattr(self._call, "keep_envelope", False))
        _PARSED_ANSWERS.acquire()
        try:
            problem, root = read_envelope(
                response.status_code, content_type, response.content, self.expected_element
            )
        except BaseException:
            _PARSED_ANSWERS.release()
            raise
        if problem is not None or not keep:
            _PARSED_ANSWERS.release()
            if problem is not None:
                raise _Unreadable(problem)
            root = None
        else:
            self._call.holding = True
        self.received = True
        self._call.envelope = root
        return response

    def keep_envelopes(self, keep: bool) -> None:
        """Whether this thread's answers are kept parsed for take_envelope (a Retrieve reads its page from
        the tree) rather than let go once checked."""
        self._call.keep_envelope = keep

    def take_envelope(self) -> etree._Element | None:
        """The envelope of this thread's last answer as parsed when it was checked (once: it is let go)."""
        root = getattr(self._call, "envelope", None)
        self._call.envelope = None
        return root

    def release_envelope(self) -> None:
        """The kept envelope has been read: another answer may be parsed."""
        self._call.envelope = None
        if getattr(self._call, "holding", False):
            self._call.holding = False
            _PARSED_ANSWERS.release()


class _TranslationErrors(logging.Handler):
    """zeep reads a value that does not fit its type (ID "abc", a date "soon") as None and only logs the
    error; this handler collects those errors so that the call fails rather than plan from a missing value."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self._local = threading.local()

    def start(self) -> None:
        self._local.errors = []

    def errors(self) -> list[str]:
        return list(getattr(self._local, "errors", []))

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        frame = record.exc_info[2].tb_frame if record.exc_info and record.exc_info[2] else None
        element = frame.f_locals.get("xmlelement") if frame is not None else None
        where = f"<{etree.QName(element).localname}> " if isinstance(element, etree._Element) else ""
        getattr(self._local, "errors", []).append(f"{where}{error or record.getMessage()}")


_translation_errors = _TranslationErrors()
for _name in ("zeep.xsd.types.simple", "zeep.xsd.elements.attribute"):
    logging.getLogger(_name).addHandler(_translation_errors)
    logging.getLogger(_name).propagate = False


class SoapClient:
    def __init__(
        self,
        session: requests.Session,
        tokens: TokenSource,
        soap_url: str | None = None,
        *,
        retry: RetryPolicy | Retrier = DEFAULT_POLICY,
        slots: CallSlots | None = None,
    ) -> None:
        self._tokens = tokens
        self._soap_url = soap_url
        self._retrier = retry if isinstance(retry, Retrier) else Retrier(retry)
        # Calls in flight at once, shared with the REST client of the same account.
        self.slots = slots or CallSlots()
        timeout = self._retrier.policy.timeout
        self._transport = _CheckedTransport(session=session, timeout=timeout, operation_timeout=timeout)
        self._zeep = zeep.Client(
            _wsdl_document(), transport=self._transport, settings=zeep.Settings(strict=True)
        )
        # (endpoint, zeep service), replaced as one value so that threads never see half of a change.
        self._bound_service: tuple[str, Any] | None = None

    @property
    def _endpoint(self) -> str | None:
        bound = self._bound_service
        return bound[0] if bound is not None else None

    # -- reading ------------------------------------------------------------------------------------

    def retrieve(
        self,
        object_type: str,
        properties: Sequence[str],
        filter: Filter | None = None,
        *,
        query_all_accounts: bool = False,
    ) -> list[dict[str, Any]]:
        """Every object of `object_type` matching `filter`, following MoreDataAvailable pages; with
        `query_all_accounts`, of every business unit of the enterprise (SEMANTICS §3)."""
        call = f"Retrieve {object_type}"
        first: dict[str, Any] = {"ObjectType": object_type, "Properties": list(properties)}
        if filter is not None:
            first["Filter"] = self._filter(filter)
        if query_all_accounts:
            first["QueryAllAccounts"] = True
        attempts = self._retrier.start(call)
        while True:
            try:
                return self._pages(call, object_type, first, attempts)
            except _Transient as lost:
                # A later page was lost: asking for the same continuation again could skip a page the
                # service already handed out, so the whole Retrieve starts again.
                if not attempts.retry(f"{lost.reason} (page {lost.error.call})"):
                    raise lost.error from None

    def _pages(
        self, call: str, object_type: str, first: dict[str, Any], attempts: Attempts
    ) -> list[dict[str, Any]]:
        request = first
        rows: list[dict[str, Any]] = []
        while True:
            continued = request is not first
            response = self._call(
                call, "Retrieve", attempts=attempts, page=continued, RetrieveRequest=request
            )
            status = str(response["OverallStatus"] or "")
            if status not in ("OK", "MoreDataAvailable"):
                raise ApiError(call, status)
            rows.extend(_results(response))
            if status == "OK":
                return rows
            if not response["RequestID"]:
                raise ApiError(call, "the service sent MoreDataAvailable without a RequestID to continue")
            request = {"ObjectType": object_type, "ContinueRequest": response["RequestID"]}

    def system_status(self) -> tuple[str, str]:
        """The account's availability: (SystemStatus, message)."""
        response = _plain(self._call("GetSystemStatus", "GetSystemStatus"))
        results = (response.get("Results") or {}).get("Result") or []
        if not results:
            return str(response.get("OverallStatus")), str(response.get("OverallStatusMessage") or "")
        first = results[0]
        return str(first.get("SystemStatus")), str(first.get("StatusMessage") or "")

    # -- writing ------------------------------------------------------------------------------------

    def write(
        self, operation: Operation, objects: Sequence[SoapObject], *, upsert: bool = False
    ) -> list[WriteResult]:
        """Create, Update or Delete `objects` in calls of at most 50, one result per object in order.
        `upsert` makes an Update add the objects it does not find (types that support it, such as
        DataExtensionObject rows)."""
        if upsert and operation != "update":
            raise ValueError("only an update can upsert")
        options = UPSERT_OPTIONS if upsert else {}
        results: list[WriteResult] = []
        for start in range(0, len(objects), BATCH_SIZE):
            try:
                # An upsert comes to the same whether it ran once or twice: it may simply be sent again.
                batch = objects[start : start + BATCH_SIZE]
                results.extend(self._write_batch(operation, batch, options, idempotent=upsert))
            except UnknownOutcome as unknown:
                raise UnknownOutcome(unknown.call, unknown.reason, results) from None
        return results

    def _write_batch(
        self,
        operation: Operation,
        objects: Sequence[SoapObject],
        options: dict[str, Any],
        *,
        idempotent: bool = False,
    ) -> list[WriteResult]:
        method = operation.capitalize()
        types = sorted({o.type for o in objects})
        call = f"{method} {', '.join(types)}"
        attempts = self._retrier.start(call)
        results: list[WriteResult | None] = [None] * len(objects)
        pending = list(range(len(objects)))
        while True:
            built = [self._build(objects[index]) for index in pending]
            response = self._call(
                call, method, attempts=attempts, write=not idempotent, Options=options, Objects=built
            )
            answers = response["Results"] or []
            if len(answers) != len(pending):
                raise ApiError(
                    call, f"expected {len(pending)} results, got {len(answers)} ({response['OverallStatus']})"
                )
            ordered = sorted(answers, key=lambda r: r["OrdinalID"] if r["OrdinalID"] is not None else 0)
            for index, answer in zip(pending, ordered, strict=True):
                results[index] = _write_result(answer)
            # Objects refused with code 17 were not written: they alone go again, after the pause.
            limited = [i for i in pending if (r := results[i]) is not None and r.code == RATE_LIMITED_CODE]
            if not limited or not attempts.retry(f"{len(limited)} object(s) rate limited (code 17)"):
                return [result for result in results if result is not None]
            pending = limited

    # -- starting activities -------------------------------------------------------------------------

    def perform(self, definition: SoapObject, action: str = "start") -> PerformResult:
        """Perform `action` on one object (an activity or automation to start). Never sent twice: an answer
        lost on the way leaves unknown whether it started (UnknownOutcome)."""
        call = f"Perform {action} {definition.type}"
        response = self._call(
            call, "Perform", write=True, Action=action, Definitions={"Definition": [self._build(definition)]}
        )
        results = ((_plain(response).get("Results") or {}).get("Result")) or []
        if not results:
            raise ApiError(call, f"no result ({_plain(response).get('OverallStatus')})")
        first = results[0]
        task = first.get("Task") or {}
        code = first.get("ErrorCode")
        return PerformResult(
            ok=str(first.get("StatusCode")) == "OK",
            message=str(first.get("StatusMessage") or ""),
            code=int(code) if code not in (None, "") else None,
            task_id=str(task["ID"]) if task.get("ID") not in (None, "") else None,
        )

    # -- plumbing -----------------------------------------------------------------------------------

    def _call(
        self,
        call: str,
        operation: str,
        *,
        attempts: Attempts | None = None,
        write: bool = False,
        page: bool = False,
        **arguments: Any,
    ) -> Any:
        """One call, tried again after transient failures. A `write` whose request went out without an
        answer raises UnknownOutcome instead; a `page` (a Retrieve continuation) hands the failure to
        retrieve(), which starts over."""
        tries = attempts or self._retrier.start(call)
        while True:
            try:
                return self._try(call, operation, **arguments)
            except _Transient as transient:
                if write and transient.maybe_done:
                    raise UnknownOutcome(call, transient.reason) from None
                if page:
                    raise
                if not tries.retry(transient.reason):
                    raise transient.error from None

    def _try(self, call: str, operation: str, **arguments: Any) -> Any:
        """One try of a call (with a fresh token once when the service refuses the token)."""
        for attempt in (1, 2):
            token = self._tokens.token()
            header = etree.Element(FUELOAUTH)
            header.text = token.access_token
            self._transport.expected_element = _response_element(operation)
            self._transport.received = False
            _translation_errors.start()
            try:
                service = self._bound(token.soap_instance_url)
                with self.slots:
                    if operation == "Retrieve":
                        answer = self._retrieve(service, arguments, header)
                    else:
                        answer = getattr(service, operation)(**arguments, _soapheaders=[header])
            except _Unreadable as problem:
                status = self._transport.status
                if status in RETRY_STATUSES:
                    # A gateway's error page: the service behind it is busy or unreachable for now.
                    error = ApiError(call, str(problem))
                    raise _Transient(str(problem), error, maybe_done=status in MAYBE_DONE_STATUSES) from None
                raise ApiError(call, str(problem)) from None
            except zeep.exceptions.Fault as fault:
                if _is_login_failure(fault) and attempt == 1:
                    # The token may have lapsed early (revoked, clock skew): fetch a new one once.
                    self._tokens.invalidate(token)
                    continue
                if _is_login_failure(fault):
                    raise AuthError(f"{call}: the account refused the token (Login failed)") from None
                error = ApiError(call, str(fault.message), _fault_code(fault))
                if str(fault.code or "").endswith("Server"):
                    # The service answers load it sheds with a Server fault: the call was not carried out.
                    raise _Transient(f"server fault: {fault.message}", error, maybe_done=False) from None
                raise error from None
            except zeep.exceptions.TransportError as exc:
                error = ApiError(call, f"HTTP {exc.status_code} from {self._endpoint}")
                if exc.status_code in RETRY_STATUSES:
                    maybe_done = exc.status_code in MAYBE_DONE_STATUSES
                    raise _Transient(f"HTTP {exc.status_code}", error, maybe_done=maybe_done) from None
                raise error from None
            except (
                zeep.exceptions.XMLSyntaxError,
                zeep.exceptions.XMLParseError,
                etree.XMLSyntaxError,
            ) as exc:
                raise ApiError(call, unreadable(str(exc))) from None
            except requests.RequestException as exc:
                error = ApiError(call, f"cannot reach {self._endpoint}: {type(exc).__name__}")
                reason = f"{describe_failure(exc)} ({type(exc).__name__})"
                raise _Transient(reason, error, maybe_done=not never_sent(exc)) from None
            except Exception as exc:
                if not self._transport.received:
                    raise
                # Raised while zeep read an answer that passed the envelope check: the answer's content is
                # wrong (an unknown xsi:type, ...), not mcstate.
                raise ApiError(call, unreadable(f"{type(exc).__name__}: {exc}")) from None
            errors = _translation_errors.errors()
            if errors:
                raise ApiError(call, unreadable(f"{errors[0]}"))
            return answer
        raise AssertionError("unreachable")

    def _retrieve(self, service: Any, arguments: dict[str, Any], header: etree._Element) -> Any:
        """A Retrieve's answer: read by the WSDL-driven parser (retrieve_parser) when it is an ordinary
        page, else by zeep exactly as any other answer (faults, odd content and its errors included)."""
        self._transport.keep_envelopes(True)
        try:
            with self._zeep.settings(raw_response=True):
                response = service.Retrieve(**arguments, _soapheaders=[header])
            envelope = self._transport.take_envelope()
            if envelope is not None:
                page = _retrieve_parser().parse_envelope(response.status_code, envelope)
            else:
                page = _retrieve_parser().parse(response.status_code, response.content)
            del envelope
        finally:
            self._transport.keep_envelopes(False)
            self._transport.release_envelope()
        if page is not None:
            return page
        binding = self._zeep.wsdl.bindings[BINDING]
        return binding.process_reply(self._zeep, binding.get("Retrieve"), response)

    def _bound(self, soap_instance_url: str) -> Any:
        base = self._soap_url or soap_instance_url
        if not base:
            raise ApiError(
                "SOAP", "the token response names no soap_instance_url; set soap_url in the target"
            )
        endpoint = base.rstrip("/") + "/Service.asmx"
        bound = self._bound_service
        if bound is None or bound[0] != endpoint:
            bound = (endpoint, self._zeep.create_service(BINDING, endpoint))
            self._bound_service = bound
        return bound[1]

    def _build(self, value: Any) -> Any:
        """Plain values as zeep objects. A SoapObject nested in properties is built as its own type, so an
        element declared as a base type (ImportDefinition.DestinationObject: APIObject) gets its xsi:type."""
        if isinstance(value, SoapObject):
            properties = {name: self._build(item) for name, item in value.properties.items()}
            return self._zeep.get_type(f"ns0:{value.type}")(**properties)
        if isinstance(value, dict):
            return {name: self._build(item) for name, item in value.items()}
        if isinstance(value, list):
            return [self._build(item) for item in value]
        return value

    def _filter(self, part: Filter) -> Any:
        if isinstance(part, Simple):
            return self._zeep.get_type("ns0:SimpleFilterPart")(
                Property=part.property, SimpleOperator=part.operator, Value=list(part.values)
            )
        if isinstance(part, Complex):
            return self._zeep.get_type("ns0:ComplexFilterPart")(
                LeftOperand=self._filter(part.left),
                LogicalOperator=part.operator,
                RightOperand=self._filter(part.right),
            )
        raise TypeError(f"not a filter: {part!r}")


@dataclass(frozen=True)
class PerformResult:
    """The service's answer to a Perform: whether it started, its words, and the task to poll."""

    ok: bool
    message: str
    code: int | None
    task_id: str | None


def _plain(value: Any) -> Any:
    return zeep.helpers.serialize_object(value, dict)


def _results(response: Any) -> list[dict[str, Any]]:
    """A Retrieve page's results as plain dicts (the fast parser's already are)."""
    if isinstance(response, dict):
        return list(response["Results"] or [])
    return [_plain(result) for result in response["Results"] or []]


@functools.cache
def _retrieve_parser() -> RetrieveParser:
    document = _wsdl_document()
    return RetrieveParser(document.types, document.bindings[BINDING].get("Retrieve").output.body)


def _write_result(answer: Any) -> WriteResult:
    ok = str(answer["StatusCode"]) == "OK"
    values = answer.__values__ if hasattr(answer, "__values__") else {}
    new_id = values.get("NewID")
    code = answer["ErrorCode"]
    return WriteResult(
        ok=ok,
        message=str(answer["StatusMessage"] or ""),
        code=int(code) if code not in (None, "") else None,
        new_id=int(new_id) if new_id not in (None, "") else None,
        new_object_id=values.get("NewObjectID"),
    )


def _is_login_failure(fault: zeep.exceptions.Fault) -> bool:
    return str(fault.code or "").endswith("Security") or str(fault.message or "").strip() == "Login failed"


@functools.cache
def _response_element(operation: str) -> str:
    """The element the body of `operation`'s answer holds, e.g. {...partnerAPI}RetrieveResponseMsg."""
    return str(_wsdl_document().bindings[BINDING].get(operation).output.body.qname)


def _fault_code(fault: zeep.exceptions.Fault) -> str | None:
    detail = fault.detail
    if not isinstance(detail, etree._Element):
        return None
    code = detail.find(".//{*}Code")
    return code.text if code is not None else None
