"""Deciding what is published at a given instant: consent, scheduling and withdrawal.

This is the one place that says whether a story or profile may be shown. Pages, feeds, search
and images only ever see a `Publication`, so nothing held back can leak through a side door.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import cached_property

from .anonymity import pictured, tellers
from .models import Ambassador, Campaign, Consent, Content, Scope, Story


class Hold(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    CONSENT_EXPIRED = "consent expired"
    NO_WEB_CONSENT = "consent does not cover the web"
    WITHDRAWN = "withdrawn"
    CAMPAIGN_HELD = "campaign not yet public"


@dataclass(frozen=True)
class Held:
    path: str
    hold: Hold
    detail: str

    def __str__(self) -> str:
        if self.hold is Hold.WITHDRAWN and self.path.startswith("stories/"):
            why = "" if self.detail == "consent withdrawn" else f"; {self.detail}"
            return f"withdrawn: {self.path} (tombstone only{why})"
        return f"held: {self.path} — {self.detail}"


@dataclass(frozen=True)
class Publication:
    """What the site shows at `now`. `preview` also shows drafts and scheduled stories."""

    now: datetime
    stories: tuple[Story, ...]  # newest first
    campaigns: tuple[Campaign, ...]  # newest first
    ambassadors: tuple[Ambassador, ...]  # those whose profile may be shown
    tombstones: tuple[Story, ...]  # withdrawn stories: only their URL is used
    held: tuple[Held, ...]
    people: tuple[Ambassador, ...] = ()  # every ambassador, for bylines of stories they told
    previewed: frozenset[str] = frozenset()  # ids of stories shown only because of preview

    @cached_property
    def all_ambassadors(self) -> dict[str, Ambassador]:
        return {a.id: a for a in self.people}

    def profile(self, ambassador_id: str) -> Ambassador | None:
        return self._profiles.get(ambassador_id)

    @cached_property
    def _profiles(self) -> dict[str, Ambassador]:
        return {a.id: a for a in self.ambassadors}

    def in_feeds(self, story: Story) -> bool:
        return Scope.FEEDS in story.consent.scope and story.id not in self.previewed

    def social(self, consent: Consent) -> bool:
        return Scope.SOCIAL in consent.scope


class ClockError(ValueError):
    """`STORIES_NOW` is set but is not an instant the build can use; the message says how to fix it."""


def build_clock() -> datetime:
    """The build's 'now': `STORIES_NOW` (ISO 8601 with a zone) or the real clock."""
    value = os.environ.get("STORIES_NOW", "").strip()
    if not value:
        return datetime.now(timezone.utc).replace(microsecond=0)
    example = "e.g. STORIES_NOW=2026-12-18T09:00:00+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ClockError(f"STORIES_NOW={value!r} is not a date and time ({example})") from None
    if moment.tzinfo is None:
        raise ClockError(f"STORIES_NOW={value!r} has no time zone: add +00:00 or Z ({example})")
    return moment


def consent_hold(consent: Consent, now: datetime) -> tuple[Hold, str] | None:
    if consent.withdrawn:
        return Hold.WITHDRAWN, "consent withdrawn"
    if consent.expires is not None and consent.expires <= now:
        return Hold.CONSENT_EXPIRED, f"consent expired {consent.expires.isoformat()}"
    if Scope.WEB not in consent.scope:
        return Hold.NO_WEB_CONSENT, "consent scope has no `web`"
    return None


def story_hold(story: Story, now: datetime) -> tuple[Hold, str] | None:
    held = consent_hold(story.consent, now)
    if held:
        return held
    if story.draft:
        return Hold.DRAFT, "draft: true"
    if story.date > now:
        return Hold.SCHEDULED, f"scheduled for {story.date.isoformat()}"
    return None


