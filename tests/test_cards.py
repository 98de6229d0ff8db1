"""Social cards on real files: size, no metadata, cache behaviour, Arabic shaped right to left."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageChops, ImageDraw, ImageFont, ImageOps

from builder import cards
from builder.cards import (
    ARABIC,
    FONTS_DIR,
    LATIN,
    PALETTE,
    Card,
    CardError,
    Weight,
    contrast,
    layout,
    make_cards,
    render,
    visual_runs,
)

SITE = "Migrant Stories"
KICKER = "#ItTakesACommunity · 2021"
ARABIC_TITLE = "المجتمع يعني أن نساعد بعضنا البعض"
LONG = (
    "A very long title about the small details of life in Calais that nobody notices until someone tells "
    "the story of them, one by one, over many evenings of tea and bread shared in a kitchen far from home"
)
SECRET = "taken outside the shelter on Rue Secrete"


def card(key: str, title: str = "Cooking day at Migrateful", lang: str = "en", photo: Path | None = None) -> Card:
    return Card(key, title, KICKER, SITE, lang, photo)


def photo_file(tmp_path: Path, colour: tuple[int, int, int] = (200, 40, 40)) -> Path:
    """A photo with GPS, a camera make and a comment: the card must carry none of it."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone Maker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 12.5)
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (800, 600), colour).save(path, "JPEG", quality=90, exif=exif, comment=SECRET)
    return path


def ink(im: Image.Image, box: tuple[int, int, int, int] | None = None) -> tuple[int, int, int, int] | None:
    """The bounding box of everything drawn on the plain panel."""
    blank = Image.new("RGB", im.size, PALETTE.panel)
    region = box or (0, 0, *im.size)
    changed = ImageChops.difference(im.crop(region), blank.crop(region)).convert("L")
    return changed.point(lambda v: 255 * (v > 40)).getbbox()


def spans(mask: Image.Image) -> int:
    """How many separate stretches of columns hold ink: joined Arabic letters make one."""
    width, height = mask.size
    data = mask.load()
    columns = [any(data[x, y] for y in range(height)) for x in range(width)]
    return sum(1 for x, on in enumerate(columns) if on and (x == 0 or not columns[x - 1]))


def title_ink(c: Card) -> Image.Image:
    """The title's pixels alone (white text), cropped to their own bounding box."""
    plan = layout(c, has_photo=False)
    im = render(c)
    top = plan.title.top
    band = im.crop((0, top, im.width, top + plan.title.block.height)).convert("L").point(lambda v: 255 * (v > 160))
    return band.crop(band.getbbox())


def test_cards_are_1200x630_and_carry_no_metadata(tmp_path: Path) -> None:
    photo = photo_file(tmp_path)
    made, encoded, reused = make_cards([card("story:a"), card("story:b", photo=photo)], tmp_path / "cache")
    assert (encoded, reused) == (2, 0)
    assert made["story:a"].mime == "image/png" and made["story:b"].mime == "image/jpeg"
    for image in made.values():
        data = image.path.read_bytes()
        assert image.url == f"cards/{image.path.name}"
        with Image.open(io.BytesIO(data)) as im:
            assert im.size == (image.width, image.height) == (1200, 630)
            assert im.format == {"image/png": "PNG", "image/jpeg": "JPEG"}[image.mime]
            assert not im.getexif()
            assert not {"exif", "icc_profile", "comment", "xmp", "XML:com.adobe.xmp"} & set(im.info)
            assert not getattr(im, "text", {})
        for marker in (b"Exif", b"ICC_PROFILE", b"Phone Maker", SECRET.encode(), b"tEXt", b"iTXt", b"zTXt"):
            assert marker not in data


