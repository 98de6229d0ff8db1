"""The browser editor at `/admin/` (Decap CMS), generated from the content contract.

The loader's key lists (`STORY_KEYS`, `AMBASSADOR_KEYS`, ...) say which fields exist; this
module says how each is edited, keyed by the same names, and `contract_mismatches` names any
key that one side has and the other lacks, so a field added to the loader without the editor
(or the other way round) fails the build and the tests instead of being silently dropped.

Choices (tags, regions, countries, campaigns, storytellers) come from `mkdocs.yml`, Babel and
the *published* content only: `config.yml` is a public file, so a held-back or withdrawn
profile's name must never appear in it. The editor's JavaScript is Decap CMS from npm, at the
version pinned in `package-lock.json`, copied from `node_modules/` into the site: no CDN.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

import yaml
from babel import Locale

from .loader import AMBASSADOR_KEYS, CAMPAIGN_KEYS, CONSENT_KEYS, COUNTRIES, LANG, PERSON_KEYS, STORY_KEYS
from .models import Display, Scope
from .publish import Publication
from .settings import Settings

URL = "admin/"
PACKAGE = Path("node_modules") / "decap-cms"
YAML_JS = Path("node_modules") / "js-yaml" / "dist" / "browser" / "js-yaml.umd.min.js"  # for admin_editor.js
FORMAT = "stories-frontmatter"  # registered by admin_editor.js

# The policy the editor works under, found by driving it in Chromium (create a story, upload a
# photo, save; edit a title) and reading every `securitypolicyviolation` from `default-src 'none'`
# up; tests/browser/test_editor.py asserts there are none:
#  * script-src 'unsafe-eval': Decap validates its configuration with AJV, which compiles the
#    schema with `new Function`; without it the editor stops at "Error loading the CMS configuration".
#  * style-src-elem 'unsafe-inline': Decap styles itself with Emotion (CSS-in-JS), which inserts
#    <style> elements at run time. Style *attributes* are not needed: style-src stays 'self'.
#  * img-src/connect-src blob: the preview of a picture being uploaded, and Decap reading it back.
#  * connect-src: GitHub's API for the hosted editor (and img-src its avatars), the local backend
#    (decap-server) for `make edit`. Nothing else: no fonts, frames, workers or data: URLs.
CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self'; style-src-elem 'self' 'unsafe-inline'; "
    "img-src 'self' blob: https://avatars.githubusercontent.com; "
    "connect-src 'self' blob: https://api.github.com {local}; base-uri 'none'; form-action 'none'; object-src 'none'"
)

SCOPE_HELP = {
    Scope.WEB: "web: the page on this site, its listing, search and the storyteller's profile page. "
               "Without web nothing is published.",
    Scope.FEEDS: "feeds: the RSS, Atom and JSON feeds; subscribers' apps keep a copy we cannot recall.",
    Scope.SOCIAL: "social: a share picture (social card) and link previews on social media and chat apps.",
}  # fmt: skip

DISPLAY_HELP = (
    "full: the whole name is shown. first-name: only the first name. pseudonym: a chosen name, "
    "never with a photo, and a place at region level only. Children are always pseudonym."
)


class ContractError(Exception):
    """The editor's fields and the loader's keys disagree."""


def _string(name: str, label: str, required: bool = True, hint: str = "", **extra: Any) -> dict:
    field = {"name": name, "label": label, "widget": "string", "required": required}
    if hint:
        field["hint"] = hint
    return field | extra


def _select(name: str, label: str, options: Iterable, multiple: bool = False, required: bool = False,
            hint: str = "", **extra: Any) -> dict:  # fmt: skip
    field = {"name": name, "label": label, "widget": "select", "options": list(options),
             "multiple": multiple, "required": required}  # fmt: skip
    if hint:
        field["hint"] = hint
    return field | extra


def _day(name: str, label: str, required: bool, hint: str = "") -> dict:
    field = {"name": name, "label": label, "widget": "datetime", "required": required,
             "format": "YYYY-MM-DD", "date_format": "YYYY-MM-DD", "time_format": False}  # fmt: skip
    return field | ({"hint": hint} if hint else {})


def country_options() -> list[dict]:
    names = Locale("en").territories
    return [{"label": f"{names[code]} ({code})", "value": code} for code in sorted(COUNTRIES, key=names.get)]


def consent_fields() -> dict[str, dict]:
    scope_hint = " ".join(SCOPE_HELP[s] for s in Scope)
    return {
        "ref": _string("ref", "Consent form reference", hint="The id of the signed consent form, e.g. IMD2021-AMB-01."),
        "given": _day("given", "Consent given on", True, "The day the form was signed (never in the future)."),
        "scope": _select("scope", "What they agreed to", [s.value for s in Scope], multiple=True, required=True,
                         hint=scope_hint),
        "expires": {"name": "expires", "label": "Consent expires", "widget": "datetime", "required": False,
                    "format": "YYYY-MM-DDTHH:mm:ssZ",
                    "hint": "Leave empty if it does not expire. After this moment the story is taken down."},
        "withdrawn": {"name": "withdrawn", "label": "Consent withdrawn", "widget": "boolean", "required": False,
                      "default": False,
                      "hint": "Tick when the person withdraws consent: the page, feed entries and card are removed "
                              "at the next build."},
    }  # fmt: skip


def person_fields() -> dict[str, dict]:
    return {
        "name": _string("name", "Name", hint="As it will be shown: a full name, a first name or a chosen pseudonym."),
        "display": _select("display", "How the name is shown", [d.value for d in Display], required=False,
                           default=Display.FULL.value, hint=DISPLAY_HELP),
        "minor": {"name": "minor", "label": "Under 18", "widget": "boolean", "required": False, "default": False,
                  "hint": "A child needs a guardian's consent reference and display: pseudonym."},
        "guardian_consent_ref": _string("guardian_consent_ref", "Guardian's consent reference", required=False,
                                        hint="Only for someone under 18: the form signed by a parent or guardian."),
    }  # fmt: skip


def _consent_block() -> dict:
    return {"name": "consent", "label": "Consent", "widget": "object", "required": True, "collapsed": False,
            "hint": "Nothing is published without a signed consent form that covers it.",
            "fields": _ordered(consent_fields(), CONSENT_KEYS)}  # fmt: skip


def _image_pair(key: str, alt_key: str, what: str) -> dict[str, dict]:
    return {
        key: {"name": key, "label": what, "widget": "image", "required": False, "choose_url": False,
              "hint": "JPEG, PNG, WebP or HEIC; saved next to this file. Location and camera data are removed "
                      "when the site is built."},
        alt_key: {"name": alt_key, "label": f"{what}: description (alt text)", "widget": "text", "required": False,
                  "hint": "Required with a picture: what it shows, for people who cannot see it. "
                          "Never name someone shown under a pseudonym."},
    }  # fmt: skip


def story_fields(settings: Settings, pub: Publication | None) -> dict[str, dict]:
    people = sorted(pub.ambassadors, key=lambda a: a.person.public_name) if pub else []
    campaigns = pub.campaigns if pub else ()
    return {
        "id": {"name": "id", "label": "Id", "widget": "uuid", "prefix": "urn:uuid:", "read_only": True,
               "hint": "Made for you when the story is created. Feed readers know the story by it: it never changes."},
        "title": _string("title", "Title", hint="Plain text. The address of the page is made from it once and then "
                                                "stays the same."),
        "date": {"name": "date", "label": "Publication time", "widget": "datetime", "required": True,
                 "format": "YYYY-MM-DDTHH:mm:ssZ",
                 "hint": "In your computer's time zone. A time in the future publishes the story then."},
        "summary": {"name": "summary", "label": "Summary", "widget": "text", "required": True,
                    "hint": "One or two plain sentences: shown in lists, feeds and link previews."},
        "storytellers": _select("storytellers", "Storytellers (ambassadors)",
                                [{"label": f"{a.person.public_name} ({a.id})", "value": a.id} for a in people],
                                multiple=True, hint="The ambassadors who told this story. A story needs storytellers "
                                                    "or a byline."),
        # A byline is a name or a {name, display, ...} block; the form edits both as blocks, and
        # admin_editor.js writes a block that holds only a name back as a plain name.
        "by": {"name": "by", "label": "Byline", "widget": "list", "required": False, "collapsed": False,
               "default": [], "label_singular": "person", "summary": "{{fields.name}}",
               "hint": "People credited who have no ambassador profile, e.g. Editorial team.",
               "fields": _ordered(person_fields(), PERSON_KEYS)},
        "campaign": _select("campaign", "Campaign", [{"label": f"{c.title} ({c.year})", "value": c.id}
                                                     for c in campaigns]),
        "tags": _select("tags", "Themes", settings.tags, multiple=True,
                        hint="From the list in mkdocs.yml; ask a maintainer to add a new theme."),
        "origin": _select("origin", "Countries of origin", country_options(), multiple=True),
        "place": _string("place", "Place", required=False,
                         hint="A town, city or region, never an address. Region only for a pseudonym: "
                              + ", ".join(settings.regions) + "."),
        "lang": _string("lang", "Language", required=False, default="en", pattern=[LANG.pattern, "a BCP 47 tag "
                        "such as en, ar or fr-CA"], hint="en for English, ar for Arabic (laid out right to left)."),
        "translation_of": {"name": "translation_of", "label": "Translation of", "widget": "relation",
                           "required": False, "collection": "stories", "value_field": "id",
                           "search_fields": ["title"], "display_fields": ["title"],
                           "hint": "If this story translates another one, pick the original."},
        **_image_pair("image", "image_alt", "Picture"),
        "content_warning": _string("content_warning", "Content warning", required=False,
                                   hint="Shown before the text, e.g. 'Mentions of violence at a border'."),
        "draft": {"name": "draft", "label": "Draft (never published)", "widget": "boolean", "required": False,
                  "default": False},
        "consent": _consent_block(),
        "aliases": {"name": "aliases", "label": "Old addresses", "widget": "list", "required": False,
                    "hint": "Old addresses of this story, e.g. /stories/2021/old-slug/, so links keep working "
                            "after a rename"},
    }  # fmt: skip


def campaign_fields() -> dict[str, dict]:
    return {
        "year": {"name": "year", "label": "Year", "widget": "number", "value_type": "int", "required": True,
                 "hint": "Must match the year at the start of the folder name."},
        "title": _string("title", "Title"),
        "hashtag": _string("hashtag", "Hashtag", pattern=[r"^#\w+$", "like #WeTogether"]),
        "theme": _string("theme", "Theme", hint="One sentence on the theme."),
        "date": _day("date", "Day", True, "International Migrants' Day is 18 December."),
        "partners": {"name": "partners", "label": "Partners", "widget": "list", "required": False},
        "summary": {"name": "summary", "label": "Summary", "widget": "text", "required": True},
        **_image_pair("image", "image_alt", "Banner picture"),
        "returning_ambassadors": {"name": "returning_ambassadors", "label": "Returning ambassadors (ids)",
                                  "widget": "list", "required": False,
                                  "hint": "File names of profiles from earlier years, e.g. amer."},
        "announce": _day("announce", "Public from", False,
                         "The campaign page, its ambassadors and its stories are published from this day on (before "
                         "it the home page counts down to it). Left empty: from the campaign's own day."),
    }  # fmt: skip


def ambassador_fields(settings: Settings) -> dict[str, dict]:
    person = person_fields()
    return {
        **person,
        "origin": _select("origin", "Country of origin", country_options(), required=True),
        "lives_in": _string("lives_in", "Lives in", hint="A town, city or region; for a pseudonym only one of: "
                            + ", ".join(settings.regions) + "."),
        "arrived": {"name": "arrived", "label": "Year of arrival", "widget": "number", "value_type": "int",
                    "required": False},
        "role": _string("role", "Role", hint="What they do."),
        **_image_pair("photo", "photo_alt", "Photo"),
        "consent": _consent_block(),
    }  # fmt: skip


def _ordered(fields: dict[str, dict], keys: Iterable[str]) -> list[dict]:
    """The fields in the loader's key order; a loader key without an editor field is an error."""
    missing = [key for key in keys if key not in fields]
    extra = [key for key in fields if key not in tuple(keys)]
    if missing or extra:
        raise ContractError(f"editor fields and loader keys differ: missing {missing}, not in the loader {extra}")
    return [fields[key] for key in keys]


