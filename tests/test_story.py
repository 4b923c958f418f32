"""Number formatting for people, escaping and jargon checks."""

import pytest

from storytelling.story import (
    DATA_SCIENTIST,
    EXECUTIVE,
    Fact,
    Finding,
    fmt_count,
    fmt_in_ten,
    fmt_money,
    fmt_pct,
    fmt_range,
    fmt_ratio,
    has_jargon,
    md_escape,
    round_sig,
)


@pytest.mark.parametrize("x,s", [(312.47, "310"), (1243, "1,240"), (7.6, "8"), (0.4, "fewer than 1"),
                                 (0, "0"), (12_345, "12,300"), (99.5, "100")])
def test_fmt_count(x, s):
    assert fmt_count(x) == s


@pytest.mark.parametrize("x,s", [(186_400, "$186k"), (1_240_000, "$1.2M"), (-5300, "-$5.3k"), (42.5, "$43"),
                                 (43.5, "$44"), (-42.5, "-$43"), (1250, "$1.3k"), (7.5, "$7.5"), (2_500_000_000, "$2.5B"), (12_400, "$12.4k"), (999, "$999")])
def test_fmt_money(x, s):
    assert fmt_money(x) == s


@pytest.mark.parametrize("x,s", [(0.183, "18%"), (0.024, "2.4%"), (0.0004, "under 0.1%"), (0.05, "5%"), (1.55, "155%")])
def test_fmt_pct(x, s):
    assert fmt_pct(x) == s


def test_other_formats():
    assert fmt_ratio(3.04) == "3x" and fmt_ratio(2.46) == "2.5x"
    assert fmt_in_ten(0.43) == "4" and fmt_in_ten(0.06) == "0.6"
    assert fmt_range("270", "350") == "between 270 and 350"
    assert round_sig(312.47, 2) == 310


def test_md_escape_neutralises_markup():
    s = md_escape("Cost $8k and $20k: [click](http://x) <script> *bold* # head")
    assert "\\$8k" in s and "\\[click\\]" in s and "\\<script\\>" in s and "\\*bold\\*" in s


def test_jargon_detection():
    assert has_jargon("AUC is 0.8 and precision is high") == ["auc", "precision"]
    assert has_jargon("We keep 310 customers a month") == []
    assert has_jargon("The shape of the curve") == []  # 'shap' inside a word is fine


def test_finding_audiences():
    f = Finding("k", "Title", "Headline", bullets=["b"], technical=["AUC 0.8"], notes=["method"],
                facts={"x": Fact("x", 1, "customers", "1")})
    assert f.bullets_for(EXECUTIVE) == ["b"]
    assert f.bullets_for(DATA_SCIENTIST) == ["b", "AUC 0.8"]
    assert not has_jargon(f.text_for(EXECUTIVE))
    assert f.fact("x").text == "1"


def test_bare_urls_and_addresses_never_become_links():
    from storytelling.story import md_escape

    text = "Plan www.evil.example, see https://evil.example/x?a=1 or mail ann@evil.example; ftp://x.y"
    for streamlit in (True, False):
        out = md_escape(text, streamlit=streamlit)
        plain = out.replace("\\", "")
        for pattern in ("www.", "https:", "ftp:", "ann@"):
            assert pattern not in plain, (pattern, out)
        assert plain.replace("\u2060", "") == text  # shows exactly as typed


def test_words_before_a_colon_are_left_alone():
    from storytelling.story import md_escape

    for text in ("This replays the customers in this file: it cannot see", "the data: as sent", "Ask www or @ once"):
        assert "\u2060" not in md_escape(text, streamlit=False)
