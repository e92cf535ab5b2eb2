"""``schemas/`` is the contract: the schemas are valid, and the code produces exactly what they describe."""

from __future__ import annotations

import json

import pytest
from helpers import make_doc, record_for
from jsonschema import Draft202012Validator

from pipeline.errors import ReaderError
from pipeline.publish.catalog import CATALOG_VERSION, ENVELOPE_VERSION, catalog_entry
from pipeline.record.build import failure_record
from pipeline.record.schema import (
    CATALOG_ENTRY_SCHEMA,
    CATALOG_ENTRY_SCHEMAS,
    ENVELOPE_SCHEMA,
    RECORD_SCHEMA,
    RECORD_SCHEMAS,
    SCHEMA_DIR,
    SCHEMA_VERSION,
    problems,
)
from pipeline.run.process import source_info

SAMPLE = ("Thực hiện Kế hoạch số 272/KH-UBND ngày 20/8/2021 của UBND tỉnh, ngày 14/9/2021 Sở Khoa học và Công nghệ "
          "đã ban hành Kế hoạch số 1555/KH-SKHCN về phong trào thi đua “Đổi mới” giai đoạn 2021 - 2025. "
          "Thời hạn thi đua: Từ tháng 9/2021 đến hết tháng 12/2025.")


SCHEMAS = [(name, version) for version, name in RECORD_SCHEMAS.items()] + [
    (name, version) for version, name in CATALOG_ENTRY_SCHEMAS.items()] + [(ENVELOPE_SCHEMA, ENVELOPE_VERSION)]


@pytest.mark.parametrize("name,version", SCHEMAS)
def test_schemas_are_valid_2020_12(name: str, version: str) -> None:
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("/" + version)
    assert schema["properties"]["schema_version"]["const"] == version


def test_every_schema_file_is_published() -> None:
    on_disk = {p.name for p in SCHEMA_DIR.glob("*.json")}
    assert on_disk == set(RECORD_SCHEMAS.values()) | set(CATALOG_ENTRY_SCHEMAS.values()) | {ENVELOPE_SCHEMA}
    assert CATALOG_ENTRY_SCHEMAS[CATALOG_VERSION] == CATALOG_ENTRY_SCHEMA


def test_old_records_stay_readable() -> None:
    """A 1.0.0 record (without the content families) still validates against its own schema."""
    record = record_for(SAMPLE)
    schema_1 = json.loads((SCHEMA_DIR / RECORD_SCHEMAS["1.0.0"]).read_text())["properties"]
    old = {k: v for k, v in record.items() if k in schema_1}
    # the identity facts added since (parent, partial number and date, provenance) were not in 1.0.0
    old["document"] = {k: v for k, v in old["document"].items() if k in schema_1["document"]["properties"]}
    old["document"]["evidence"] = {k: v for k, v in old["document"]["evidence"].items() if k in schema_1["document"]["properties"]}
    old["schema_version"] = "1.0.0"
    assert problems(old) == []
    assert problems({**old, "schema_version": SCHEMA_VERSION})  # the current schema wants the new families


def test_record_keys_match_schema_exactly() -> None:
    schema = json.loads((SCHEMA_DIR / RECORD_SCHEMA).read_text(encoding="utf-8"))
    record = record_for(SAMPLE)
    assert set(record) == set(schema["required"])
    # the only optional key: ``review``, added when reviewers corrected the record
    assert set(schema["properties"]) - set(schema["required"]) == {"review"}
    assert record["schema_version"] == schema["properties"]["schema_version"]["const"]
    for key in ("document", "source"):
        assert set(record[key]) == set(schema["properties"][key]["required"])
    for ref in record["references"]:
        assert set(ref) == set(schema["properties"]["references"]["items"]["required"])
    assert problems(record) == []


def test_failure_record_is_valid() -> None:
    err = ReaderError("broken").to_dict()
    record = failure_record(source_info(b"xx", "a.pdf"), [err])
    assert problems(record) == []
    assert record["status"] == "failed" and record["text"] is None


def test_catalog_entry_is_valid() -> None:
    record = record_for(SAMPLE)
    entry = catalog_entry(record, "records/x.json")
    assert problems(entry, CATALOG_ENTRY_SCHEMA) == []
    assert entry["number"] == "1555/KH-SKHCN" and entry["period"] == "2021-2025"
    assert entry["schema_version"] == CATALOG_VERSION and entry["record_schema_version"] == SCHEMA_VERSION
    assert entry["status"] == record["status"] and entry["reviewed"] is False
    assert entry["needs_review"] == [{"field": r["field"], "reason": r["reason"]} for r in record["needs_review"]]


def test_validation_catches_a_wrong_quote_and_a_bad_date() -> None:
    record = record_for(SAMPLE)
    record["references"][0]["evidence"]["quote"] = "sai"
    record["document"]["issued_on"] = "14/9/2021"
    found = problems(record)
    assert any("references[0].evidence" in p and "quote" in p for p in found)
    assert any("document.issued_on" in p for p in found)


def test_unknown_keys_are_rejected() -> None:
    record = record_for(SAMPLE)
    record["surprise"] = 1
    assert any("surprise" in p for p in problems(record))


def test_make_doc_helper_roundtrip() -> None:
    assert make_doc("  a  ").text == "a"


def test_a_record_that_breaks_the_contract_fails_alone(monkeypatch) -> None:
    """A record the pipeline builds wrong is never published as it is, and never stops a batch:
    the document fails with ``schema_invalid`` and the reason."""
    import pipeline.run.process as process

    real = process.build_record

    def broken(*args, **kwargs):
        record = real(*args, **kwargs)
        record["status"] = "bogus"
        return record

    monkeypatch.setattr(process, "build_record", broken)
    record = process.process_bytes("Kế hoạch số 12/KH-UBND ngày 05/01/2024 về thi đua.".encode(), "a.txt")
    assert record["status"] == "failed"
    assert record["errors"][0]["code"] == "schema_invalid" and "status" in record["errors"][0]["message"]