COMMIT_MESSAGES = {
    "create": "Editor: new {{collection}} “{{slug}}”", "update": "Editor: {{collection}} “{{slug}}”",
    "delete": "Editor: delete {{collection}} “{{slug}}”", "uploadMedia": "Editor: picture “{{path}}”",
    "deleteMedia": "Editor: remove picture “{{path}}”",
}  # fmt: skip

BODY = {"name": "body", "label": "Text", "widget": "markdown", "required": True,
        "buttons": ["bold", "italic", "link", "heading-two", "heading-three", "quote", "bulleted-list",
                    "numbered-list"],
        "editor_components": [], "modes": ["rich_text", "raw"],
        "hint": "Use 'Heading 2' for sections: the title is the page's only main heading."}  # fmt: skip


def _collection(name: str, label: str, singular: str, folder: str, fields: list[dict], **extra: Any) -> dict:
    return {"name": name, "label": label, "label_singular": singular, "folder": folder, "create": True,
            "extension": "md", "format": FORMAT, "fields": [*fields, BODY]} | extra  # fmt: skip


def editor_config(settings: Settings, pub: Publication | None) -> dict:
    """Decap CMS's `config.yml` as a mapping: the contract's fields, how they are edited, where files go."""
    collections = [
        _collection("stories", "Stories", "Story", "stories", _ordered(story_fields(settings, pub), STORY_KEYS),
                    # stories/<year>/<slug>.md: the year of the publication date, the slug from the title
                    path="{{year}}/{{slug}}", slug="{{slug}}", identifier_field="title",
                    summary="{{title}} ({{year}})", sortable_fields=["date", "title"],
                    media_folder="images", public_folder="images",
                    preview_path="stories/{{dirname}}/{{filename}}/"),
        _collection("campaigns", "Campaigns", "Campaign", "campaigns", _ordered(campaign_fields(), CAMPAIGN_KEYS),
                    path="{{fields.year}}-{{slug}}/campaign", slug="{{slug}}", identifier_field="title",
                    summary="{{fields.year}}: {{title}}", media_folder="", public_folder=""),
    ]  # fmt: skip
    for campaign in sorted({c.id for c in pub.campaigns} if pub else (), reverse=True):
        collections.append(_collection(
            f"ambassadors-{campaign}", f"Ambassadors {campaign[:4]}", "Ambassador",
            f"campaigns/{campaign}/ambassadors", _ordered(ambassador_fields(settings), AMBASSADOR_KEYS),
            slug="{{slug}}", identifier_field="name", summary="{{name}} ({{role}})",
            media_folder="", public_folder="",
        ))  # fmt: skip
    return {
        "backend": {"name": "github", "repo": settings.editor_repo or "OWNER/REPOSITORY", "branch": "main",
                    **({"base_url": settings.editor_auth_url} if settings.editor_auth_url else {}),
                    "squash_merges": True, "commit_messages": COMMIT_MESSAGES},
        "local_backend": {"url": f"http://localhost:{settings.editor_port}/api/v1"},
        "publish_mode": "editorial_workflow",
        "site_url": settings.site_url,
        "display_url": settings.site_url,
        "locale": "en",
        "media_folder": "site_src/images",
        "public_folder": "/images",
        "slug": {"encoding": "ascii", "clean_accents": True, "sanitize_replacement": "-"},
        "collections": collections,
    }  # fmt: skip


