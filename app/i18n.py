"""The console and portal in the user's language: Flask-Babel with gettext catalogs.

The language is the user's own choice (the switcher on every page, stored on the user, or in
the session before sign-in), then the signed-in partner's locale, then the browser's
Accept-Language, then English. Catalogs live as `.po` files in app/translations; their `.mo`
files are compiled at start-up into the var folder when missing or older than the `.po`
(a fresh clone needs no build step, and no binary is committed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, Response, abort, current_app, g, redirect, request, session, url_for
from flask_babel import Babel, get_translations, lazy_gettext
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from app.auth.roles import public
from app.config import VAR_DIR
from app.models import User

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
LANGUAGES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "ja": "日本語"}
"""The languages the web app speaks, each named in itself (the switcher's labels)."""
SESSION_KEY = "language"
PAGE_CATALOG = "_catalog"
"""Template variable: the catalog of the page being rendered (imported macros, which do not see it, look it up)."""


def compile_catalogs(source: Path, target: Path) -> Path:
    """Compile every <lang>/LC_MESSAGES/messages.po under source into target when stale; returns target."""
    for po in source.glob("*/LC_MESSAGES/messages.po"):
        mo = target / po.relative_to(source).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parent.parent.name)
        partial = mo.with_suffix(".mo.tmp")
        with partial.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        partial.replace(mo)  # atomic: another process starting at the same time reads a whole file
    return target


def _partner_locale() -> str | None:
    # Read with the user on every request (app.auth.security), so a changed locale shows on the next page.
    locale = getattr(current_user, "partner_locale", None)
    return locale.replace("_", "-").split("-")[0].lower() if locale else None


def _user_choice() -> str | None:
    if getattr(current_user, "is_authenticated", False) and current_user.locale:
        return str(current_user.locale)
    return session.get(SESSION_KEY)


def available() -> dict[str, str]:
    """The languages of this app: LANGUAGES, plus any a deployment's EXTRA_LANGUAGES adds with its catalogs."""
    return {**LANGUAGES, **current_app.config.get("EXTRA_LANGUAGES", {})}


def select_language() -> str:
    """The language of this request: user setting → partner locale → Accept-Language → English."""
    if "language" not in g:
        languages = available()
        for candidate in (_user_choice(), _partner_locale()):
            if candidate in languages:
                g.language = candidate
                break
        else:
            g.language = request.accept_languages.best_match(list(languages)) or "en"
    return str(g.language)


@pass_context
def _page_gettext(context: Context, string: str, /, **variables: Any) -> str:
    """Jinja's `_()`, as its newstyle gettext, with the page's catalog (PAGE_CATALOG): Flask-Babel
    would find the catalog again on each of the hundred calls of a portal page."""
    catalog = context.get(PAGE_CATALOG)
    if catalog is None:
        catalog = get_translations()
    text = catalog.ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables  # always a format string, as in Jinja's own


def set_language(language: str) -> None:
    """Remember the user's choice: on the user when signed in, in the session otherwise."""
    if language not in available():
        raise ValueError(language)
    session[SESSION_KEY] = language
    if getattr(current_user, "is_authenticated", False):
        services = current_app.extensions["cobrand"]
        with services.db.session() as db:
            user = db.get(User, current_user.id)
            if user is not None:
                user.locale = language
    g.language = language


bp = Blueprint("i18n", __name__)


@bp.post("/language")
@public  # signed out too: the sign-in page has the language menu
def choose_language() -> Response:
    """The language switcher on every page: remember the choice, go back to the same page."""
    language = request.form.get("language", "")
    if language not in available():
        abort(400)
    set_language(language)
    back = request.form.get("next", "")
    # Only a path on this site: never an open redirect.
    return redirect(back if back.startswith("/") and not back.startswith("//") else url_for("console.home"))


def init_app(app: Flask) -> None:
    target = Path(app.config.get("TRANSLATIONS_CACHE_DIR") or VAR_DIR / "translations")
    directories = [str(compile_catalogs(TRANSLATIONS_DIR, target))]
    directories += [str(d) for d in app.config.get("EXTRA_TRANSLATION_DIRS", [])]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(directories)
    Babel(app, locale_selector=select_language)
    # `_()` and gettext() in templates, called directly (ngettext stays Flask-Babel's).
    app.jinja_env.globals.update(_=_page_gettext, gettext=_page_gettext)
    app.register_blueprint(bp)

    @app.context_processor
    def languages() -> dict[str, object]:
        return {
            "languages": available(),
            "current_language": select_language(),
            PAGE_CATALOG: get_translations(),
        }

    app.jinja_env.globals["status_label"] = status_label  # a global: imported macros use it too


STATUS_LABELS = {
    "draft": lazy_gettext("Draft"), "published": lazy_gettext("Published"), "archived": lazy_gettext("Archived"),
    "queued": lazy_gettext("Queued"), "running": lazy_gettext("Running"), "completed": lazy_gettext("Completed"),
    "failed": lazy_gettext("Failed"), "pending": lazy_gettext("Pending"), "rendered": lazy_gettext("Rendered"),
    "withdrawn": lazy_gettext("Withdrawn"), "delivered": lazy_gettext("Delivered"), "active": lazy_gettext("Active"),
    "submitted": lazy_gettext("Submitted"), "approved": lazy_gettext("Approved"), "rejected": lazy_gettext("Rejected"),
    "reset": lazy_gettext("Back to draft (changed)"),
}  # fmt: skip
"""Every state the pages show, translated (the enums' values stay English in code, URLs and the API)."""


def status_label(value: object) -> str:
    key = str(getattr(value, "value", value))
    return str(STATUS_LABELS.get(key, key.capitalize()))
