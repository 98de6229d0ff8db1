"""A deterministic synthetic corpus in the content contract, and its Material-blog twin.

    .venv/bin/python -m benchmarks.corpus 1000 benchmarks/out/corpus-1000 [--images 20] [--blog DIR]

`write_corpus(root, n)` writes a complete project folder (the project's `mkdocs.yml` and
`site_src/`, `stories/`, `campaigns/`) with `n` stories of about 700 words each. Everything is
drawn from `random.Random` seeded per item, so the same arguments always give the same bytes,
and story *i* is the same whatever `n` is.

What is in it, so the build meets every path it meets in production:

- 7 campaigns (2020-2026, one per year, 18 December) and 200 ambassadors spread over them, a few
  returning in later campaigns; most shown by full name, some by first name (whose surnames must
  then appear nowhere), a few by pseudonym (placed by region only), two minors, one withdrawn;
- stories dated 2020-01 .. 2026-05 with mixed time zones (and some plain dates), `storytellers`
  and/or `by`, 1-3 tags from the allowed list in `mkdocs.yml`, 0-2 origin codes, a place, a
  campaign for most; every 50th story is an Arabic translation (`lang: ar`, `translation_of`);
- ~1% withdrawn (tombstone), ~1% draft, ~1% scheduled after `NOW`, ~0.5% consent expired,
  ~4% whose consent does not cover feeds, ~3% with a content warning;
- with `images=K`, K photo-like JPEGs (2048x1365 or 1200x800, camera EXIF with GPS, some with an
  orientation flag) in `stories/images/`, shared by ~35% of stories and ~10% of profiles.

`bench-corpus.json` at the root lists every story with its URL and status for the runner.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SEED = 20211218
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
NOW_ISO = "2026-06-01T12:00:00+00:00"  # STORIES_NOW for every build of a corpus
AMBASSADORS = 200
YEARS = tuple(range(2020, 2027))
MANIFEST = "bench-corpus.json"

CAMPAIGNS = (
    (2020, "wetogether", "We Together", "#WeTogether"),
    (2021, "it-takes-a-community", "It Takes a Community", "#ItTakesACommunity"),
    (2022, "home-we-make", "Home Is Where We Make It", "#HomeWeMake"),
    (2023, "bridges-not-walls", "Bridges Not Walls", "#BridgesNotWalls"),
    (2024, "many-voices-one-street", "Many Voices, One Street", "#ManyVoicesOneStreet"),
    (2025, "roots-and-routes", "Roots and Routes", "#RootsAndRoutes"),
    (2026, "open-doors", "Open Doors", "#OpenDoors"),
)
PARTNERS = (
    "International Organization for Migration (IOM) UK", "IMIX", "Refugee Action", "City of Sanctuary",
    "Migrateful", "The Bike Project", "Local Government Association", "Welcoming Cities Network",
)  # fmt: skip
FIRST = (
    "Amina", "Omar", "Leila", "Hassan", "Mariam", "Ahmed", "Ana", "Joao", "Olena", "Dmytro", "Priya",
    "Arjun", "Chinedu", "Ngozi", "Tendai", "Rutendo", "Kwame", "Abena", "Mei", "Thanh", "Linh",
    "Carlos", "Lucia", "Sofia", "Mateo", "Hana", "Samir", "Rania", "Tariq", "Zainab", "Bilal", "Nour",
    "Karim", "Elif", "Emre", "Jamal", "Sadia", "Farah", "Dawit", "Selam", "Aster", "Mohamed", "Ayaan",
    "Ikram", "Kofi", "Esi", "Irina", "Andrei", "Bogdan", "Marta", "Piotr", "Agnieszka", "Rosa", "Miguel",
    "Daniela", "Yasmin", "Reza", "Parisa", "Faisal", "Halima",
)  # fmt: skip
SURNAMES = (
    "Haddad", "Mensah", "Okafor", "Nowak", "Kovalenko", "Silva", "Santos", "Nguyen", "Rahimi", "Abdi",
    "Osei", "Moyo", "Chukwu", "Begum", "Hussain", "Popescu", "Ionescu", "Tesfaye", "Haile", "Farouk",
    "Qureshi", "Mehta", "Kaur", "Banda", "Phiri", "Diallo", "Sesay", "Kamara", "Petrov", "Kowalski",
    "Pereira", "Ortega", "Mendoza", "Jaber", "Nasser", "Karimi", "Ibrahim", "Adeyemi", "Mwangi", "Odhiambo",
)  # fmt: skip
HIDDEN_SURNAMES = (
    "Zielinska", "Okonkwo", "Hakimi", "Tshabalala", "Kuznetsova", "Rahmani", "Baptiste", "Oyelowo",
    "Wojcik", "Anand", "Mahlangu", "Solberg", "Yilmazer", "Castellano", "Amadou", "Teklehaimanot",
)  # fmt: skip
"""Surnames of ambassadors shown by first name only: nobody else has them, so no published text
(another person's name, a profile, a byline) carries one; the anonymity guard would refuse it."""
BY_SURNAMES = ("Lindqvist", "Ferreira", "Achebe", "Oyelaran", "Vasquez", "Nakamura", "Dubois", "Horvat")
"""Surnames for first-name `by` blocks only: no ambassador has them, so no byline mention leaks one."""
PSEUDONYMS = ("Sky", "River", "Cedar", "Robin", "Wren", "Ash", "Rowan", "Sage", "Hazel", "Linden")
ORIGINS = (
    "SY", "AF", "ER", "SD", "UA", "PL", "RO", "NG", "ZW", "IN", "PK", "BD", "HN", "BR", "PT", "ZA",
    "SO", "IR", "IQ", "VN", "CN", "PH", "JM", "GH", "KE", "ET", "AL", "TR", "YE", "CO", "VE", "LT",
)  # fmt: skip
PLACES = (
    "Leeds", "Glasgow", "Cardiff", "Belfast", "Hull", "Bristol", "Manchester", "Birmingham", "Liverpool",
    "Newcastle upon Tyne", "Sheffield", "Nottingham", "Leicester", "Coventry", "Brighton", "Plymouth",
    "Swansea", "Aberdeen", "Dundee", "Edinburgh", "London", "Oxford", "Derby", "Bradford", "Middlesbrough",
    "Stoke-on-Trent", "Peterborough", "Luton", "Stockholm", "Rotterdam", "Barcelona", "Dublin", "Galway",
    "Lyon", "Lisbon", "Bologna", "Ghent", "Malmö", "Kraków", "Gdańsk", "Thessaloniki", "Zürich",
)  # fmt: skip
ROLES = (
    "community organiser", "nurse", "bus driver", "teacher", "chef", "student", "youth worker",
    "volunteer coordinator", "engineer", "care worker", "shop owner", "interpreter", "artist",
    "football coach", "doctor", "caseworker", "baker", "software developer", "midwife", "librarian",
)  # fmt: skip
ZONES = ("+00:00", "Z", "+01:00", "+02:00", "+03:00", "-05:00", "+05:30", "+04:30")
BYLINES = ("IMD campaign team", "Volunteer writers' group", "Community reporters", "Our editorial team")

WORDS = """
a about after again along always among and another around as at away back because before began
being between both bread brother building bus but by came children city class close come community
could country court daughter day did didn't different door each early evening every everyone family
far father felt few field first food for found friend friends from garden gave get girl give good
group had hands hard has have he heard help her here him his home hope house how I if in into it it's
just kitchen kind knew know language last later learn learned left less life light like little lived
long looked made make many market may me meal met might money more morning most mother much music must
my name near need neighbours never new next night no not nothing now of off often old on once one only
open or other our out over own paper people people's perhaps place played quiet rain read really remember
road room said same saw school season second see seemed she should side small so some someone something
son sometimes soon started still stories story street such table talk tea than that the their them then
there these they thing things think this those though three through time to today together told too took
town train tried two under until up us used very visit wait walked wanted warm was water way we week
welcome well went were what when where which while who why will winter with without woman words work
world would write year years yes yet you young your volunteers club match lesson recipe shift letter
bridge library centre council festival garden allotment choir mosque church temple workshop bakery
""".split()
HEADINGS = (
    "Arriving", "The first winter", "Finding work", "Learning the language", "A place at the table",
    "What community means", "Neighbours", "School days", "Looking back", "What comes next", "Home",
    "The journey", "Family", "Making friends", "Giving back", "A new trade", "The club", "Paperwork",
)  # fmt: skip
ARABIC = """
في من إلى على عن مع كان كانت هذا هذه التي الذي بعد قبل عندما كل بين حتى ثم أو لكن لقد قد
المدينة البيت العائلة الأطفال المدرسة العمل اللغة الجيران المجتمع الطعام الطريق الحياة الأصدقاء
السوق الحديقة الشتاء الصباح المساء اليوم السنة الأولى الجديدة الصغيرة الكبيرة جميلة طويلة
تعلمت وصلت عشت عملت سافرت انتظرت شعرت تذكرت قالت قال نحن هم هي هو أنا أمي أبي أخي أختي
الخبز الشاي المطبخ المكتبة النادي الملعب القصة القصص الترحيب الأمل البحر الجسر الرحلة الباب
""".split()
ARABIC_HEADINGS = ("الوصول", "الشتاء الأول", "تعلم اللغة", "العمل", "الجيران", "ما معنى المجتمع", "البيت")


@dataclass(frozen=True)
class AmbassadorRec:
    id: str
    campaign: str
    name: str
    public: str
    display: str
    pseudonym: bool
    withdrawn: bool


def _rng(*parts: object) -> random.Random:
    return random.Random("|".join(map(str, (SEED,) + parts)))


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def _uuid(rng: random.Random) -> str:
    return "urn:uuid:" + str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _sentence(rng: random.Random, words=WORDS, lo: int = 8, hi: int = 22) -> str:
    chosen = rng.choices(words, k=rng.randint(lo, hi))
    if len(chosen) > 10 and rng.random() < 0.4:
        chosen[rng.randint(3, len(chosen) - 4)] += ","
    if rng.random() < 0.08:
        i = rng.randrange(len(chosen))
        chosen[i] = f"*{chosen[i].rstrip(',')}*"
    text = " ".join(chosen)
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random, words=WORDS, lo: int = 3, hi: int = 6) -> str:
    return " ".join(_sentence(rng, words) for _ in range(rng.randint(lo, hi)))