def test_same_inputs_same_bytes_and_second_call_reuses_everything(tmp_path: Path) -> None:
    photo = photo_file(tmp_path)
    batch = [card("story:a"), card("story:b", ARABIC_TITLE, "ar"), card("campaign:c", photo=photo)]
    first, _, _ = make_cards(batch, tmp_path / "one")
    other, _, _ = make_cards(batch, tmp_path / "two")
    again, encoded, reused = make_cards(batch, tmp_path / "one")
    assert (encoded, reused) == (0, 3)
    assert again == first
    for key in first:
        assert first[key].path.read_bytes() == other[key].path.read_bytes()


def test_workers_draw_the_same_bytes_as_this_process(tmp_path: Path) -> None:
    batch = [card(f"story:{i}", f"Story number {i} of a campaign") for i in range(cards.PARALLEL_FROM)]
    made, encoded, _ = make_cards(batch, tmp_path / "cache")
    assert encoded == len(batch)
    for c in batch:
        assert made[c.key].path.read_bytes() == cards.card_bytes(c, None)


def drawn_in_place(c: Card, photo: bytes | None) -> Image.Image:
    """A card drawn the plain way: photo, then every text straight onto the canvas."""
    plan = layout(c, photo is not None)
    im = Image.new("RGB", (cards.WIDTH, cards.HEIGHT), PALETTE.panel)
    if plan.photo is not None and photo is not None:
        fitted = ImageOps.fit(Image.open(io.BytesIO(photo)).convert("RGB"), (plan.photo.width, plan.photo.height),
                              Image.Resampling.LANCZOS, centering=(0.5, 0.4))  # fmt: skip
        im.paste(fitted, (plan.photo.left, plan.photo.top))
    draw = ImageDraw.Draw(im)
    for placed, fill in ((plan.kicker, PALETTE.kicker), (plan.title, PALETTE.title), (plan.site, PALETTE.site)):
        cards._draw_text(draw, placed, plan.text, plan.rtl, fill)
    draw.rectangle((plan.rule.left, plan.rule.top, plan.rule.right - 1, plan.rule.bottom - 1), fill=PALETTE.rule)
    return im


def test_text_and_photos_drawn_once_and_reused_give_the_pixels_of_drawing_in_place(tmp_path: Path) -> None:
    """The kicker and site name are drawn once per process and pasted, and a photo fitted once.

    A text card is stored in the panel, the text colours and `EDGE_STEPS` shades between them,
    so its edges may differ from drawing in RGB by half a shade, never more; the file holds
    exactly what `render` shows.
    """
    photo = photo_file(tmp_path).read_bytes()
    batch = [(c, p) for c in (card("story:a"), card("story:b", ARABIC_TITLE, "ar"), card("story:c", LONG))
             for p in (None, photo)]  # fmt: skip
    half_shade = max(abs(a - b) for a, b in zip(PALETTE.title, PALETTE.panel)) / cards.EDGE_STEPS / 2
    for c, p in batch + batch:
        difference = ImageChops.difference(render(c, p), drawn_in_place(c, p))
        if p is None:
            assert max(high for _, high in difference.getextrema()) <= half_shade + 1, c.key
            with Image.open(io.BytesIO(cards.card_bytes(c, None))) as stored:
                assert ImageChops.difference(stored.convert("RGB"), render(c)).getbbox() is None, c.key
        else:
            assert difference.getbbox() is None, c.key


def test_a_changed_title_redraws_only_that_card(tmp_path: Path) -> None:
    batch = [card("story:a", "First"), card("story:b", "Second"), card("story:c", "Third")]
    before, _, _ = make_cards(batch, tmp_path)
    batch[1] = card("story:b", "Second, corrected")
    after, encoded, reused = make_cards(batch, tmp_path)
    assert (encoded, reused) == (1, 2)
    assert after["story:a"] == before["story:a"] and after["story:c"] == before["story:c"]
    assert after["story:b"].path != before["story:b"].path
    assert not before["story:b"].path.exists()


