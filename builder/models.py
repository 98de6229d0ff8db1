"""The content model: what the loader reads and everything after it works from.

Everything is a frozen dataclass so that a page, feed or image step can never change what
another step sees, and so that the same files always give the same objects.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime


class Scope(enum.StrEnum):
    WEB = "web"
    FEEDS = "feeds"
    SOCIAL = "social"


class Display(enum.StrEnum):
    FULL = "full"
    FIRST_NAME = "first-name"
    PSEUDONYM = "pseudonym"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in the content, reported as `path:line: message`."""

    path: str
    line: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


@dataclass(frozen=True)
class Consent:
    ref: str
    given: date
    scope: frozenset[Scope]
    expires: datetime | None = None
    withdrawn: bool = False


@dataclass(frozen=True)
class Person:
    """How a person is named in public: the anonymity rules live here, in one place."""

    name: str
    display: Display = Display.FULL
    minor: bool = False
    guardian_consent_ref: str | None = None

    @property
    def public_name(self) -> str:
        if self.display is Display.FIRST_NAME:
            return self.name.split()[0]
        return self.name


@dataclass(frozen=True)
class Image:
    """A picture referenced by content: the source file and its description."""

    path: str  # relative to the project root, posix
    alt: str  # "" only when the content says the image is decorative


@dataclass(frozen=True)
class Campaign:
    id: str
    path: str
    year: int
    title: str
    hashtag: str
    theme: str
    date: date
    partners: tuple[str, ...]
    summary: str
    body: str
    image: Image | None = None
    returning_ambassadors: tuple[str, ...] = ()
    announce: datetime | None = None  # when the campaign and its profiles go public; None: at once


@dataclass(frozen=True)
class Ambassador:
    id: str
    path: str
    campaign: str  # the campaign whose folder holds the profile
    person: Person
    origin: str
    lives_in: str
    role: str
    consent: Consent
    body: str
    arrived: int | None = None
    photo: Image | None = None


@dataclass(frozen=True)
class Story:
    id: str
    path: str
    slug: str
    year: int  # from the folder: the URL stays put when the date is corrected
    title: str
    date: datetime
    summary: str
    consent: Consent
    body: str
    storytellers: tuple[str, ...] = ()
    by: tuple[Person, ...] = ()
    campaign: str | None = None
    tags: tuple[str, ...] = ()
    origin: tuple[str, ...] = ()
    place: str | None = None
    lang: str = "en"
    translation_of: str | None = None
    image: Image | None = None
    content_warning: str | None = None
    draft: bool = False
    aliases: tuple[str, ...] = ()  # old addresses ("stories/2020/old-name/"), each redirecting here

    @property
    def url(self) -> str:
        return f"stories/{self.year}/{self.slug}/"


@dataclass(frozen=True)
class Content:
    """Everything read from `stories/` and `campaigns/`, sorted for deterministic output."""

    stories: tuple[Story, ...]
    campaigns: tuple[Campaign, ...]
    ambassadors: tuple[Ambassador, ...]