def contract_mismatches(config: dict, contract: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """Every key the loader reads that the editor lacks, and every editor field the loader would refuse."""
    contract = contract or {"stories": STORY_KEYS, "campaigns": CAMPAIGN_KEYS, "ambassadors": AMBASSADOR_KEYS}
    problems = []
    for collection in config["collections"]:
        kind = "ambassadors" if collection["name"].startswith("ambassadors-") else collection["name"]
        problems += _compare(collection["name"], [f["name"] for f in collection["fields"] if f["name"] != "body"],
                             contract[kind])  # fmt: skip
        for field in collection["fields"]:
            sub = {"consent": CONSENT_KEYS, "by": PERSON_KEYS}.get(field["name"])
            if sub and "fields" in field:
                problems += _compare(f"{collection['name']}.{field['name']}", [f["name"] for f in field["fields"]],
                                     contract.get(field["name"], sub))  # fmt: skip
    return problems


def _compare(where: str, editor: list[str], loader: Iterable[str]) -> list[str]:
    loader = tuple(loader)
    return ([f"{where}: loader key `{k}` has no editor field" for k in loader if k not in editor]
            + [f"{where}: editor field `{k}` is not a loader key" for k in editor if k not in loader])  # fmt: skip


def header_policy() -> str:
    """The policy `_headers` sends with /admin/*: the hosted editor's, without the local backend
    (the page's <meta> adds it; under a host's header the two are both enforced)."""
    return CSP.format(local="").replace("  ", " ").replace(" ;", ";")


def index_html(settings: Settings) -> str:
    policy = CSP.format(local=f"http://localhost:{settings.editor_port}")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<title>Editor · {_escape(settings.site_name)}</title>
</head>
<body>
<script src="decap-cms.js"></script>
<script src="js-yaml.min.js"></script>
<script src="editor.js"></script>
</body>
</html>
"""


def editor_js(stylesheet: str = "") -> str:
    """admin_editor.js with the address of the site's stylesheet (site-relative, content-hashed:
    `assets/stories.<hash>.css`, known only once the build has made it) for the preview pane."""
    source = (Path(__file__).parent / "admin_editor.js").read_text(encoding="utf-8")
    href = "../" + stylesheet.lstrip("/") if stylesheet else ""
    return source.replace("var STYLESHEET = null;", f"var STYLESHEET = {json.dumps(href or None)};", 1)


class _PlainDumper(yaml.SafeDumper):
    """Writes a field used twice (the body) twice instead of as a YAML alias (`&id001`/`*id001`)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _node_modules(root: Path) -> Path:
    """The project's node_modules, else this checkout's (a site in a temporary folder, in tests)."""
    for base in (root, Path(__file__).resolve().parents[1]):
        if (base / PACKAGE / "dist" / "decap-cms.js").is_file() and (base / YAML_JS).is_file():
            return base
    raise FileNotFoundError(f"{PACKAGE}/dist/decap-cms.js or {YAML_JS} is missing: run `make site` "
                            "(it runs tools/install-npm.sh)")  # fmt: skip


