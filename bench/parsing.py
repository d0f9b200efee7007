"""Retrieve parsing: objects per second through zeep (as soap.py used it: zeep's reply, then
serialize_object) and through mcstate's WSDL-driven parser (mcstate.client.retrieve_parser), on a full page
of 2,500 objects written by the emulator's own response writer, i.e. the bytes a plan receives."""

from __future__ import annotations

import time
import uuid
from typing import Any


def _page(object_type: str, count: int) -> bytes:
    from mcstate.emulator.codec import XSI_TYPE, Writer, envelope
    from mcstate.emulator.schema import default_wsdl_path, load_schema

    writer = Writer(load_schema(default_wsdl_path()))
    results: list[dict[str, Any]] = []
    for number in range(count):
        key = f"bench_de_{number // 25:05d}"
        if object_type == "DataExtensionField":
            results.append(
                {
                    XSI_TYPE: "DataExtensionField",
                    "ObjectID": str(uuid.uuid4()),
                    "CustomerKey": f"[{key}].[Field{number % 25:02d}]",
                    "Name": f"Field{number % 25:02d}",
                    "Scale": 0,
                    "MaxLength": 100,
                    "IsRequired": False,
                    "Ordinal": number % 25,
                    "IsPrimaryKey": number % 25 == 0,
                    "FieldType": "Text",
                    "DataExtension": {"CustomerKey": key},
                }
            )
        else:
            results.append(
                {
                    XSI_TYPE: "DataExtension",
                    "ObjectID": str(uuid.uuid4()),
                    "CustomerKey": f"bench_de_{number:05d}",
                    "Name": f"Bench Data Extension {number:05d}",
                    "Description": "Benchmark data extension",
                    "IsSendable": False,
                    "IsTestable": False,
                    "CategoryID": 1000 + number // 100,
                    "ModifiedDate": "2026-01-02T03:04:05.678",
                }
            )
    body = writer.element(
        "RetrieveResponseMsg", {"OverallStatus": "OK", "RequestID": str(uuid.uuid4()), "Results": results}
    )
    return envelope("RetrieveResponse", body, None)


def measure_parsing(count: int = 2500, repeat: int = 3) -> dict[str, Any]:
    import requests
    import zeep

    from mcstate.client.retrieve_parser import RetrieveParser
    from mcstate.client.soap import BINDING, _plain, _wsdl_document

    document = _wsdl_document()
    client = zeep.Client(document, settings=zeep.Settings(strict=True))
    binding = document.bindings[BINDING]
    operation = binding.get("Retrieve")
    parser = RetrieveParser(document.types, operation.output.body)

    def through_zeep(content: bytes) -> list[dict[str, Any]]:
        response = requests.Response()
        response._content = content
        response.status_code = 200
        response.headers["Content-Type"] = "text/xml; charset=utf-8"
        reply = binding.process_reply(client, operation, response)
        return [_plain(result) for result in reply["Results"] or []]

    def fast(content: bytes) -> list[dict[str, Any]]:
        page = parser.parse(200, content)
        assert page is not None
        return list(page["Results"] or [])

    results: dict[str, Any] = {}
    for object_type in ("DataExtensionField", "DataExtension"):
        content = _page(object_type, count)
        assert through_zeep(content) == fast(content), "the two paths must give the same dicts"
        timings = {}
        for name, parse in (("zeep", through_zeep), ("fast path", fast)):
            best = min(_timed(parse, content) for _ in range(repeat))
            timings[name] = best
        results[object_type] = {
            "page_bytes": len(content),
            "zeep_objects_per_s": round(count / timings["zeep"]),
            "fast_objects_per_s": round(count / timings["fast path"]),
            "zeep_ms_per_page": round(timings["zeep"] * 1000, 1),
            "fast_ms_per_page": round(timings["fast path"] * 1000, 1),
            "ratio": round(timings["zeep"] / timings["fast path"], 1),
        }
    return results


def _timed(parse: Any, content: bytes) -> float:
    started = time.perf_counter()
    parse(content)
    return time.perf_counter() - started


if __name__ == "__main__":
    for object_type, figures in measure_parsing().items():
        print(object_type, figures)
