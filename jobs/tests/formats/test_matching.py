"""The layer matcher: each signal on concrete cases, the assignment's rules, learned mappings,
minimal description input, calibration on the labelled set, and properties of any output.

Plain Python (no Django):
``.venv/bin/pytest -p no:django -q jobs/tests/formats/test_matching.py``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobs.formats.descriptions import Match, MatchResult, PsdDocument, PsdLayer, TemplateDocument
from jobs.formats.matching import (
    FOOTAGE_KINDS,
    LearnedPattern,
    content_classes,
    learned_mapping_for,
    match_layers,
    name_pattern,
    normalise_words,
    reading_order,
)

REPO = Path(__file__).resolve().parents[3]
CASES = REPO / "bench" / "matching_cases"
SPLIT_SCREEN = REPO.parent / "shared" / "fixtures" / "aepx" / "split-screen.expected.json"


# --------------------------------------------------------------------------------------------
# Builders


def psd(*layers: dict, width: int = 1920, height: int = 1080) -> PsdDocument:
    """A PSD description from layer dicts (top of the stack first)."""
    return PsdDocument.from_dict({"width": width, "height": height, "layers": list(layers)})


def layer(id: int, name: str, kind: str, bbox=None, *, text=None, visible=True, **extra) -> dict:
    if kind == "type" and text is None:
        text = name
    return {"id": id, "name": name, "kind": kind, "bbox": bbox, "visible": visible, "text": text, **extra}


def template(*comps: dict) -> TemplateDocument:
    return TemplateDocument.from_dict({"compositions": list(comps)})


def comp(name: str, *layers: dict, width: int = 1920, height: int = 1080) -> dict:
    return {"name": name, "width": width, "height": height, "layers": list(layers)}


def text_ph(index: int, name: str, bbox=None, text=None) -> dict:
    return {"index": index, "name": name, "type": "text", "bbox": bbox, "text": text}


def footage_ph(index: int, name: str, bbox=None, source=None) -> dict:
    return {"index": index, "name": name, "type": "footage", "bbox": bbox, "source": source}


def chosen(result: MatchResult, composition: str = "Main") -> dict[str, int | None]:
    """Placeholder name -> chosen PSD layer id, for one composition."""
    return {m.placeholder: m.psd_layer_id for m in result.matches if m.composition == composition}


def match_of(result: MatchResult, placeholder: str, composition: str = "Main") -> Match:
    return next(m for m in result.matches if m.placeholder == placeholder and m.composition == composition)


# --------------------------------------------------------------------------------------------
# Names


@pytest.mark.parametrize(
    "name, words",
    [
        ("player1fullname", ["player", "1", "fullname"]),
        ("featuredimage1", ["featured", "image", "1"]),
        ("HomeTeamName", ["home", "team", "name"]),
        ("home_team_name", ["home", "team", "name"]),
        ("HOME-TEAM NAME", ["home", "team", "name"]),
        ("CTAButton", ["cta", "button"]),
        ("txt_Headline copy 2", ["headline"]),
        ("green_yellow_bg.png", ["green", "yellow", "bg"]),
        ("companylogo", ["company", "logo"]),
    ],
)
def test_names_are_normalised_across_case_separators_camelcase_and_glued_words(name, words):
    assert normalise_words(name) == words


def test_name_pattern_generalises_digits_and_drops_photoshop_copy_markers():
    assert name_pattern("Player_02 Name copy") == name_pattern("player3name") == "player # name"
    assert name_pattern("IMG_4821") == "img #"


@pytest.mark.parametrize(
    "placeholder, psd_name",
    [
        ("headline", "Title"),
        ("featuredImage", "Hero Photo"),
        ("brand_logo", "Brand"),
        ("cta", "Button Label"),
        ("bg", "Backdrop"),
    ],
)
def test_synonyms_match_when_nothing_else_helps(placeholder, psd_name):
    kind = "type" if placeholder in ("headline", "cta") else "pixel"
    ph = text_ph(1, placeholder) if kind == "type" else footage_ph(1, placeholder)
    document = psd(
        layer(1, psd_name, kind, text="Lorem" if kind == "type" else None),
        layer(2, "Layer 7" if kind == "pixel" else "Ipsum", kind, text="Ipsum" if kind == "type" else None),
    )
    result = match_layers(document, template(comp("Main", ph)))
    assert chosen(result)[placeholder] == 1
    assert "name" in match_of(result, placeholder).reason


def test_reformatted_names_match_exactly():
    document = psd(layer(1, "Home Team Name", "type", text="RIVERSIDE EAGLES"),
                   layer(2, "away_team_name", "type", text="NORTHGATE TIGERS"))
    result = match_layers(document, template(comp("Main", text_ph(1, "homeTeamName"), text_ph(2, "AWAYTEAMNAME"))))
    assert chosen(result) == {"homeTeamName": 1, "AWAYTEAMNAME": 2}
    assert all(m.confidence >= 0.9 for m in result.matches)


# --------------------------------------------------------------------------------------------
# Type compatibility


def test_text_placeholders_take_only_type_layers_and_footage_only_pictures():
    pictures = psd(layer(1, "headline", "pixel", [0, 0, 100, 100]), layer(2, "headline", "shape", [0, 0, 90, 90]))
    texts = psd(layer(3, "photo", "type", [0, 0, 100, 30]))
    result = match_layers(pictures, template(comp("Main", text_ph(1, "headline"))))
    assert chosen(result) == {"headline": None}
    result_2 = match_layers(texts, template(comp("Main", footage_ph(2, "photo"))))
    assert chosen(result_2) == {"photo": None}
    for m in result.matches + result_2.matches:
        assert m.reason == "no candidate" and m.confidence == 0.0


@pytest.mark.parametrize("kind", sorted(FOOTAGE_KINDS))
def test_footage_takes_pixel_smartobject_shape_and_group_layers(kind):
    document = psd(layer(1, "logo", kind, [10, 10, 200, 200]))
    result = match_layers(document, template(comp("Main", footage_ph(1, "logo"))))
    assert chosen(result)["logo"] == 1


def test_adjustment_and_fill_layers_are_never_candidates():
    document = psd(layer(1, "background", "adjustment", [0, 0, 1920, 1080]),
                   layer(2, "background", "solidcolorfill", [0, 0, 1920, 1080]))
    result = match_layers(document, template(comp("Main", footage_ph(1, "background"))))
    assert chosen(result)["background"] is None
    assert match_of(result, "background").reason == "no candidate"


# --------------------------------------------------------------------------------------------
# Content of type layers


def test_type_layers_are_matched_by_their_content():
    """Photoshop names type layers after their text: a name, a price, a date, a time."""
    document = psd(
        layer(1, "7:30 PM", "type"),
        layer(2, "$49.99", "type"),
        layer(3, "SAT, MARCH 14", "type"),
        layer(4, "BEN FORMAN", "type"),
        layer(5, "www.riverside.edu", "type"),
    )
    placeholders = [text_ph(1, "playerName"), text_ph(2, "price"), text_ph(3, "game_date"),
                    text_ph(4, "KickoffTime"), text_ph(5, "website")]
    result = match_layers(document, template(comp("Main", *placeholders)))
    assert chosen(result) == {"playerName": 4, "price": 2, "game_date": 3, "KickoffTime": 1, "website": 5}
    assert "name-like content" in match_of(result, "playerName").reason
    assert "price content" in match_of(result, "price").reason


@pytest.mark.parametrize(
    "text, cls",
    [
        ("BEN FORMAN", "person"),
        ("$1,250,000", "price"),
        ("FRIDAY 10.24", "date"),
        ("KICKOFF 3PM", "time"),
        ("30% OFF", "percent"),
        ("(512) 555-0147", "phone"),
        ("RIVERSIDE EAGLES", "team"),
        ("42 Oakwood Drive, Austin TX", "address"),
        ("SHOP NOW", "cta"),
        ("#23", "jersey"),
    ],
)
def test_content_classes(text, cls):
    classes = content_classes(text)
    assert max(classes, key=classes.get) == cls


def test_event_names_are_not_dates_and_long_phrases_are_weak_dates():
    assert "date" not in content_classes("BLACK FRIDAY")
    assert content_classes("TICKETS ON SALE FRIDAY")["date"] < content_classes("FRI 14 FEB")["date"]


def test_a_label_repeating_the_placeholder_name_loses_to_real_content():
    document = psd(layer(1, "PLAYER OF THE GAME", "type", [700, 800, 1200, 840]),
                   layer(2, "MAYA CHEN", "type", [700, 860, 1200, 920]))
    result = match_layers(document, template(comp("Main", text_ph(1, "player_of_the_game", [700, 860, 1200, 920]))))
    assert chosen(result)["player_of_the_game"] == 2


# --------------------------------------------------------------------------------------------
# Geometry


def test_position_decides_between_look_alike_layers():
    document = psd(layer(1, "Vector Smart Object", "smartobject", [100, 300, 400, 600]),
                   layer(2, "Vector Smart Object", "smartobject", [1500, 300, 1800, 600]))
    placeholders = [footage_ph(1, "homeLogo", [1480, 280, 1820, 620]),
                    footage_ph(2, "awayLogo", [90, 290, 410, 610])]
    result = match_layers(document, template(comp("Main", *placeholders)))
    assert chosen(result) == {"homeLogo": 2, "awayLogo": 1}
    assert "same position" in match_of(result, "homeLogo").reason


def test_positions_are_compared_in_normalised_coordinates():
    """A 4K PSD and an HD composition with the same layout line up."""
    document = psd(layer(1, "Layer 1", "pixel", [200, 200, 1000, 1800]),
                   layer(2, "Layer 2", "pixel", [2800, 200, 3600, 1800]), width=3840, height=2160)
    placeholders = [footage_ph(1, "left_photo", [100, 100, 500, 900]),
                    footage_ph(2, "right_photo", [1400, 100, 1800, 900])]
    result = match_layers(document, template(comp("Main", *placeholders)))
    assert chosen(result) == {"left_photo": 1, "right_photo": 2}


def test_aspect_ratio_tells_a_portrait_photo_from_a_wide_banner():
    document = psd(layer(1, "Layer 3", "pixel", [0, 900, 1000, 1000]),
                   layer(2, "Layer 4", "pixel", [1200, 0, 1600, 1000]))
    ph = footage_ph(1, "cutout", source={"name": "cutout.png", "width": 652, "height": 1480})
    assert chosen(match_layers(document, template(comp("Main", ph))))["cutout"] == 2


def test_the_largest_text_is_the_headline_when_nothing_else_tells():
    document = psd(layer(1, "FEATURING", "type", [100, 500, 400, 540]),
                   layer(2, "SUMMER JAZZ NIGHT", "type", [100, 100, 1200, 260]))
    result = match_layers(document, template(comp("Main", text_ph(1, "title"))))
    assert chosen(result)["title"] == 2


# --------------------------------------------------------------------------------------------
# Reading order of numbered placeholders


def test_numbered_placeholders_follow_reading_order_top_to_bottom():
    """The real split-screen job: three names by their text, placeholders player1..3."""
    document = psd(
        layer(6, "EMMA LOUISE", "type", [74, 508, 328, 547]),
        layer(5, "ELOISE GRACE", "type", [73, 387, 335, 426]),
        layer(4, "BEN FORMAN", "type", [72, 269, 316, 307]),
        width=1200, height=1500,
    )
    placeholders = [text_ph(3, "player3fullname"), text_ph(1, "player1fullname"), text_ph(2, "player2fullname")]
    result = match_layers(document, template(comp("Main", *placeholders, width=1200, height=1500)))
    assert chosen(result) == {"player1fullname": 4, "player2fullname": 5, "player3fullname": 6}
    assert match_of(result, "player1fullname").reason == "text layer; name-like content; reading order 1 of 3"
    assert match_of(result, "player1fullname").confidence >= 0.8


def test_reading_order_is_left_to_right_within_a_row():
    document = psd(layer(1, "Layer 9", "pixel", [1300, 110, 1800, 700]),
                   layer(2, "Layer 8", "pixel", [700, 100, 1200, 700]),
                   layer(3, "Layer 7", "pixel", [100, 120, 600, 700]))
    placeholders = [footage_ph(i, f"photo{i}") for i in (1, 2, 3)]
    result = match_layers(document, template(comp("Main", *placeholders)))
    assert chosen(result) == {"photo1": 3, "photo2": 2, "photo3": 1}


def test_reading_order_helper():
    boxes = [(0.6, 0.1, 0.9, 0.3), (0.1, 0.12, 0.4, 0.3), None, (0.1, 0.5, 0.4, 0.6)]
    assert reading_order(boxes) == [1, 0, 3, 2]


def test_numbers_in_layer_names_beat_reading_order():
    document = psd(layer(1, "Player 2 Name", "type", [100, 100, 500, 150], text="MARCUS REID"),
                   layer(2, "Player 1 Name", "type", [100, 300, 500, 350], text="JALEN BROOKS"))
    result = match_layers(document, template(comp("Main", text_ph(1, "player1name"), text_ph(2, "player2name"))))
    assert chosen(result) == {"player1name": 2, "player2name": 1}


def test_fewer_layers_than_numbered_placeholders_leave_the_last_ones_empty():
    document = psd(layer(1, "MARCUS REID", "type", [100, 300, 500, 350]),
                   layer(2, "JALEN BROOKS", "type", [100, 100, 500, 150]),
                   layer(3, "2025 ROSTER", "type", [100, 20, 600, 80]))
    placeholders = [text_ph(i, f"player{i}name") for i in (1, 2, 3)]
    result = match_layers(document, template(comp("Main", *placeholders)))
    assert chosen(result) == {"player1name": 2, "player2name": 1, "player3name": None}


# --------------------------------------------------------------------------------------------
# Hidden layers, backgrounds, distractors


def test_a_hidden_copy_loses_to_the_visible_layer():
    document = psd(layer(1, "Headline copy", "type", [100, 100, 900, 200], text="OLD TITLE", visible=False),
                   layer(2, "Headline", "type", [100, 100, 900, 200], text="GAME DAY"))
    result = match_layers(document, template(comp("Main", text_ph(1, "headline", [100, 100, 900, 200]))))
    assert chosen(result)["headline"] == 2


def test_full_canvas_backgrounds_are_weak_candidates_for_other_placeholders():
    document = psd(layer(1, "Layer 2", "pixel", [0, 0, 1920, 1080]))
    result = match_layers(document, template(comp("Main", footage_ph(1, "product_shot"))))
    assert chosen(result)["product_shot"] is None
    assert match_of(result, "product_shot").reason == "no good candidate"


def test_photoshops_covered_background_loses_to_the_designers_backdrop():
    document = psd(layer(1, "DSC02503", "pixel", [-4, -2, 1924, 1084]),
                   layer(2, "Background", "pixel", [0, 0, 1920, 1080]))
    result = match_layers(document, template(comp("Main", footage_ph(1, "background"))))
    assert chosen(result)["background"] == 1


def test_placeholders_without_a_counterpart_stay_empty():
    document = psd(layer(1, "GAME DAY", "type", [100, 50, 800, 150]),
                   layer(2, "© 2025 All rights reserved.", "type", [1200, 1040, 1900, 1070]),
                   layer(3, "Rectangle 9", "shape", [400, 500, 700, 508]))
    placeholders = [text_ph(1, "headline", [100, 50, 800, 150]), text_ph(2, "price", [100, 600, 400, 700]),
                    footage_ph(3, "sponsor_logo", [1600, 900, 1900, 1000])]
    result = match_layers(document, template(comp("Main", *placeholders)))
    assert chosen(result) == {"headline": 1, "price": None, "sponsor_logo": None}
    assert match_of(result, "price").confidence == 0.0


# --------------------------------------------------------------------------------------------
# Groups


def logo_group() -> list[dict]:
    return [
        layer(10, "Group 4", "group", [100, 800, 400, 1000]),
        layer(11, "Shape 1", "shape", [100, 800, 400, 900], parent_id=10, path="Group 4/Shape 1"),
        layer(12, "Ellipse 2", "shape", [100, 900, 250, 1000], parent_id=10, path="Group 4/Ellipse 2"),
    ]


def test_a_group_of_parts_fills_a_logo_rather_than_one_of_its_parts():
    result = match_layers(psd(*logo_group()), template(comp("Main", footage_ph(1, "logo"))))
    assert chosen(result)["logo"] == 10
    assert result.unmatched_psd_layers == ()


def test_a_group_and_its_own_layers_do_not_both_fill_one_composition():
    document = psd(*logo_group())
    placeholders = [footage_ph(1, "logo"), footage_ph(2, "badge shape"), footage_ph(3, "ellipse")]
    result = match_layers(document, template(comp("Main", *placeholders)))
    used = [i for i in chosen(result).values() if i is not None]
    assert not (10 in used and ({11, 12} & set(used)))


def test_groups_are_found_from_paths_when_parent_ids_are_missing():
    layers = [dict(entry) for entry in logo_group()]
    for entry in layers:
        entry.pop("parent_id", None)
    result = match_layers(psd(*layers), template(comp("Main", footage_ph(1, "logo"))))
    assert chosen(result)["logo"] == 10


# --------------------------------------------------------------------------------------------
# Assignment rules and output


def test_one_layer_fills_at_most_one_placeholder_per_composition_but_several_compositions():
    document = psd(layer(1, "logo", "shape", [100, 100, 300, 300]))
    tpl = template(comp("Main", footage_ph(1, "logo"), footage_ph(2, "logo copy")),
                   comp("Story", footage_ph(1, "logo"), width=1080, height=1920))
    result = match_layers(document, tpl)
    assert [m.psd_layer_id for m in result.matches if m.composition == "Main"].count(1) == 1
    assert chosen(result, "Story")["logo"] == 1


def test_every_placeholder_of_every_composition_gets_one_entry_in_order():
    tpl = template(
        comp("A", text_ph(1, "title"), {"index": 2, "name": "Null 1", "type": "null"},
             footage_ph(3, "light_leak.mov", source={"name": "light_leak.mov"}) | {"placeholder": False},
             footage_ph(4, "photo")),
        comp("B", text_ph(1, "name")),
    )
    result = match_layers(psd(), tpl)
    assert [(m.composition, m.layer_index) for m in result.matches] == [("A", 1), ("A", 4), ("B", 1)]
    assert [m.placeholder_type for m in result.matches] == ["text", "footage", "text"]


def test_output_follows_the_interchange_format():
    document = psd(layer(7, "BEN FORMAN", "type", [72, 269, 316, 307]), layer(3, "Layer 3", "pixel", [0, 0, 10, 10]))
    data = match_layers(document, template(comp("Split Screen", text_ph(1, "player1fullname"),
                                                footage_ph(5, "logo")))).to_dict()
    assert set(data) == {"matches", "unmatched_psd_layers"}
    first = data["matches"][0]
    assert {"composition", "layer_index", "placeholder", "psd_layer_id", "psd_layer", "confidence",
            "reason", "placeholder_type"} <= set(first)
    assert first["psd_layer_id"] == 7 and first["psd_layer"] == "BEN FORMAN"
    json.dumps(data)  # serialisable as is


def test_unmatched_layers_are_visible_content_used_by_no_composition():
    document = psd(layer(1, "headline", "type", [0, 0, 500, 100], text="HI"),
                   layer(2, "old headline", "type", [0, 0, 500, 100], text="HELLO", visible=False),
                   layer(3, "sticker", "shape", [600, 600, 700, 700]),
                   layer(4, "Curves 1", "adjustment", [0, 0, 1920, 1080]),
                   *logo_group())
    result = match_layers(document, template(comp("Main", text_ph(1, "headline"), footage_ph(2, "logo"))))
    assert chosen(result) == {"headline": 1, "logo": 10}
    assert result.unmatched_psd_layers == (3,)


def test_threshold_must_be_a_fraction_and_low_matches_name_their_rival():
    document = psd(layer(1, "Layer 1", "pixel", [0, 0, 400, 400]), layer(2, "Layer 2", "pixel", [500, 0, 900, 400]))
    with pytest.raises(ValueError):
        match_layers(document, template(), threshold=1.5)
    result = match_layers(document, template(comp("Main", footage_ph(1, "photo"))), threshold=0.99)
    assert "close alternative: Layer" in match_of(result, "photo").reason


# --------------------------------------------------------------------------------------------
# Learned mappings


def test_a_learned_mapping_is_strongly_preferred_and_as_sure_as_its_evidence():
    document = psd(layer(1, "headline", "type", [100, 100, 900, 200], text="SUMMER SALE"),
                   layer(2, "Promo Line 3", "type", [100, 900, 600, 950], text="ENDS SUNDAY"))
    tpl = template(comp("Main", text_ph(1, "headline", [100, 100, 900, 200])))
    assert chosen(match_layers(document, tpl))["headline"] == 1
    # One approved job: the choice is followed, but below the review threshold (not certainty).
    result = match_layers(document, tpl, learned=[LearnedPattern("Main", "headline", "promo line #", "type")])
    assert chosen(result)["headline"] == 2
    assert match_of(result, "headline").reason.startswith("learned from 1 approved job")
    assert match_of(result, "headline").confidence == 0.5
    # Three agreeing approvals pass it; disagreeing ones lower it and are named.
    sure = match_layers(document, tpl, learned=[LearnedPattern("Main", "headline", "promo line #", "type", 3)])
    assert match_of(sure, "headline").confidence == 0.875
    torn = match_layers(document, tpl, learned=[LearnedPattern("Main", "headline", "promo line #", "type", 3, 1)])
    assert match_of(torn, "headline").confidence == pytest.approx(0.875 * 3 / 4, abs=1e-3)
    assert "(1 approved job chose another layer)" in match_of(torn, "headline").reason
    # A pattern with no approvals left (withdrawn) decides nothing.
    withdrawn = match_layers(document, tpl, learned=[LearnedPattern("Main", "headline", "promo line #", "type", 0)])
    assert chosen(withdrawn)["headline"] == 1


def test_a_learned_mapping_applies_only_to_its_composition_placeholder_and_kind():
    document = psd(layer(1, "headline", "type", [100, 100, 900, 200], text="SUMMER SALE"),
                   layer(2, "Promo Line 3", "type", [100, 900, 600, 950], text="ENDS SUNDAY"))
    tpl = template(comp("Main", text_ph(1, "headline", [100, 100, 900, 200])))
    for mapping in (LearnedPattern("Other", "headline", "promo line #", "type"),
                    LearnedPattern("Main", "title", "promo line #", "type"),
                    LearnedPattern("Main", "headline", "promo line #", "pixel")):
        assert chosen(match_layers(document, tpl, learned=[mapping]))["headline"] == 1


def test_learned_mapping_for_generalises_the_reviewers_choice():
    match = Match("Split Screen", 2, "player2fullname", None, None, 0.0, "no candidate", "text")
    chosen_layer = PsdLayer(id=9, name="Player_02 Name copy", kind="type")
    mapping = learned_mapping_for(match, chosen_layer)
    assert mapping == LearnedPattern("Split Screen", "player2fullname", "player # name", "type", 1, 0)
    assert LearnedPattern.from_dict(mapping.to_dict()) == mapping
    # the digit is generalised: the same mapping fits next week's "Player 7 Name"
    assert mapping.fits("Split Screen", "player2fullname", PsdLayer(id=3, name="Player 7 Name", kind="type"))


# --------------------------------------------------------------------------------------------
# Description JSON input


def test_minimal_descriptions_are_enough():
    psd_json = {"width": 1200, "height": 1500, "layers": [
        {"id": 4, "name": "BEN FORMAN", "kind": "type", "bbox": [72, 269, 316, 307], "visible": True, "text": "BEN FORMAN"},
        {"id": 3, "name": "cutout", "kind": "smartobject", "bbox": [515, 20, 1167, 1500], "visible": True, "text": None},
    ]}
    template_json = {"compositions": [{"name": "test-aep", "width": 1200, "height": 1500, "layers": [
        {"index": 1, "name": "player1fullname", "type": "text", "bbox": None, "text": "player1fullname"},
        {"index": 4, "name": "featuredimage1", "type": "footage", "bbox": None,
         "source": {"name": "cutout.png", "width": 1200, "height": 1500}},
    ]}]}
    result = match_layers(PsdDocument.from_dict(psd_json), TemplateDocument.from_dict(template_json))
    assert chosen(result, "test-aep") == {"player1fullname": 4, "featuredimage1": 3}


def test_the_real_split_screen_template(tmp_path):
    """The template read from the real .aepx (expected.json) and the real PSD's layers."""
    if not SPLIT_SCREEN.is_file():
        pytest.skip("shared fixtures not found")
    tpl = TemplateDocument.from_dict(json.loads(SPLIT_SCREEN.read_text()))
    document = psd(
        layer(6, "EMMA LOUISE", "type", [74, 508, 328, 547]),
        layer(5, "ELOISE GRACE", "type", [73, 387, 335, 426]),
        layer(4, "BEN FORMAN", "type", [72, 269, 316, 307]),
        layer(3, "cutout", "smartobject", [515, 20, 1167, 1500]),
        layer(2, "green_yellow_bg", "smartobject", [-5, -7, 1205, 1507]),
        layer(1, "Background", "pixel", [0, 0, 1200, 1500]),
        width=1200, height=1500,
    )
    result = match_layers(document, tpl)
    assert chosen(result, "test-aep") == {
        "player1fullname": 4, "player2fullname": 5, "player3fullname": 6,
        "featuredimage1": 3, "green_yellow_bg.png": 2,
    }
    # the PSD imported as a composition: its footage layers are those very PSD layers
    imported = chosen(result, "test-photoshop-doc")
    assert imported["cutout"] == 3 and imported["green_yellow_bg"] == 2 and imported["Background"] == 1
    assert all(m.confidence >= 0.6 for m in result.matches if m.composition == "test-aep")


