"""Markup and publisher furniture out, the story's own sentences in."""

from __future__ import annotations

import pytest

from alertbot.feeds.cleaning import clean, html_to_text, strip_boilerplate

from .helpers import seed_text

SEED_000 = seed_text("000")
SEED_001 = seed_text("001")


def test_block_elements_become_lines_and_inline_markup_vanishes() -> None:
    html = "<div><h2>Judul</h2><p>Satu <b>dua</b>\n   tiga</p><ul><li>a</li><li>b</li></ul>"
    html += "x<br>y</div>"
    assert html_to_text(html) == "Judul\nSatu dua tiga\na\nb\nx\ny"


def test_entities_are_decoded_and_nbsp_collapsed() -> None:
    assert html_to_text("<p>Tom &amp; Jerry&nbsp;&nbsp;&#8211; &quot;ok&quot;</p>") == (
        'Tom & Jerry – "ok"'
    )


def test_script_and_style_are_dropped() -> None:
    html = "<p>before</p><script>alert('x')</script><style>p{}</style><p>after</p>"
    assert html_to_text(html) == "before\nafter"


def test_blank_lines_are_collapsed() -> None:
    assert html_to_text("<p>a</p><p></p><p> &nbsp; </p><div><div>b</div></div>") == "a\nb"


@pytest.mark.parametrize(
    "line",
    [
        "Baca juga: Komandan Senior India dan China Bertemu",
        "Baca Juga: Pemilihan Senat Kembar di Georgia",
        "BACA JUGA : Kasus Baru Covid-19",
        "baca juga Bocah 9 Tahun Berhasil Menangkan Kompetisi",
        "• Baca juga: Bocah 9 Tahun",
        "  - Lihat juga: Video serangan",
        "Simak juga: Wawancara Aliyev",
        "Baca selengkapnya",
        "Berita Terkait: Armenia",
        "Read also: Another story",
        "Also read - Another story",
        "Read more: Armenia and Azerbaijan",
        "Read more »",
        "See also: Nagorno-Karabakh",
        "Related: Ceasefire talks",
        "Related stories",
        "RELATED",
        "source",
        "Source",
        "sumber",
        "0 Komentar",
        "12 comments",
        "1 comment",
        "close",
        "Share",
        "Share this article",
        "Advertisement",
        "ADVERTISEMENT",
        "Scroll to continue with content",
    ],
)
def test_furniture_lines_are_dropped(line: str) -> None:
    assert strip_boilerplate(f"Kalimat pertama.\n{line}\nKalimat terakhir.") == (
        "Kalimat pertama.\nKalimat terakhir."
    )


@pytest.mark.parametrize(
    "line",
    [
        "The source of the shelling was not identified.",
        "Officials cited an anonymous source.",
        "Related talks between Baku and Yerevan stalled.",
        "See also how the ceasefire collapsed in October.",
        "Read more carefully, the minister said.",
        "Closer ties with Ankara were announced.",
        "Sharing the border region remains disputed.",
        "Sumber militer menyebut 90 warga sipil tewas.",
        "Mereka membaca juga laporan itu.",
    ],
)
def test_real_sentences_are_kept(line: str) -> None:
    assert strip_boilerplate(line) == line


def test_source_glued_to_the_last_sentence_is_removed() -> None:
    assert strip_boilerplate('kami," paparnya. source') == 'kami," paparnya.'
    assert strip_boilerplate("Itu benar. Source") == "Itu benar."


def test_seed_000_keeps_the_story_and_loses_the_related_links() -> None:
    text = clean(SEED_000)
    assert "Azerbaijan Klaim Tentara Armenia Akui Kekalahan" in text
    assert "(AnadoluAgency)" in text
    assert "Baca juga" not in text
    for unrelated in ("India dan China", "Toilet", "Joe Biden", "Georgia", "Covid-19"):
        assert unrelated not in text
    # Every story line survives untouched.
    story_lines = [line for line in SEED_000.splitlines() if not line.startswith("Baca juga")]
    assert text.splitlines() == story_lines


