"""Log lines: JSON with the request id and the publish id, plain text by default, secrets masked."""

from __future__ import annotations

import json
import logging

from app.ops import logs


def _record(message: str, *args: object, **fields: object) -> logging.LogRecord:
    record = logging.LogRecord("cobrand.test", logging.INFO, __file__, 1, message, args, None)
    record.fields = fields
    logs.ContextFilter().filter(record)
    return record


def test_json_lines_carry_the_context_and_mask_secrets() -> None:
    redactor = logs.Redactor(["s3-secret-value-123456", "short"])
    formatter = logs.make_formatter("json", redactor)
    with logs.log_context(request_id="req-1", publish_id=7, partner=None):
        line = formatter.format(
            _record(
                "sent %s and %s to postgresql://cobrand:hunter2hunter2@db/x with Bearer cbt_abcdefghijklmnop",
                "password=correct-horse", "s3-secret-value-123456", asset_id=3,
            )
        )  # fmt: skip
    data = json.loads(line)
    assert data["request_id"] == "req-1" and data["publish_id"] == 7 and data["asset_id"] == 3
    assert "partner" not in data  # None values are left out
    for secret in ("correct-horse", "s3-secret-value-123456", "hunter2hunter2", "cbt_abcdefghijklmnop"):
        assert secret not in line
    assert data["level"] == "info" and data["logger"] == "cobrand.test"


def test_rq_lines_naming_a_publish_batch_job_carry_its_publish_id() -> None:
    line = logs.make_formatter("json").format(_record("Worker w1: cobrand: %s", "publish-42-0123456789ab"))
    assert json.loads(line)["publish_id"] == 42


def test_text_is_the_default_and_reads_as_one_line() -> None:
    formatter = logs.make_formatter("text")
    with logs.log_context(request_id="req-9"):
        line = formatter.format(_record("GET /assets 200", route="/assets"))
    assert line.endswith("INFO cobrand.test GET /assets 200 request_id=req-9 route=/assets")


def test_every_request_gets_one_line_with_its_request_id(app, caplog) -> None:
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="cobrand.request"):
        given = client.get("/login", headers={"X-Request-ID": "lb-abc-123"})
        made = client.get("/password/reset/secret-reset-token-value?token=abc&next=/x")
    assert given.headers["X-Request-ID"] == "lb-abc-123"
    assert len(made.headers["X-Request-ID"]) == 32  # none given: a fresh one
    lines = [r for r in caplog.records if r.name == "cobrand.request"]
    assert [r.context["request_id"] for r in lines] == ["lb-abc-123", made.headers["X-Request-ID"]]
    assert lines[0].fields["route"] == "/login" and lines[0].fields["status"] == 200
    assert "secret-reset-token-value" not in lines[1].fields["path"] and "abc" not in lines[1].fields["path"]
    assert lines[1].fields["route"] == "/password/reset/<token>"