# --------------------------------------------------------------------------------------------
# Calibration on the labelled set


def _load_bench():
    spec = importlib.util.spec_from_file_location("matching_bench", REPO / "bench" / "matching_bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_the_labelled_set_is_large_and_covers_every_category():
    files = sorted(CASES.glob("*.json"))
    assert len(files) >= 40
    categories = {json.loads(f.read_text())["category"] for f in files}
    assert {"exact", "reformatted", "synonyms", "content", "numbered", "layout", "distractors",
            "missing"} <= categories
    nulls = sum(v is None for f in files for v in json.loads(f.read_text())["expected"].values())
    assert nulls >= 20  # placeholders with no counterpart are part of the set


def _assert_targets(total, what: str) -> None:
    """Issue 14's acceptance: at least 97 % right, at most 1 % wrong at or above 0.6."""
    assert total.placeholders >= 400, what
    assert total.accuracy >= 0.97, f"{what}: {total.accuracy:.1%}\n" + "\n".join(total.wrong)
    share = total.wrong_confident / total.placeholders
    assert share <= 0.01, f"{what}: {share:.1%} confidently wrong\n" + "\n".join(total.wrong)


def test_accuracy_and_calibration_on_the_labelled_set():
    bench = _load_bench()
    _assert_targets(bench.totals(bench.run(CASES, 0.6)), "own set")


@pytest.mark.parametrize("cases", ["CASES_B", "CASES_C"])
def test_accuracy_and_calibration_on_the_independent_sets(cases):
    bench = _load_bench()
    _assert_targets(bench.totals(bench.run(getattr(bench, cases), 0.6)), cases)


@pytest.mark.parametrize("generator", ["make_matching_cases_b", "make_matching_cases_c"])
def test_accuracy_and_calibration_on_a_seed_nobody_tuned_on(generator, tmp_path):
    """The independent generators at a seed the matcher was never looked at on."""
    bench = _load_bench()
    bench._module(generator).main(["--seed", "11", "--out", str(tmp_path)])
    _assert_targets(bench.totals(bench.run(tmp_path, 0.6)), f"{generator}, seed 11")


def test_confidence_is_calibrated_on_the_labelled_sets():
    """Reliability: the matches at 0.9 and above are right at least nine times in ten, and
    higher buckets are no less reliable than the review threshold's."""
    bench = _load_bench()
    total = bench.totals(bench.run(CASES, 0.6))
    total.merge(bench.totals(bench.run(bench.CASES_B, 0.6)))
    total.merge(bench.totals(bench.run(bench.CASES_C, 0.6)))

    def accuracy(low, high):
        inside = [right for conf, right in total.filled if low <= conf < high]
        return sum(inside) / len(inside) if inside else 1.0
    assert accuracy(0.9, 1.01) >= 0.98
    assert accuracy(0.6, 0.9) >= 0.85
    assert accuracy(0.6, 1.01) >= accuracy(0.0, 0.6)


# --------------------------------------------------------------------------------------------
# Properties of any output

NAMES = ["headline", "Title", "player1fullname", "Player 2 Name", "BEN FORMAN", "$49.99", "logo",
         "Layer 3", "bg", "Background", "IMG_4821", "photo 2", "cta", "SAT, MARCH 14", "", "Group 1",
         "👽", "copy", "7:30 PM", "featuredimage1"]
PSD_KINDS = ["type", "pixel", "smartobject", "shape", "group", "adjustment", "artboard", "solidcolorfill"]
AE_TYPES = ["text", "footage", "precomp", "solid", "shape", "null"]

boxes = st.one_of(
    st.none(),
    st.tuples(st.integers(-300, 2500), st.integers(-300, 2500), st.integers(0, 2000), st.integers(0, 2000))
    .map(lambda t: [t[0], t[1], t[0] + t[2], t[1] + t[3]]),
)


@st.composite
def psd_descriptions(draw):
    count = draw(st.integers(0, 14))
    ids = draw(st.lists(st.integers(-5, 500), min_size=count, max_size=count, unique=True))
    layers = []
    for i, layer_id in enumerate(ids):
        kind = draw(st.sampled_from(PSD_KINDS))
        layers.append({
            "id": layer_id,
            "name": draw(st.sampled_from(NAMES)),
            "kind": kind,
            "bbox": draw(boxes),
            "visible": draw(st.booleans()),
            "opacity": draw(st.sampled_from([1.0, 0.3, 0.0])),
            "text": draw(st.one_of(st.none(), st.sampled_from(NAMES))) if kind == "type" else None,
            "parent_id": draw(st.one_of(st.none(), st.sampled_from(ids))) if i else None,
        })
    return {"width": draw(st.integers(1, 4000)), "height": draw(st.integers(1, 4000)), "layers": layers}


@st.composite
def template_descriptions(draw):
    comps = []
    for c in range(draw(st.integers(1, 3))):
        layers = []
        for index in range(1, draw(st.integers(0, 9)) + 1):
            entry = {"index": index, "name": draw(st.sampled_from(NAMES)), "type": draw(st.sampled_from(AE_TYPES)),
                     "bbox": draw(boxes), "text": draw(st.one_of(st.none(), st.sampled_from(NAMES)))}
            if draw(st.booleans()):
                entry["source"] = {"name": draw(st.sampled_from(NAMES)) + ".png",
                                   "width": draw(st.integers(0, 3000)), "height": draw(st.integers(0, 3000))}
            if draw(st.integers(0, 4)) == 0:
                entry["placeholder"] = draw(st.booleans())
            layers.append(entry)
        comps.append({"name": f"comp {c}", "width": draw(st.integers(1, 4000)),
                      "height": draw(st.integers(1, 4000)), "layers": layers})
    return {"compositions": comps}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(psd_descriptions(), template_descriptions(), st.floats(0, 1))
def test_any_output_is_well_formed(psd_json, template_json, threshold):
    document = PsdDocument.from_dict(psd_json)
    tpl = TemplateDocument.from_dict(template_json)
    result = match_layers(document, tpl, threshold=threshold)
    placeholders = [(c.name, l.index) for c in tpl.compositions for l in c.layers if l.placeholder]
    assert [(m.composition, m.layer_index) for m in result.matches] == placeholders
    kinds = {l.id: l.kind for l in document.layers}
    parents = {l.id: l.parent_id for l in document.layers}
    used_anywhere = set()
    for comp_ in tpl.compositions:
        ids = [m.psd_layer_id for m in result.matches if m.composition == comp_.name and m.psd_layer_id is not None]
        assert len(ids) == len(set(ids)), "a PSD layer fills two placeholders of one composition"
        used_anywhere |= set(ids)
    for m in result.matches:
        assert 0.0 <= m.confidence <= 1.0
        assert m.reason
        if m.psd_layer_id is None:
            assert m.confidence == 0.0 and m.psd_layer is None
        elif m.placeholder_type == "text":
            assert kinds[m.psd_layer_id] == "type"
        else:
            assert kinds[m.psd_layer_id] in FOOTAGE_KINDS
    assert not set(result.unmatched_psd_layers) & used_anywhere
    assert set(result.unmatched_psd_layers) <= set(kinds)
    for comp_ in tpl.compositions:
        ids = {m.psd_layer_id for m in result.matches if m.composition == comp_.name} - {None}
        for layer_id in ids:  # no group together with a layer inside it (only groups nest)
            parent, seen = parents.get(layer_id), {layer_id}
            while parent is not None and parent not in seen and kinds.get(parent) in ("group", "artboard"):
                seen.add(parent)
                assert parent not in ids, "a group and a layer inside it fill one composition"
                parent = parents.get(parent)
    assert match_layers(document, tpl, threshold=threshold) == result  # deterministic