def test_seed_001_keeps_the_en_dash_and_loses_the_page_furniture() -> None:
    text = clean(SEED_001)
    assert "Nagorno–Karabakh" in text
    assert "Syarat–syarat" in text
    assert text.endswith('integritas teritorial kami," paparnya.')
    for furniture in ("source", "Komentar", "close"):
        assert furniture not in text.splitlines()[-1]
        assert furniture not in text.splitlines()
    assert "Ilhwam Aliyev" in text  # the publisher's typo is theirs to keep


def test_clean_treats_html_and_plain_text_alike() -> None:
    html = "<p>Satu.</p><p>Baca juga: <a href='/x'>Lain</a></p><p>Dua &amp; tiga.</p>"
    assert clean(html) == clean("Satu.\nBaca juga: Lain\nDua &amp; tiga.") == "Satu.\nDua & tiga."


def test_plain_text_with_a_less_than_sign_is_not_mangled() -> None:
    assert clean("Casualties rose 5 < 10 in a week") == "Casualties rose 5 < 10 in a week"


def test_clean_of_nothing_is_nothing() -> None:
    assert clean("") == ""
    assert clean("<p> </p>") == ""


# --- related links in other shapes: publishers' markup as it comes ------------------------

RELATED_SHAPES = [
    (  # Serambinews (the seeds): the marker after real text, inside the paragraph
        "<p>Serangan terjadi Minggu malam. Baca juga: Banjir Rendam Medan</p><p>Dua.</p>",
        "Serangan terjadi Minggu malam.\nDua.",
    ),
    (  # Detik: a bold "Baca juga:" then a link, inside the paragraph
        '<p>Polisi masih menyelidiki. <strong>Baca juga:</strong> <a href="/x">KPK Periksa'
        " Bupati</a></p><p>Kasus berlanjut.</p>",
        "Polisi masih menyelidiki.\nKasus berlanjut.",
    ),
    (  # Kompas: "Lihat juga" in brackets after a sentence
        "<p>Harga BBM naik. (Lihat juga: Antrean di SPBU Mengular)</p>",
        "Harga BBM naik.",
    ),
    (  # Tempo-like box: a heading, then a list of headlines
        "<p>Gempa mengguncang Cianjur.</p><div class='box'><h4>Berita Terkait</h4><ul>"
        "<li><a href='/a'>Longsor di Sumedang</a></li><li><a href='/b'>Banjir Bandang Garut</a>"
        "</li></ul></div><p>Warga mengungsi.</p>",
        "Gempa mengguncang Cianjur.\nWarga mengungsi.",
    ),
    (  # a "Baca Juga" heading with one link per paragraph
        "<p>Satu kalimat.</p><p><b>Baca Juga</b></p><p><a href='/1'>Jokowi Resmikan Tol</a></p>"
        "<p>• <a href='/2'>Prabowo Bertemu Erdogan</a></p><p>Kalimat berikutnya.</p>",
        "Satu kalimat.\nKalimat berikutnya.",
    ),
    (  # "Artikel Terkait:" heading with a colon
        "<p>Isi berita.</p><h3>Artikel Terkait:</h3><p><a href='/z'>MA Tolak Kasasi</a></p>",
        "Isi berita.",
    ),
    (  # English wire: "Related" box
        "<p>Troops withdrew on Monday.</p><aside><h2>Related</h2><ul><li><a href='/r1'>"
        "Gaza ceasefire talks stall</a></li><li><a href='/r2'>NATO summit opens</a></li></ul>"
        "</aside><p>Talks resume Tuesday.</p>",
        "Troops withdrew on Monday.\nTalks resume Tuesday.",
    ),
    (  # "Read more" and "More from Reuters" headings
        "<p>Markets fell.</p><p>Read more</p><p><a href='/m'>Oil jumps</a></p>"
        "<h3>More from Reuters</h3><p><a href='/n'>Ukraine grain deal</a></p>",
        "Markets fell.",
    ),
    (  # "Read also:" inline in English
        "<p>The UN voted on Friday. Read also: Israel strikes Rafah</p>",
        "The UN voted on Friday.",
    ),
    (  # plain text: a heading, then headline-like lines, then prose again
        "Banjir melanda Jakarta.\nBerita Terkait\nLongsor di Bogor\nBanjir di Bekasi\n"
        "Warga diminta waspada.",
        "Banjir melanda Jakarta.\nWarga diminta waspada.",
    ),
]