def bundle_files(root: Path) -> list[tuple[str, Path]]:
    """Decap's pinned bundle (the main script, its lazy chunks and WebAssembly) and js-yaml."""
    base = _node_modules(root)
    dist = base / PACKAGE / "dist"
    chunks = sorted(p for p in dist.iterdir() if p.name.endswith(".decap-cms.js") or p.suffix == ".wasm")
    return [(URL + p.name, p) for p in [dist / "decap-cms.js", *chunks]] + [(URL + "js-yaml.min.js", base / YAML_JS)]


def admin_files(settings: Settings, pub: Publication | None, stylesheet: str = "",
                ) -> tuple[list[tuple[str, bytes]], list[tuple[str, Path]]]:  # fmt: skip
    """The files of `/admin/`: generated ones (bytes) and the bundle (paths to link).

    `stylesheet` is the site's stylesheet as pages link it (`assets/stories.<hash>.css`).
    """
    config = editor_config(settings, pub)
    problems = contract_mismatches(config)
    if problems:
        raise ContractError("; ".join(problems))
    text = "# Generated by builder/admin.py from the content contract: edit that, not this file.\n"
    text += yaml.dump(config, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=100)
    generated = [
        (URL + "index.html", index_html(settings).encode()),
        (URL + "config.yml", text.encode()),
        (URL + "editor.js", editor_js(stylesheet).encode()),
    ]
    return generated, bundle_files(settings.root)
