"""Checks that a storyteller shown by first name or pseudonym cannot be identified.

A surname that slips into a title, an alt text or a file name is published as surely as one
in the byline, so the surname of a `first-name` person may appear in none of the fields of
their profile or their stories. A pseudonymous person is placed at region level only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping

from .models import Content, Display, Person, Problem, Story


@dataclass(frozen=True)
class KeyLines:
    """Where each front-matter key and the body start in a file, for reporting."""

    keys: Mapping[str, int]
    body: int

    def of(self, key: str) -> int:
        return self.body if key == "body" else self.keys.get(key, 1)


def hidden_words(person: Person) -> tuple[str, ...]:
    """The words of a name that must never be published."""
    if person.display is Display.FIRST_NAME:
        return tuple(w for w in person.name.split()[1:] if len(w) > 1)
    return ()


def _story_fields(story: Story) -> dict[str, str]:
    return {
        "title": story.title, "summary": story.summary, "body": story.body, "slug": story.slug,
        "place": story.place or "", "content_warning": story.content_warning or "",
        "image_alt": story.image.alt if story.image else "",
    }  # fmt: skip


def _leaks(words: Iterable[str], fields: Mapping[str, str]) -> Iterable[tuple[str, str]]:
    for word in words:
        pattern = re.compile(rf"(?<![\w]){re.escape(word)}(?![\w])", re.I)
        for key, text in fields.items():
            if pattern.search(text.replace("-", " ")):
                yield key, word


def anonymity_problems(content: Content, regions: tuple[str, ...], lines: Mapping[str, KeyLines]) -> list[Problem]:
    problems: list[Problem] = []
    people = {a.id: a for a in content.ambassadors}
    for ambassador in content.ambassadors:
        person = ambassador.person
        at = lines[ambassador.path]
        fields = {"slug": ambassador.id, "role": ambassador.role, "lives_in": ambassador.lives_in,
                  "body": ambassador.body, "photo_alt": ambassador.photo.alt if ambassador.photo else ""}  # fmt: skip
        for key, word in _leaks(hidden_words(person), fields):
            problems.append(Problem(ambassador.path, at.of(key if key != "slug" else "name"),
                                    f"the surname {word!r} of a first-name-only person appears in `{key}`"))  # fmt: skip
        if person.display is Display.PSEUDONYM and ambassador.lives_in not in regions:
            problems.append(Problem(ambassador.path, at.of("lives_in"),
                                    "a person shown under a pseudonym is placed by region only: `lives_in` must be "
                                    f"one of {', '.join(regions)}"))  # fmt: skip
    for story in content.stories:
        tellers = [people[i].person for i in story.storytellers if i in people] + list(story.by)
        at = lines[story.path]
        words = [w for person in tellers for w in hidden_words(person)]
        for key, word in _leaks(words, _story_fields(story)):
            problems.append(Problem(story.path, at.of(key if key != "slug" else "id"),
                                    f"the surname {word!r} of a first-name-only storyteller appears in `{key}`"))  # fmt: skip
        if story.place and any(p.display is Display.PSEUDONYM for p in tellers) and story.place not in regions:
            problems.append(Problem(story.path, at.of("place"),
                                    "a story told under a pseudonym is placed by region only: `place` must be one of "
                                    + ", ".join(regions)))  # fmt: skip
    return problems