@pytest.mark.parametrize(("markup", "expected"), RELATED_SHAPES)
def test_related_links_in_every_shape_are_dropped(markup: str, expected: str) -> None:
    assert clean(markup) == expected


@pytest.mark.parametrize(
    "kept",
    [
        "Related talks will be held in Geneva next week.",
        "Related to the strike, the union said it would meet the minister.",
        "Anda bisa baca juga laporan lengkapnya di situs kementerian.",  # no marker colon
        "More from the ministry is expected on Monday.",
        "Read more than a hundred pages of the report, he said.",
    ],
)
def test_real_sentences_that_start_like_a_marker_stay(kept: str) -> None:
    assert clean(f"<p>{kept}</p>") == kept
    assert clean(kept) == kept


def test_a_heading_followed_by_prose_drops_only_the_heading() -> None:
    html = "<p>Satu.</p><h4>Berita Terkait</h4><p>Presiden berbicara di Istana.</p>"
    assert clean(html) == "Satu.\nPresiden berbicara di Istana."


def test_link_marks_never_reach_the_text() -> None:
    assert clean("<p>Lihat <a href='/x'>situs ini</a> untuk detail.</p>") == (
        "Lihat situs ini untuk detail."
    )


_TRICKY_LINES = [
    *SEED_000.splitlines(),
    *SEED_001.splitlines(),
    "Pasukan mundur, kata dia. Baca juga: Banjir di Medan",
    "Pasukan mundur (baca juga : Banjir di Medan)",
    "Pasukan mundur. Lihat pula： Gempa",
    "Pasukan mundur, kata dia. source",
    "Pasukan mundur, kata dia. SOURCE",
    "Pasukan mundur, kata dia.  Source",
    "Pasukan mundur, kata dia. ſource",  # long s: the patterns ignore case the Unicode way
    "Waktu: 10.00 WIB, see also the map",
    "Kota Stepanakert diserang lagi",
]


def test_the_cheap_tests_before_the_inline_patterns_never_skip_a_match() -> None:
    # strip_boilerplate runs these two patterns only where the cheap tests say they may match
    from alertbot.feeds import cleaning

    inline = [line for line in _TRICKY_LINES if cleaning._INLINE_RELATED_RE.search(line)]
    source = [line for line in _TRICKY_LINES if cleaning._TRAILING_SOURCE_RE.search(line)]
    assert len(inline) >= 3 and len(source) >= 4  # the lines above that hold them
    assert all(cleaning._may_hold_inline_marker(line) for line in inline)
    assert all(cleaning._may_end_with_source(line) for line in source)
    prose = [line for line in _TRICKY_LINES if line not in inline and line not in source]
    assert not all(cleaning._may_hold_inline_marker(line) for line in prose)  # they do cut


def test_a_trailing_source_label_goes_in_any_case() -> None:
    assert strip_boilerplate("Pasukan mundur, kata dia. SOURCE") == "Pasukan mundur, kata dia."
    assert strip_boilerplate("Pasukan mundur, kata dia. ſource") == "Pasukan mundur, kata dia."
    assert strip_boilerplate("Pasukan mundur ke sumber air") == "Pasukan mundur ke sumber air"