def _title(rng: random.Random, k: tuple[int, int] = (3, 7)) -> str:
    text = " ".join(rng.choices(WORDS, k=rng.randint(*k))).replace("'", "")
    return text[0].upper() + text[1:]


def _body(rng: random.Random, target: int, mention: str | None = None, arabic: bool = False) -> str:
    """About `target` words of Markdown: paragraphs, 3-4 `##` sections, a list, a quote, a link."""
    words, headings = (ARABIC, ARABIC_HEADINGS) if arabic else (WORDS, HEADINGS)
    parts = [_paragraph(rng, words)]
    if mention:
        parts[0] = f"{mention} {'روت لنا هذه القصة.' if arabic else 'told us this story.'} " + parts[0]
    sections = rng.sample(headings, k=min(len(headings), rng.randint(3, 4)))
    count = len(" ".join(parts).split())
    extras = ["list", "quote", "link"]
    rng.shuffle(extras)
    for number, heading in enumerate(sections):
        parts.append(f"## {heading}")
        per_section = (target - count) // max(1, len(sections) - number)
        added = 0
        while added < per_section - 30:
            if extras and rng.random() < 0.3:
                kind = extras.pop()
                if kind == "list":
                    block = "\n".join(f"- {_sentence(rng, words, 4, 9)}" for _ in range(rng.randint(3, 5)))
                elif kind == "quote":
                    block = f"> {_sentence(rng, words, 10, 20)}"
                else:
                    block = _paragraph(rng, words, 2, 3) + " Read more on [the project's website](https://example.org/projects/" + str(rng.randrange(10**6)) + ")."
            else:
                block = _paragraph(rng, words)
            parts.append(block)
            added += len(block.split())
        count += added
    return "\n\n".join(parts) + "\n"


