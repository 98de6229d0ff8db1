"""`new`: start a content file with every field, a fresh id and the consent block to fill in.

The templates carry the content contract as comments, so a comms officer editing on GitHub's
web interface sees what each field means right where they type.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from pathlib import Path

from .settings import Settings

KINDS = ("story", "ambassador", "campaign")
_SLUG = re.compile(r"^[a-z0-9-]+$")

STORY = """\
---
# A stable id: never change it, even when the title or file name changes (feeds use it).
id: "urn:uuid:{uuid}"
title: "Write the title here"
# Publication time, with a time zone. A time in the future holds the story until then.
date: {now}
summary: "One or two plain sentences that say what the story is about."
# Ambassador ids (file names under campaigns/*/ambassadors/), and/or free-text bylines.
storytellers: []
by: ["Your name or the storyteller's chosen name"]
# Optional. The campaign id is its folder name, e.g. 2021-it-takes-a-community.
campaign: {campaign}
# Themes from the allowed list in mkdocs.yml: {tags}
tags: []
# Countries of origin as ISO codes, e.g. [SY, AF].
origin: []
# A town, city or region only: never an address, postcode or coordinates.
# place: "Leeds"
lang: en
# Optional: a picture next to this file, and what it shows for people who cannot see it.
# image: images/my-photo.jpg
# image_alt: "Describe the picture"
# content_warning: "Say what the story touches on, e.g. war, detention, racism"
# After renaming a published story's file: its old addresses, so old links keep working.
# aliases: ["stories/2021/old-name/"]
# Drafts are never published; remove this line when the story is ready.
draft: true
consent:
  # The id of the signed consent form, which is kept offline. Never put the form here.
  ref: "FORM-ID"
  given: {today}
  # web: the site; feeds: RSS/Atom/JSON feeds; social: social cards and previews.
  scope: [web, feeds, social]
  # expires: 2027-12-31
  # withdrawn: true   <- set this when the storyteller asks to take the story down
---

Write the story here. Use `## ` for section headings.
"""

AMBASSADOR = """\
---
name: "Full name, first name, or chosen pseudonym"
# full | first-name (only the first word of name is shown) | pseudonym (name is the pseudonym)
display: full
origin: XX            # ISO country code, e.g. SY
lives_in: "Town, city or region (a region only for a pseudonym)"
# arrived: 2018
role: "What they do"
# photo: photos/{slug}.jpg
# photo_alt: "Describe the photo"
consent:
  ref: "FORM-ID"
  given: {today}
  scope: [web, feeds, social]
---

Write the profile here: who they are and what community means to them.
"""

CAMPAIGN = """\
---
year: {year}
title: "The theme's title"
hashtag: "#Hashtag"
theme: "One sentence on the theme"
date: {year}-12-18
partners: []
summary: "One or two sentences"
# image: banner.jpg
# image_alt: "Describe the banner"
# returning_ambassadors: []   <- ids of ambassadors from earlier years who take part again
---

What the theme means, and how to get involved.
"""


def scaffold(settings: Settings, kind: str, slug: str, *, campaign: str | None, now: datetime) -> Path:
    """Write a new file and return its path; refuse to overwrite anything."""
    if not _SLUG.match(slug):
        raise ValueError(f"bad name {slug!r}: use lowercase letters, digits and '-' only")
    local = now.astimezone(settings.zone).replace(microsecond=0)
    values = dict(
        uuid=uuid.uuid4(), now=local.isoformat(), today=local.date().isoformat(), year=local.year,
        campaign=campaign or "", tags=", ".join(settings.tags), slug=slug,
    )  # fmt: skip
    if kind == "story":
        path, text = settings.stories_dir / str(local.year) / f"{slug}.md", STORY
        taken = sorted(p for p in settings.stories_dir.glob(f"*/{slug}.md") if p != path)
        if taken:  # story names are unique across years: the check would refuse the second
            raise ValueError(f"the name {slug!r} is taken by {taken[0].relative_to(settings.root).as_posix()}: "
                             "choose another name, or edit that file")  # fmt: skip
    elif kind == "ambassador":
        if not campaign:
            raise ValueError("an ambassador belongs to a campaign: add --campaign <campaign id>")
        folder = settings.campaigns_dir / campaign
        if not folder.is_dir():
            raise ValueError(f"no campaign folder {folder.relative_to(settings.root)}")
        path, text = folder / "ambassadors" / f"{slug}.md", AMBASSADOR
    elif kind == "campaign":
        path, text = settings.campaigns_dir / f"{local.year}-{slug}" / "campaign.md", CAMPAIGN
    else:
        raise ValueError(f"unknown kind {kind!r}")
    if kind == "story" and not campaign:
        text = text.replace("campaign: {campaign}\n", "# campaign: 2021-it-takes-a-community\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:
        handle.write(text.format(**values))
    return path