def without_protected_pictures(content: Content) -> Content:
    """The content with no picture of, or by, a person shown under a pseudonym or a child.

    `check` refuses such a picture; this makes sure that no page, feed, card or image cache
    could show one even if a check were skipped.
    """
    people = {a.id: a for a in content.ambassadors}
    stories = tuple(
        replace(s, image=None) if s.image and not pictured(tellers(s, people)) else s for s in content.stories
    )
    ambassadors = tuple(
        replace(a, photo=None) if a.photo and not pictured([a.person]) else a for a in content.ambassadors
    )
    return replace(content, stories=stories, ambassadors=ambassadors)


def withdrawn_families(stories: tuple[Story, ...]) -> dict[str, str]:
    """Stories withdrawn because a language version of theirs is: id -> the withdrawn one's path.

    A storyteller who takes back their story takes it back in every language.
    """
    root = {s.id: s.translation_of or s.id for s in stories}
    gone = {root[s.id]: s.path for s in stories if s.consent.withdrawn}
    return {s.id: gone[root[s.id]] for s in stories if not s.consent.withdrawn and root[s.id] in gone}


def campaign_holds(content: Content, now: datetime) -> dict[str, datetime]:
    """Campaigns not yet public, with the moment they will be: the campaign's `announce`."""
    return {c.id: c.announce for c in content.campaigns if c.announce is not None and c.announce > now}


def publish(content: Content, now: datetime, preview: bool = False) -> Publication:
    """What may be shown at `now`. With `preview` (the local preview only), drafts, scheduled
    stories and campaigns not yet announced are shown too, marked so that nothing shows them
    in feeds, search, cards or the sitemap."""
    shown, tombstones, held, previewed = [], [], [], set()
    content = without_protected_pictures(content)
    families = withdrawn_families(content.stories)
    waiting = campaign_holds(content, now)
    for story in content.stories:
        hold = story_hold(story, now)
        if hold is None and story.id in families:
            hold = Hold.WITHDRAWN, f"a language version is withdrawn ({families[story.id]})"
        if hold is None and story.campaign in waiting:
            hold = Hold.CAMPAIGN_HELD, f"campaign {story.campaign} is public from {waiting[story.campaign].isoformat()}"
        if hold is None:
            shown.append(story)
            continue
        held.append(Held(story.path, *hold))
        if hold[0] is Hold.WITHDRAWN:
            tombstones.append(story)
        elif preview and hold[0] in (Hold.DRAFT, Hold.SCHEDULED, Hold.CAMPAIGN_HELD):
            shown.append(story)
            previewed.add(story.id)
    profiles = []
    for ambassador in content.ambassadors:
        hold = consent_hold(ambassador.consent, now)
        if hold is None and ambassador.campaign in waiting and not preview:
            hold = Hold.CAMPAIGN_HELD, f"campaign {ambassador.campaign} is public from " \
                                       f"{waiting[ambassador.campaign].isoformat()}"
        if hold is None:
            profiles.append(ambassador)
            continue
        named = [s.path for s in content.stories if ambassador.id in s.storytellers and not s.consent.withdrawn]
        detail = f"profile hidden: {hold[1]}"
        if named and hold[0] is not Hold.CAMPAIGN_HELD:
            detail += f"; still named on {', '.join(named)}: ask the storyteller whether those stay"
        held.append(Held(ambassador.path, hold[0], detail))
    for campaign in content.campaigns:
        if campaign.id in waiting:
            held.append(Held(campaign.path, Hold.CAMPAIGN_HELD, f"public from {waiting[campaign.id].isoformat()}"))
    campaigns = [c for c in content.campaigns if preview or c.id not in waiting]
    shown.sort(key=lambda s: (s.date, s.id), reverse=True)
    return Publication(
        now=now,
        stories=tuple(shown),
        campaigns=tuple(sorted(campaigns, key=lambda c: (c.year, c.id), reverse=True)),
        ambassadors=tuple(profiles),
        tombstones=tuple(tombstones),
        held=tuple(sorted(held, key=lambda h: h.path)),
        people=content.ambassadors,
        previewed=frozenset(previewed),
    )