def bodies(n: int) -> list[str]:
    """`n` story bodies drawn as the corpus draws them (every 50th in Arabic), without a project."""
    return [_body(_rng("body", i), 700, arabic=i % 50 == 49) for i in range(n)]


def _instant(rng: random.Random, day: date) -> str:
    if rng.random() < 0.15:
        return day.isoformat()
    return f"{day.isoformat()}T{rng.randint(6, 21):02d}:{rng.choice((0, 15, 30, 45)):02d}:00{rng.choice(ZONES)}"


def _consent(ref: str, given: date, scope: list[str], expires: str | None = None, withdrawn: bool = False) -> list[str]:
    lines = ["consent:", f"  ref: {_q(ref)}", f"  given: {given.isoformat()}", f"  scope: [{', '.join(scope)}]"]
    if expires:
        lines.append(f"  expires: {expires}")
    if withdrawn:
        lines.append("  withdrawn: true")
    return lines


def _write(path: Path, front: list[str], body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\n" + "\n".join(front) + "\n---\n" + body, encoding="utf-8")


def _settings(root: Path, project: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The allowed tags and regions, read from the corpus's copy of mkdocs.yml."""
    sys.path.insert(0, str(project))
    from builder.settings import load_settings

    settings = load_settings(root / "mkdocs.yml")
    return settings.tags, settings.regions


# -- people and campaigns ---------------------------------------------------------------------------


def ambassadors() -> list[AmbassadorRec]:
    """200 ambassadors, spread over the campaigns; ids are unique and carry no surname."""
    people = []
    for i in range(AMBASSADORS):
        rng = _rng("ambassador", i)
        campaign = CAMPAIGNS[i % len(CAMPAIGNS)]
        kind = rng.random()
        first = rng.choice(FIRST)
        if i in (57, 131):  # minors: pseudonym and guardian consent
            display, name, public, pseudo = "pseudonym", rng.choice(PSEUDONYMS), None, True
        elif kind < 0.05:
            display, name, public, pseudo = "pseudonym", rng.choice(PSEUDONYMS), None, True
        elif kind < 0.30:
            display, name, public, pseudo = "first-name", f"{first} {rng.choice(HIDDEN_SURNAMES)}", first, False
        else:
            display, name, public, pseudo = "full", f"{first} {rng.choice(SURNAMES)}", None, False
        ident = f"{(name if pseudo else first).lower()}-{i:03d}"
        people.append(AmbassadorRec(ident, f"{campaign[0]}-{campaign[1]}", name, public or name, display,
                                    pseudo, withdrawn=(i == 199)))  # fmt: skip
    return people


def _write_ambassador(root: Path, i: int, person: AmbassadorRec, regions, images: int) -> None:
    rng = _rng("ambassador-page", i)
    year = int(person.campaign[:4])
    front = [f"name: {_q(person.name)}"]
    if person.display != "full":
        front.append(f"display: {person.display}")
    if i in (57, 131):
        front += ["minor: true", f"guardian_consent_ref: {_q(f'G-{year}-{i:03d}')}"]
    front.append(f"origin: {rng.choice(ORIGINS)}")
    front.append(f"lives_in: {_q(rng.choice(regions) if person.pseudonym else rng.choice(PLACES))}")
    front.append(f"arrived: {rng.randint(1995, year)}")
    front.append(f"role: {_q(rng.choice(ROLES).capitalize())}")
    if images and not person.pseudonym and rng.random() < 0.10:
        front += [f"photo: {_q(f'../../../stories/images/photo-{rng.randrange(images):03d}.jpg')}",
                  f"photo_alt: {_q(f'Portrait of {person.public} outdoors, smiling, in soft daylight.')}"]  # fmt: skip
    given = min(date(year, 11, 15), NOW.date() - timedelta(days=30))  # never after the corpus's clock
    front += _consent(f"IMD{year}-AMB-{i:03d}", given, ["web", "feeds", "social"],
                      withdrawn=person.withdrawn)  # fmt: skip
    body = f"{person.public} is one of the {year} ambassadors.\n\n" + _body(rng, 160)
    _write(root / "campaigns" / person.campaign / "ambassadors" / f"{person.id}.md", front, body)


def _write_campaign(root: Path, index: int, people: list[AmbassadorRec]) -> None:
    year, slug, title, hashtag = CAMPAIGNS[index]
    rng = _rng("campaign", year)
    earlier = [p for p in people if int(p.campaign[:4]) < year and not p.pseudonym]
    returning = sorted(p.id for p in rng.sample(earlier, k=min(3, len(earlier))))
    front = [
        f"year: {year}", f"title: {_q(title)}", f"hashtag: {_q(hashtag)}",
        f"theme: {_q(_sentence(rng, lo=12, hi=20))}", f"date: {year}-12-18",
        f"partners: [{', '.join(_q(p) for p in rng.sample(PARTNERS, k=rng.randint(1, 3)))}]",
        f"summary: {_q(_sentence(rng, lo=18, hi=30))}",
    ]  # fmt: skip
    if returning:
        front.append(f"returning_ambassadors: [{', '.join(returning)}]")
    if date(year, 12, 18) > NOW.date():  # announced ahead, as a comms team does, so it shows as "coming up"
        front.append(f"announce: {year}-03-01")
    _write(root / "campaigns" / f"{year}-{slug}" / "campaign.md", front, _body(rng, 350))


# -- stories -------------------------------------------------------------------------------------


def _story(root: Path, i: int, people: list[AmbassadorRec], tags, regions, images: int,
           originals: dict[int, dict]) -> dict:  # fmt: skip
    """Write story `i`; return what the runner needs to know about it."""
    rng = _rng("story", i)
    translation = i % 50 == 49
    if translation:
        source = originals[i - 1]
        day = date.fromisoformat(source["date"][:10]) + timedelta(days=1)
    else:
        day = date(2020, 1, 1) + timedelta(days=rng.randrange((date(2026, 5, 31) - date(2020, 1, 1)).days))
    status, roll = "published", rng.random()
    if not translation:
        if roll < 0.01:
            status = "withdrawn"
        elif roll < 0.02:
            status = "draft"
        elif roll < 0.03:
            status = "scheduled"
            day = NOW.date() + timedelta(days=rng.randint(1, 400))
        elif roll < 0.035:
            status = "expired"
        elif roll < 0.075:
            status = "no-feeds"
    when = _instant(rng, day)
    year = day.year
    tellers: list[AmbassadorRec] = []
    if rng.random() < 0.7:
        tellers = rng.sample(people, k=1 if rng.random() < 0.85 else 2)
    by: list[str] = []
    if not tellers or rng.random() < 0.15:
        if rng.random() < 0.15:
            by.append(f"{{name: {_q(rng.choice(FIRST) + ' ' + rng.choice(BY_SURNAMES))}, display: first-name}}")
        else:
            by.append(_q(rng.choice(BYLINES)))
    pseudonymous = any(p.pseudonym for p in tellers)
    mention = tellers[0].public.split()[0] if tellers else None  # first name: never a surname
    if translation:
        title = "قصة " + " ".join(rng.choices(ARABIC, k=rng.randint(3, 6)))
        slug = source["slug"] + "-ar"
        summary = _sentence(rng, ARABIC, 12, 20)
        body = _body(rng, rng.randint(600, 800), mention, arabic=True)
    else:
        title = _title(rng)
        slug = "-".join(w for w in title.lower().replace(",", "").split()[:5]) + f"-{i:05d}"
        summary = _sentence(rng, lo=14, hi=28)
        body = _body(rng, rng.randint(600, 800), mention)
    front = [f"id: {_q(_uuid(rng))}", f"title: {_q(title)}", f"date: {when}", f"summary: {_q(summary)}"]
    if tellers:
        front.append(f"storytellers: [{', '.join(p.id for p in tellers)}]")
    if by:
        front.append(f"by: [{', '.join(by)}]")
    campaign = next((f"{y}-{s}" for y, s, *_ in CAMPAIGNS if y == year), None)
    if campaign and rng.random() < 0.6:
        front.append(f"campaign: {campaign}")
    front.append(f"tags: [{', '.join(rng.sample(tags, k=rng.randint(1, 3)))}]")
    origins = rng.sample(ORIGINS, k=rng.choice((0, 1, 1, 1, 2)))
    if origins:
        front.append(f"origin: [{', '.join(origins)}]")
    if pseudonymous:
        front.append(f"place: {_q(rng.choice(regions))}")
    elif rng.random() < 0.85:
        front.append(f"place: {_q(rng.choice(PLACES))}")
    if translation:
        front += ["lang: ar", f"translation_of: {_q(source['id'])}"]
    if images and not pseudonymous and rng.random() < 0.35:
        front += [f"image: {_q(f'../images/photo-{rng.randrange(images):03d}.jpg')}",
                  f"image_alt: {_q('A photograph: ' + _sentence(rng, lo=8, hi=14))}"]  # fmt: skip
    if rng.random() < 0.03:
        front.append(f"content_warning: {_q('This story mentions violence and loss.')}")
    if status == "draft":
        front.append("draft: true")
    given = min(day, NOW.date()) - timedelta(days=rng.randint(3, 60))
    scope = ["web", "social"] if status == "no-feeds" else ["web", "feeds", "social"]
    expires = (NOW - timedelta(days=rng.randint(1, 90))).date().isoformat() if status == "expired" else None
    if expires is None and rng.random() < 0.05:
        expires = f"{NOW.year + 3}-01-01"
    front += _consent(f"IMD{year}-STORY-{i:05d}", given, scope, expires, withdrawn=status == "withdrawn")
    path = root / "stories" / str(year) / f"{slug}.md"
    _write(path, front, body)
    return {"i": i, "path": path.relative_to(root).as_posix(), "url": f"stories/{year}/{slug}/", "slug": slug,
            "id": json.loads(front[0][4:]), "date": when, "status": status, "lang": "ar" if translation else "en"}


# -- images ---------------------------------------------------------------------------------------


def _photo(k: int):
    """A photo-like JPEG (soft shapes, hard edges, sensor grain) with camera EXIF and GPS."""
    from PIL import Image, ImageDraw, ImageFilter, ImageOps

    rng = _rng("photo", k)
    w, h = (2048, 1365) if k % 4 else (1200, 800)
    colour = lambda: tuple(rng.randrange(256) for _ in range(3))  # noqa: E731
    image = ImageOps.colorize(Image.linear_gradient("L").resize((w, h)), colour(), colour()).convert("RGB")
    layer = Image.new("RGB", (w, h))
    mask = Image.new("L", (w, h), 0)
    draw, mdraw = ImageDraw.Draw(layer), ImageDraw.Draw(mask)
    for _ in range(rng.randint(12, 30)):
        x, y = rng.randrange(w), rng.randrange(h)
        rx, ry = rng.randint(20, w // 4), rng.randint(20, h // 4)
        box = (x - rx, y - ry, x + rx, y + ry)
        fill = colour()
        if rng.random() < 0.5:
            draw.ellipse(box, fill=fill)
            mdraw.ellipse(box, fill=rng.randint(120, 255))
        else:
            draw.rectangle(box, fill=fill)
            mdraw.rectangle(box, fill=rng.randint(120, 255))
    image = Image.composite(layer.filter(ImageFilter.GaussianBlur(rng.uniform(1, 8))), image, mask)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(40, 120)):  # window frames, railings, text-like strokes
        x, y = rng.randrange(w), rng.randrange(h)
        draw.line((x, y, x + rng.randint(-80, 80), y + rng.randint(-80, 80)), fill=colour(), width=rng.randint(1, 4))
    grain = Image.frombytes("L", (w, h), rng.randbytes(w * h)).filter(ImageFilter.GaussianBlur(0.7))
    image = Image.blend(image, Image.merge("RGB", (grain, grain, grain)), 0.10)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", f"EOS {rng.randint(100, 900)}D"
    exif[0x0132] = f"2021:0{rng.randint(1, 9)}:1{rng.randint(0, 9)} 10:2{rng.randint(0, 9)}:00"
    exif[0x0112] = 6 if k % 5 == 3 else 1
    exif[0x8825] = {1: "N", 2: (51.0, float(rng.randint(0, 59)), 12.5), 3: "W", 4: (0.0, float(rng.randint(0, 59)), 30.0)}
    return image, exif


def write_images(root: Path, count: int) -> None:
    folder = root / "stories" / "images"
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(count):
        image, exif = _photo(k)
        image.save(folder / f"photo-{k:03d}.jpg", "JPEG", quality=90, exif=exif.tobytes())


# -- the whole project ----------------------------------------------------------------------------


def write_corpus(root: Path, n: int, images: int = 0, project: Path = PROJECT) -> dict:
    """A fresh project folder at `root` with `n` stories; returns the manifest.

    `mkdocs.yml` and `site_src/` come from `project` (the repository, or a snapshot of it).
    """
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    shutil.copy2(project / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(project / "site_src", root / "site_src")
    tags, regions = _settings(root, project)
    people = ambassadors()
    for i, person in enumerate(people):
        _write_ambassador(root, i, person, regions, images)
    for index in range(len(CAMPAIGNS)):
        _write_campaign(root, index, people)
    if images:
        write_images(root, images)
    stories: list[dict] = []
    originals: dict[int, dict] = {}
    for i in range(n):
        record = _story(root, i, people, tags, regions, images, originals)
        originals = {i: record}
        stories.append(record)
    manifest = {"n": n, "images": images, "seed": SEED, "now": NOW_ISO, "stories": stories}
    (root / MANIFEST).write_text(json.dumps(manifest, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


# -- the same corpus as a Material blog -------------------------------------------------------------

_BLOG_YML = """\
site_name: Migrant Stories (Material blog)
site_url: https://stories.example.org/
docs_dir: docs
site_dir: site
use_directory_urls: true
theme:
  name: material
  language: en
  font: false
  features:
    - navigation.tabs
    - navigation.top
    - search.suggest
  palette:
    - media: "(prefers-color-scheme: light)"
      scheme: default
      primary: indigo
      accent: indigo
      toggle:
        icon: material/weather-night
        name: Switch to dark mode
    - media: "(prefers-color-scheme: dark)"
      scheme: slate
      primary: indigo
      accent: indigo
      toggle:
        icon: material/weather-sunny
        name: Switch to light mode
nav:
  - Home: index.md
  - Blog:
      - blog/index.md
plugins:
  - search
  - blog
markdown_extensions:
  - attr_list
  - toc:
      permalink: true
"""


def _split(text: str) -> tuple[dict, str]:
    import yaml

    _, meta, body = text.split("---\n", 2)
    return yaml.load(meta, Loader=yaml.BaseLoader) or {}, body  # every scalar stays a string


def write_blog(corpus: Path, blog: Path) -> int:
    """Convert a corpus into a Material blog (`plugins: [blog]`); returns the number of posts.

    Posts are `docs/blog/posts/<slug>.md` with `date`, `authors` (ambassador ids, or one
    author per free-text byline, all in `docs/blog/.authors.yml`), `categories` (the tags),
    `slug`, and `draft: true` for drafts and scheduled stories; withdrawn and consent-held
    stories are left out. The body is `# title`, the summary, `<!-- more -->`, the story.
    Images are not carried over (the blog plugin would only copy them).
    """
    if blog.exists():
        shutil.rmtree(blog)
    posts = blog / "docs" / "blog" / "posts"
    posts.mkdir(parents=True)
    (blog / "mkdocs.yml").write_text(_BLOG_YML, encoding="utf-8")
    (blog / "docs" / "index.md").write_text("# Migrant Stories\n\nStories told by migrants.\n", encoding="utf-8")
    (blog / "docs" / "blog" / "index.md").write_text("# Stories\n\n", encoding="utf-8")
    authors: dict[str, dict[str, str]] = {}
    for path in sorted((corpus / "campaigns").glob("*/ambassadors/*.md")):
        meta, _ = _split(path.read_text(encoding="utf-8"))
        name = meta["name"].split()[0] if meta.get("display") == "first-name" else meta["name"]
        authors[path.stem] = {"name": name, "description": meta.get("role", ""), "avatar": "https://example.org/avatar.png"}
    manifest = json.loads((corpus / MANIFEST).read_text(encoding="utf-8"))
    count = 0
    for story in manifest["stories"]:
        if story["status"] in ("withdrawn", "expired"):
            continue
        meta, body = _split((corpus / story["path"]).read_text(encoding="utf-8"))
        ids = list(meta.get("storytellers") or [])
        for item in meta.get("by") or []:
            name = item if isinstance(item, str) else item["name"].split()[0]
            key = "by-" + "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
            authors.setdefault(key, {"name": name, "description": "Byline", "avatar": "https://example.org/avatar.png"})
            ids.append(key)
        front = [f"date: {meta['date']}", f"authors: [{', '.join(ids)}]",
                 f"categories: [{', '.join(t.replace('-', ' ').capitalize() for t in meta.get('tags') or [])}]",
                 f"slug: {story['slug']}"]  # fmt: skip
        if story["status"] in ("draft", "scheduled"):
            front.append("draft: true")
        text = f"# {meta['title']}\n\n{meta['summary']}\n\n<!-- more -->\n\n{body}"
        (posts / f"{story['slug']}.md").write_text("---\n" + "\n".join(front) + "\n---\n" + text, encoding="utf-8")
        count += 1
    lines = ["authors:"]
    for key in sorted(authors):
        lines.append(f"  {key}:")
        lines += [f"    {field}: {_q(value)}" for field, value in authors[key].items()]
    (blog / "docs" / "blog" / ".authors.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.corpus", description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of stories")
    parser.add_argument("root", type=Path, help="project folder to (re)create")
    parser.add_argument("--images", type=int, default=0, metavar="K", help="generate K shared photos")
    parser.add_argument("--blog", type=Path, metavar="DIR", help="also write the Material-blog twin here")
    args = parser.parse_args(argv)
    manifest = write_corpus(args.root, args.n, args.images)
    counts: dict[str, int] = {}
    for story in manifest["stories"]:
        counts[story["status"]] = counts.get(story["status"], 0) + 1
    print(f"{args.root}: {args.n} stories {counts}, {args.images} images")
    if args.blog:
        print(f"{args.blog}: {write_blog(args.root, args.blog)} posts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