def test_a_dropped_card_leaves_the_cache_and_nothing_else_does(tmp_path: Path) -> None:
    batch = [card("story:a", "Kept"), card("story:withdrawn", "Withdrawn story")]
    before, _, _ = make_cards(batch, tmp_path)
    (tmp_path / "notes.txt").write_text("not a card")
    (tmp_path / ".0123456789abcdef.png.x1y2.tmp").write_bytes(b"half a card")
    after, encoded, reused = make_cards(batch[:1], tmp_path)
    assert (encoded, reused) == (0, 1) and set(after) == {"story:a"}
    assert not before["story:withdrawn"].path.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([after["story:a"].path.name, "notes.txt"])


def test_twin_cards_share_one_file(tmp_path: Path) -> None:
    made, encoded, _ = make_cards([card("story:en"), card("story:copy")], tmp_path)
    assert encoded == 1 and made["story:en"].path == made["story:copy"].path


def test_a_card_with_a_photo_shows_it_on_the_side_where_reading_ends(tmp_path: Path) -> None:
    photo = photo_file(tmp_path, (200, 40, 40))
    plain = render(card("story:a"))
    english = render(card("story:a", photo=photo), photo.read_bytes())
    arabic = render(card("story:b", ARABIC_TITLE, "ar", photo), photo.read_bytes())
    assert ImageChops.difference(plain, english).getbbox() is not None
    red = (200, 40, 40)
    assert all(abs(a - b) < 12 for a, b in zip(english.getpixel((1100, 315)), red))
    assert english.getpixel((100, 315)) != english.getpixel((1100, 315))
    assert all(abs(a - b) < 12 for a, b in zip(arabic.getpixel((100, 315)), red))
    assert layout(card("story:a"), has_photo=True).text.right < layout(card("story:a"), has_photo=True).photo.left


def test_arabic_is_shaped_like_raqm_draws_it_and_not_like_isolated_letters() -> None:
    word = "سلسلة!"  # the "!" ends up on the left only if the line is laid out right to left
    drawn = title_ink(card("story:ar", word, "ar"))
    size = layout(card("story:ar", word, "ar"), has_photo=False).title.block.style.size

    def reference(engine: ImageFont.Layout) -> Image.Image:
        face = ImageFont.truetype(str(ARABIC.path(Weight.BOLD)), size, layout_engine=engine)
        im = Image.new("RGB", (size * 8, size * 3), PALETTE.panel)
        options = {"direction": "rtl"} if engine == ImageFont.Layout.RAQM else {}
        ImageDraw.Draw(im).text((size, size * 2), word, font=face, fill=PALETTE.title, anchor="ls", **options)
        im = im.convert("L").point(lambda v: 255 * (v > 160))
        return im.crop(im.getbbox())

    shaped, isolated = reference(ImageFont.Layout.RAQM), reference(ImageFont.Layout.BASIC)
    assert spans(drawn) == 2 < spans(isolated)
    assert drawn.size == shaped.size
    # the card stores edges in EDGE_STEPS shades, so a few edge pixels fall the other side of the threshold
    differing = ImageChops.difference(drawn, shaped).histogram()[255]
    assert differing <= 0.005 * drawn.width * drawn.height  # 18 of 18,157 when measured


def test_arabic_is_right_aligned_and_english_left_aligned() -> None:
    for c, rtl in ((card("story:en", "Short title"), False), (card("story:ar", "قصة قصيرة", "ar"), True)):
        plan = layout(c, has_photo=False)
        top = plan.title.top
        left, _, right, _ = ink(render(c), (0, top, 1200, top + plan.title.block.height))
        if rtl:
            assert plan.text.right - 12 <= right <= plan.text.right + 2 and left > 600
        else:
            assert plan.text.left - 2 <= left <= plan.text.left + 12 and right < 600


def test_mixed_lines_are_ordered_by_the_paragraph_direction() -> None:
    assert [r.family for r in visual_runs("Calais مجتمع", rtl=True)] == [ARABIC, LATIN]
    assert [r.family for r in visual_runs("Calais مجتمع", rtl=False)] == [LATIN, ARABIC]
    reversed_rtl = visual_runs("في Calais عام 2021", rtl=True)
    assert [r.text.strip() for r in reversed_rtl] == ["عام 2021", "Calais", "في"]
    assert any(r.text.strip() == "50%" for r in visual_runs("نسبة 50% من الناس", rtl=True))


