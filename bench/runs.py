"""What the emulator runs, timed: an import of many rows and a query joining large data extensions.

    python bench/runs.py [--import-rows 100000] [--big-rows 1000000] [--small-rows 100000]

An emulator serves a fresh account over HTTP (in this process, on a thread); the data extensions are
created and filled through its SOAP and admin routes, then each run is started with SOAP Perform, as a
client starts it, and timed until Perform answers (the emulator runs an activity before answering):

    import      a CSV of IMPORT_ROWS rows x 10 fields from Import/ into a data extension (Add and Update)
    query       SELECT over BIG_ROWS rows joined to SMALL_ROWS rows on a text key, aggregated by region,
                into a data extension (Overwrite)

Filling the rows (not timed) is printed too. This is a measurement, not a test: nothing here fails on a
slow machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mcstate.emulator.server import make_server
from tests.emulator.conftest import NS, TNS, Client, data_extension, field, to_xml


def perform(client: Client, definition: dict[str, object]) -> str:
    inner = to_xml("Action", "start") + f"<Definitions>{to_xml('Definition', definition)}</Definitions>"
    reply = client.call("Perform", f'<PerformRequestMsg xmlns="{TNS}">{inner}</PerformRequestMsg>')
    result = reply.body.find("p:Results/p:Result", NS)
    assert result is not None and result.findtext("p:StatusCode", namespaces=NS) == "OK", reply.response.text
    return str(result.findtext("p:Task/p:ID", namespaces=NS))


def load(client: Client, key: str, header: str, rows: list[str]) -> None:
    chunk = 100_000
    for start in range(0, len(rows), chunk):
        body = (header + "\n" + "\n".join(rows[start : start + chunk]) + "\n").encode()
        reply = client.http.post(
            client.base_url + f"_emulator/dataextensions/{key}/rows",
            data=body,
            headers={"Content-Type": "text/csv"},
        )
        assert reply.status_code == 200, reply.text


def bench_import(client: Client, files: Path, rows: int) -> None:
    fields = [field("Id", "Number", IsPrimaryKey=True, IsRequired=True)]
    fields += [field(f"Text{n}", MaxLength=50) for n in range(1, 7)]
    fields += [
        field("Amount", "Decimal", Precision=18, Scale=2),
        field("Joined", "Date"),
        field("Active", "Boolean"),
    ]
    assert client.create(data_extension("people", *fields)).overall == "OK"
    definition = {
        "@type": "ImportDefinition", "CustomerKey": "people_import", "Name": "people import",
        "DestinationObject": {"@type": "DataExtension", "CustomerKey": "people"},
        "RetrieveFileTransferLocation": {"CustomerKey": "ExactTarget Enhanced FTP"},
        "FieldMappingType": "InferFromColumnHeadings", "FileSpec": "people.csv", "FileType": "CSV",
        "UpdateType": "AddAndUpdate",
    }  # fmt: skip
    assert client.create(definition).overall == "OK"
    header = "Id,Text1,Text2,Text3,Text4,Text5,Text6,Amount,Joined,Active"
    lines = [
        f"{n},first{n},last{n},city{n % 500},region{n % 20},x{n},y{n},{n % 1000}.25,2025-{n % 12 + 1:02d}-15,"
        f"{'true' if n % 2 else 'false'}"
        for n in range(rows)
    ]
    (files / "Import" / "people.csv").write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    started = time.perf_counter()
    perform(client, {"@type": "ImportDefinition", "CustomerKey": "people_import"})
    print(f"import: {rows:,} rows x 10 fields in {time.perf_counter() - started:.1f} s")


def bench_query(client: Client, big: int, small: int) -> None:
    created = client.create(
        data_extension(
            "events", field("CustomerKey", MaxLength=20), field("Amount", "Number"), name="Events"
        ),
        data_extension(
            "customers", field("CustomerKey", MaxLength=20, IsPrimaryKey=True, IsRequired=True),
            field("Region", MaxLength=20), name="Customers",
        ),
        data_extension(
            "totals", field("Region", MaxLength=20, IsPrimaryKey=True, IsRequired=True),
            field("Events", "Number"), field("Total", "Number"), name="Totals",
        ),
    )  # fmt: skip
    assert created.overall == "OK"
    started = time.perf_counter()
    load(client, "customers", "CustomerKey,Region", [f"C{n},R{n % 50}" for n in range(small)])
    load(client, "events", "CustomerKey,Amount", [f"c{n % small},{n % 97}" for n in range(big)])
    print(f"  (filling {big:,} + {small:,} rows: {time.perf_counter() - started:.1f} s)")
    sql = (
        "SELECT c.Region, COUNT(*) AS Events, SUM(e.Amount) AS Total FROM Events e "
        "JOIN Customers c ON c.CustomerKey = e.CustomerKey GROUP BY c.Region"
    )
    reply = client.create(
        {
            "@type": "QueryDefinition", "CustomerKey": "totals_q", "Name": "totals", "QueryText": sql,
            "TargetType": "DE", "DataExtensionTarget": {"CustomerKey": "totals", "Name": "Totals"},
            "TargetUpdateType": "Overwrite",
        }
    )  # fmt: skip
    assert reply.overall == "OK", reply.only()
    object_id = str(reply.only().text("NewObjectID"))
    started = time.perf_counter()
    perform(client, {"@type": "QueryDefinition", "ObjectID": object_id})
    elapsed = time.perf_counter() - started
    print(f"query: {big:,} rows joined to {small:,} (case-insensitive text key), grouped, in {elapsed:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--big-rows", type=int, default=1_000_000)
    parser.add_argument("--small-rows", type=int, default=100_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server = make_server(Path(folder) / "account.db")
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            client = Client(server.base_url)
            bench_import(client, server.app.files.root, options.import_rows)
            bench_query(client, options.big_rows, options.small_rows)
        finally:
            server.shutdown()
            server.server_close()


if __name__ == "__main__":
    main()
