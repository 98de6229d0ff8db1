"""The editor at /admin/: its configuration follows the loader's contract, and the page stays private."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from builder import admin, loader
from builder.loader import load_content
from builder.publish import build_clock, publish
from builder.settings import load_settings

from .conftest import PROJECT, consent


@pytest.fixture(scope="module")
def config() -> dict:
    settings = load_settings(PROJECT / "mkdocs.yml")
    content, problems = load_content(settings)
    assert problems == []
    return admin.editor_config(settings, publish(content, build_clock()))


def _collection(config: dict, name: str) -> dict:
    return next(c for c in config["collections"] if c["name"] == name)


def test_every_loader_key_has_an_editor_field_and_no_other(config):
    assert admin.contract_mismatches(config) == []
    names = lambda c: [f["name"] for f in c["fields"]]  # noqa: E731
    assert names(_collection(config, "stories")) == [*loader.STORY_KEYS, "body"]
    assert names(_collection(config, "campaigns")) == [*loader.CAMPAIGN_KEYS, "body"]
    ambassadors = [c for c in config["collections"] if c["name"].startswith("ambassadors-")]
    assert {c["folder"] for c in ambassadors} >= {"campaigns/2021-it-takes-a-community/ambassadors"}
    assert all(names(c) == [*loader.AMBASSADOR_KEYS, "body"] for c in ambassadors)
    consent_block = next(f for f in _collection(config, "stories")["fields"] if f["name"] == "consent")
    assert [f["name"] for f in consent_block["fields"]] == list(loader.CONSENT_KEYS)
    by = next(f for f in _collection(config, "stories")["fields"] if f["name"] == "by")
    assert [f["name"] for f in by["fields"]] == list(loader.PERSON_KEYS)


def test_a_loader_field_without_the_editor_fails(config, monkeypatch):
    # A test-local copy of the contract with one more key, as a developer adding `mood` to the loader would make.
    contract = {"stories": (*loader.STORY_KEYS, "mood"), "campaigns": loader.CAMPAIGN_KEYS,
                "ambassadors": loader.AMBASSADOR_KEYS, "consent": loader.CONSENT_KEYS}  # fmt: skip
    assert admin.contract_mismatches(config, contract) == ["stories: loader key `mood` has no editor field"]
    # ...and the build refuses to write an editor that would silently drop it.
    monkeypatch.setattr(admin, "STORY_KEYS", contract["stories"])
    settings = load_settings(PROJECT / "mkdocs.yml")
    with pytest.raises(admin.ContractError, match="missing \\['mood'\\]"):
        admin.editor_config(settings, None)


def test_an_editor_field_the_loader_would_refuse_fails(config):
    changed = copy.deepcopy(config)
    _collection(changed, "stories")["fields"].insert(2, {"name": "subtitle", "widget": "string"})
    consent_block = next(f for f in _collection(changed, "campaigns")["fields"] if f["name"] == "title")
    consent_block["name"] = "headline"
    assert admin.contract_mismatches(changed) == [
        "stories: editor field `subtitle` is not a loader key",
        "campaigns: loader key `title` has no editor field",
        "campaigns: editor field `headline` is not a loader key",
    ]


def test_choices_come_from_mkdocs_yml_babel_and_the_slug_rule(config):
    settings = load_settings(PROJECT / "mkdocs.yml")
    fields = {f["name"]: f for f in _collection(config, "stories")["fields"]}
    assert fields["tags"]["options"] == list(settings.tags) and fields["tags"]["multiple"]
    assert {"label": "Syria (SY)", "value": "SY"} in fields["origin"]["options"]
    assert {o["value"] for o in fields["origin"]["options"]} == set(loader.COUNTRIES)
    assert fields["id"].items() >= {"widget": "uuid", "prefix": "urn:uuid:", "read_only": True}.items()
    assert {"label": "Amer (amer)", "value": "amer"} in fields["storytellers"]["options"]
    campaign = {"label": "It Takes a Community (2021)", "value": "2021-it-takes-a-community"}
    assert campaign in fields["campaign"]["options"]
    relation = {"widget": "relation", "collection": "stories", "value_field": "id"}
    assert fields["translation_of"].items() >= relation.items()
    assert all(region in fields["place"]["hint"] for region in settings.regions)
    scope = next(f for f in fields["consent"]["fields"] if f["name"] == "scope")
    assert [o for o in scope["options"]] == ["web", "feeds", "social"]
    assert all(f"{s}:" in scope["hint"] for s in ("web", "feeds", "social"))
    assert config["publish_mode"] == "editorial_workflow"
    stories = _collection(config, "stories")
    assert (stories["folder"], stories["path"], stories["media_folder"]) == ("stories", "{{year}}/{{slug}}", "images")
    assert re.fullmatch(loader.LANG.pattern, "fr-CA") and fields["lang"]["pattern"][0] == loader.LANG.pattern


def test_admin_is_served_privately_and_kept_out_of_sitemap_search_and_feeds(site):
    site.campaign()
    site.ambassador("amer")
    site.ambassador("hidden", name="Withheld Person", consent=consent(withdrawn=True))
    site.ambassador("amina", name="Amina Vorskaya", display="first-name", lives_in="Leeds")
    site.story("a-story", storytellers=["amer"])
    out = site.build()
    html = (out / "admin" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<meta name="robots" content="noindex, nofollow">', html)
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html).group(1)
    assert "script-src 'self' 'unsafe-eval';" in policy and "default-src 'none'" in policy
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts == ["decap-cms.js", "js-yaml.min.js", "editor.js"], "scripts from the site only"
    assert (out / "admin" / "decap-cms.js").stat().st_size > 1_000_000
    version = json.loads((PROJECT / "node_modules" / "decap-cms" / "package.json").read_text())["version"]
    lock = json.loads((PROJECT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/decap-cms"]["version"] == version, "the bundle is the pinned one"
    config_text = (out / "admin" / "config.yml").read_text(encoding="utf-8")
    assert "Withheld Person" not in config_text and "hidden" not in config_text, "a withdrawn profile leaks"
    assert "Vorskaya" not in config_text and "label: Amina (amina)" in config_text, "names as the site shows them"
    assert yaml.safe_load(config_text)["collections"][0]["name"] == "stories"
    assert "admin" not in (out / "sitemap.xml").read_text()
    for path in [*(out / "search").rglob("*.json"), *(out / "feeds").rglob("*.*")]:
        assert "admin/" not in path.read_text(encoding="utf-8", errors="replace"), path


ROUND_TRIP = r"""
const [editorJs, yamlJs, jobs] = [process.argv[1], process.argv[2], JSON.parse(process.argv[3])];
const fs = require("fs");
global.jsyaml = require(yamlJs);
global.CMS = { registerPreviewStyle() {}, registerCustomFormat(name, ext, format) { global.FORMAT = format; } };
require(editorJs);
const out = {};
for (const [path, keys] of jobs) out[path] = FORMAT.toFile(FORMAT.fromFile(fs.readFileSync(path, "utf8")), keys);
console.log(JSON.stringify(out));
"""


def test_opening_and_saving_an_entry_in_the_editor_changes_no_byte(tmp_path):
    """The editor's front-matter format (admin_editor.js) writes back exactly what it read, for every file:
    a pull request from the editor shows the lines that were edited and nothing else."""
    node = shutil.which("node")
    assert node, "node missing: run tools/install-test-deps.sh"
    editor_js = tmp_path / "editor.js"
    editor_js.write_text(admin.editor_js(), encoding="utf-8")
    keys = {"stories": loader.STORY_KEYS, "campaign.md": loader.CAMPAIGN_KEYS, "ambassadors": loader.AMBASSADOR_KEYS}
    files = sorted([*PROJECT.glob("stories/*/*.md"), *PROJECT.glob("campaigns/*/campaign.md"),
                    *PROJECT.glob("campaigns/*/ambassadors/*.md")])  # fmt: skip
    jobs = [[str(f), [*next(v for k, v in keys.items() if k in f.as_posix()), "body"]] for f in files]
    done = subprocess.run([node, "-e", ROUND_TRIP, str(editor_js), str(PROJECT / admin.YAML_JS), json.dumps(jobs)],
                          capture_output=True, text=True, check=True)  # fmt: skip
    written = json.loads(done.stdout)
    assert len(written) == len(files) > 20
    assert [p for p, text in written.items() if text != Path(p).read_text(encoding="utf-8")] == []
    # ...and what it writes for a form's values is what the loader reads: no empty fields, plain names plain.
    jobs = [[str(tmp_path / "new.md"), [*loader.STORY_KEYS, "body"]]]
    (tmp_path / "new.md").write_text('---\nid: "urn:uuid:1"\nplace: ""\ndraft: false\nby:\n  - name: "Editorial team"\n'
                                     '    display: full\n  - name: "Sam"\n    display: pseudonym\n---\nText\n')
    done = subprocess.run([node, "-e", ROUND_TRIP, str(editor_js), str(PROJECT / admin.YAML_JS), json.dumps(jobs)],
                          capture_output=True, text=True, check=True)  # fmt: skip
    assert json.loads(done.stdout)[str(tmp_path / "new.md")] == (
        '---\nid: "urn:uuid:1"\nby:\n  - "Editorial team"\n  - name: "Sam"\n    display: pseudonym\n---\nText\n'
    )


def test_headers_give_admin_its_own_policy_and_no_block_overlaps_it():
    """Hosts apply every matching `_headers` block: no site-wide CSP may also reach /admin/*."""
    from builder import csp

    text = csp.headers_file(["'sha256-x'"], {"/admin/*": admin.header_policy()},
                            ["index.html", "stories/", "admin/", "assets/"]).decode()  # fmt: skip
    blocks: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.startswith("/"):
            current = blocks.setdefault(line, [])
        else:
            current.append(line.strip())
    assert not any(h.startswith("Content-Security-Policy") for h in blocks["/*"])
    def covers(pattern: str, path: str) -> bool:  # an exact path, or a prefix ending in a splat
        return path.startswith(pattern[:-1]) if pattern.endswith("*") else path == pattern

    covering_admin = [p for p in blocks if covers(p, "/admin/") or covers(p, "/admin/decap-cms.js")]
    csps = [h for p in covering_admin for h in blocks[p] if h.startswith("Content-Security-Policy")]
    assert len(csps) == 1 and "'unsafe-eval'" in csps[0] and "localhost" not in csps[0]
    assert "'unsafe-eval'" not in blocks["/stories/*"][0] and "frame-ancestors 'none'" in blocks["/stories/*"][0]
    assert set(blocks) == {"/*", "/", "/index.html", "/stories/*", "/assets/*", "/admin/*"}