def test_a_latin_hashtag_keeps_its_own_direction_on_an_arabic_card() -> None:
    plan = layout(card("story:ar", ARABIC_TITLE, "ar"), has_photo=False)
    (line,) = plan.kicker.block.lines
    assert [r.text for r in line.runs] == [KICKER]


@pytest.mark.parametrize(
    "title, lang",
    [(LONG, "en"), ("Unbreakable" * 30, "en"), (" ".join([ARABIC_TITLE] * 6), "ar"), ("ÉÅÇ gjpqy " * 12, "en")],
)
@pytest.mark.parametrize("with_photo", [False, True])
def test_long_titles_stay_inside_the_text_area(tmp_path: Path, title: str, lang: str, with_photo: bool) -> None:
    c = card("story:long", title, lang)
    photo = photo_file(tmp_path).read_bytes() if with_photo else None
    plan = layout(c, has_photo=with_photo)
    text = plan.text
    region = (text.left - 40, 0, text.right + 40, 630)
    left, top, right, bottom = ink(render(c, photo), region)
    assert text.left <= region[0] + left and region[0] + right <= text.right
    assert text.top <= top and bottom <= text.bottom
    assert plan.kicker.top + plan.kicker.block.height <= plan.title.top
    assert plan.title.top + plan.title.block.height <= plan.rule.top
    assert len(plan.title.block.lines) <= cards.GEOMETRY.max_title_lines
    if title != "ÉÅÇ gjpqy " * 12:
        assert plan.title.block.shortened and "…" in plan.title.block.lines[-1].runs[0 if lang == "ar" else -1].text


def test_text_colours_pass_wcag_aa_on_the_panel_and_survive_encoding(tmp_path: Path) -> None:
    for colour in (PALETTE.title, PALETTE.kicker, PALETTE.site):
        assert contrast(colour, PALETTE.panel) >= 4.5
    made, _, _ = make_cards([card("story:a", "Title")], tmp_path)
    with Image.open(made["story:a"].path) as im:
        stored = {colour for _, colour in im.convert("RGB").getcolors(256)}
    assert {PALETTE.panel, PALETTE.title, PALETTE.kicker} <= stored


def test_a_character_no_font_has_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(CardError, match=r"story:he.*U\+05E9 HEBREW LETTER SHIN"):
        make_cards([card("story:he", "שלום", "he")], tmp_path)


def test_a_photo_that_is_missing_or_not_an_image_is_an_error_naming_the_card(tmp_path: Path) -> None:
    with pytest.raises(CardError, match=r"story:gone: photo .*missing\.jpg cannot be read"):
        make_cards([card("story:gone", photo=tmp_path / "missing.jpg")], tmp_path / "cache")
    (tmp_path / "notes.jpg").write_text("not a picture")
    with pytest.raises(CardError, match=r"story:text: photo cannot be decoded"):
        make_cards([card("story:text", photo=tmp_path / "notes.jpg")], tmp_path / "cache")


def test_without_raqm_cards_refuse_to_draw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cards.features, "check", lambda name: name != "raqm")
    with pytest.raises(CardError, match="raqm"):
        make_cards([card("story:a")], tmp_path)


def test_the_shipped_fonts_are_small_and_licensed() -> None:
    fonts = sorted(FONTS_DIR.glob("*.ttf"))
    assert {f.name for f in fonts} == {family.path(w).name for family in (LATIN, ARABIC) for w in Weight}
    assert sum(f.stat().st_size for f in fonts) < 2_000_000
    assert "SIL OPEN FONT LICENSE" in (FONTS_DIR / "OFL.txt").read_text(encoding="utf-8")
