"""Partner import in the console: upload an export, preview what each row would do, then import."""

from __future__ import annotations

import re
import secrets

from flask import render_template, request

from app.errors import CobrandError
from app.partner_import import import_partners
from app.web import bp
from app.web.forms import FormErrors
from app.web.security import admin_required
from app.web.views import services

UPLOAD_KEY = "imports/{token}"
"""Where an uploaded export waits between its preview and its import."""
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@bp.route("/partners/import", methods=["GET", "POST"])
@admin_required
def partners_import() -> object:
    """Step 1: upload → dry-run preview (nothing written). Step 2: confirm → import, then the report."""
    storage = services().storage
    report, errors, token, filename = None, FormErrors(), "", ""
    if request.method == "POST":
        token = request.form.get("upload", "")
        filename = request.form.get("filename", "")[:200]
        file = request.files.get("file")
        try:
            if file is not None and file.filename:
                token, filename = secrets.token_urlsafe(24), file.filename
                data = file.read()
                storage.put(UPLOAD_KEY.format(token=token), data, content_type="application/octet-stream")
                report = import_partners(services(), data, filename=filename, dry_run=True)
            elif TOKEN.match(token):
                key = UPLOAD_KEY.format(token=token)
                report = import_partners(services(), storage.open(key), filename=filename)
                storage.delete(key)
                token = ""
            else:
                errors["file"] = "Choose a CSV or XLSX export to import."
        except FileNotFoundError:
            errors["file"] = "That upload is no longer here; choose the file again."
        except CobrandError as exc:
            errors["file"] = str(exc)
    return render_template("console/partners_import.html", report=report, errors=errors, upload=token,
                           filename=filename), 400 if errors else 200  # fmt: skip
