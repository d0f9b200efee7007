"""How `mcstate test` reports: PASS or FAIL per test with what differs under a failure, a summary line;
and JUnit XML for CI."""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree

from mcstate.itest.run import TestResult
from mcstate.render.safe import printable


def render_text(results: Sequence[TestResult]) -> str:
    lines: list[str] = []
    for result in results:
        verdict = "PASS" if result.passed else "FAIL"
        lines.append(printable(f"{verdict} {result.name} ({result.file}, {result.seconds:.1f} s)"))
        for difference in result.differences:
            lines.append(printable(f"  {difference.title}"))
            lines.extend(printable(f"    {line}") for line in difference.lines)
    failed = sum(1 for result in results if not result.passed)
    passed = len(results) - failed
    lines.append(f"{passed} passed, {failed} failed." if results else "No tests found.")
    return "\n".join(lines) + "\n"


def render_junit(results: Sequence[TestResult]) -> str:
    failures = sum(1 for result in results if not result.passed)
    suite = ElementTree.Element(
        "testsuite",
        name="mcstate",
        tests=str(len(results)),
        failures=str(failures),
        errors="0",
        time=f"{sum(r.seconds for r in results):.3f}",
    )
    for result in results:
        case = ElementTree.SubElement(
            suite, "testcase", name=result.name, classname=result.file, time=f"{result.seconds:.3f}"
        )
        if not result.passed:
            text = "\n".join(
                "\n".join([d.title, *(f"  {line}" for line in d.lines)]) for d in result.differences
            )
            failure = ElementTree.SubElement(case, "failure", message=result.differences[0].title)
            failure.text = text
    suites = ElementTree.Element("testsuites")
    suites.append(suite)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
