"""Partner import in the console: upload an export, preview what each row would do, then import
(as a job, with a progress bar) and show the report."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, redirect, render_template, request, url_for

from app.auth.security import admin_required
from app.errors import CobrandError
from app.forms import FormErrors
from app.import_jobs import import_state, save_upload, start_import
from app.partner_import import ImportReport, RowResult, import_partners
from app.web import bp
from app.web.views import services

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@bp.route("/partners/import", methods=["GET", "POST"])
@admin_required
def partners_import() -> object:
    """Step 1: upload → dry-run preview (nothing written). Step 2: confirm → the import job."""
    report, errors, token, filename = None, FormErrors(), "", ""
    if request.method == "POST":
        token = request.form.get("upload", "")
        filename = request.form.get("filename", "")[:200]
        file = request.files.get("file")
        try:
            if file is not None and file.filename:
                data, filename = file.read(), file.filename
                report = import_partners(services(), data, filename=filename, dry_run=True)
                token = save_upload(services(), data)
            elif TOKEN.match(token):
                start_import(services(), token, filename)
                return redirect(url_for("console.partners_import_status", token=token))
            else:
                errors["file"] = "Choose a CSV or XLSX export to import."
        except FileNotFoundError:
            errors["file"] = "That upload is no longer here; choose the file again."
        except CobrandError as exc:
            errors["file"] = str(exc)
    return render_template("console/partners_import.html", report=report, errors=errors, upload=token,
                           filename=filename, state=None), 400 if errors else 200  # fmt: skip


def _state_or_404(token: str) -> dict[str, Any]:
    state = import_state(services(), token) if TOKEN.match(token) else None
    if state is None:
        abort(404)
    return state


@bp.get("/partners/import/<token>")
@admin_required
def partners_import_status(token: str) -> str:
    """The import's progress bar, then its report."""
    state = _state_or_404(token)
    report = _report_from(state["report"]) if state.get("report") else None
    return render_template("console/partners_import.html", report=report, errors=FormErrors(), upload="",
                           filename="", state=state, token=token)  # fmt: skip


@bp.get("/partners/import/<token>.json")
@admin_required
def partners_import_progress(token: str) -> dict[str, Any]:
    state = _state_or_404(token)
    return {k: v for k, v in state.items() if k != "report"}


def _report_from(data: dict[str, Any]) -> ImportReport:
    report = ImportReport(dry_run=False, ignored_columns=list(data.get("ignored_columns", [])))
    report.rows = [
        RowResult(r["line"], r["slug"], r["outcome"], r["problem"], r["logo"]) for r in data["rows"]
    ]
    return report
