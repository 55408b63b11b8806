"""Write the labelled layer-matching cases in ``bench/matching_cases/``.

Each case is a realistic motion-graphics job: a PSD description and a template description
(as ``manage.py inspect_psd/inspect_template --json`` would give them, or the minimal form
``match_layers`` accepts) and the right answer for every placeholder. The answer is known by
construction: every template placeholder stands for a *role* of a themed job (the home team's
logo, the listing's price, the second speaker's photo...), and the PSD layer built for that
role is the right match; a role the PSD lacks is a placeholder with no counterpart (null).

What varies between cases, by category:

- ``exact``: the designer named the PSD layers like the placeholders;
- ``reformatted``: the same names in another case/separator style (camelCase, snake, spaces);
- ``synonyms``: other words for the same thing (Title for headline, Hero Photo for image...);
- ``content``: type layers named by their text (Photoshop's default), images by defaults
  ("Layer 4", "IMG_2231");
- ``numbered``: several numbered placeholders of one role filled in reading order;
- ``layout``: the PSD has another aspect ratio and layout than the composition;
- ``distractors``: hidden duplicates, backgrounds, adjustment layers, extra text and images;
- ``missing``: the PSD lacks some roles: those placeholders must stay empty.

Every case mixes the styles a little, as real files do (and about a third of the others leave
one placeholder without a counterpart too). Besides the generated cases the directory holds
the real split-screen job (``numbered_00_split_screen_real``: the template from
``shared/fixtures/aepx/split-screen.expected.json`` and the real PSD's layers) and a dozen
hand-written cases outside the themes (``*_h<N>_*``: a save-the-date, a podcast card, a stat
card with abbreviations, a US-style away-at-home matchup, generic "Text 1" placeholders...).

Run from the repository root: ``.venv/bin/python bench/make_matching_cases.py``
(deterministic; rewrites the directory). ``--seed N --out DIR`` writes another set of the same
kind, for checking the matcher on cases it was not tuned on.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

OUT = Path(__file__).resolve().parent / "matching_cases"

Box = tuple[float, float, float, float]


# --------------------------------------------------------------------------------------------
# Themes


@dataclass
class Role:
    """One thing a job shows: a text or a picture, with how people name it."""

    key: str
    kind: str  # text or footage
    names: list[str]  # equivalent names, words separated by spaces; "{n}" for numbered roles
    wide: Box | list[Box]  # unit box(es) in a landscape layout (one per number if numbered)
    tall: Box | list[Box]  # unit box(es) in a portrait layout
    contents: list[str] = field(default_factory=list)  # possible texts (text roles)
    sample: str | None = None  # the template's sample text
    psd_kinds: tuple[str, ...] = ("type",)
    source: tuple[str, int, int] | None = None  # template footage: file, width, height
    count: int = 1  # numbered roles: how many
    align: str = "l"  # text alignment in its box: l or c
    background: bool = False

    @property
    def numbered(self) -> bool:
        return self.count > 1


@dataclass
class Extra:
    """A layer the PSD has that is no role (a label, a decoration)."""

    name: str
    kind: str
    wide: Box
    tall: Box
    text: str | None = None


@dataclass
class Theme:
    key: str
    comp: str
    size: tuple[int, int]
    roles: list[Role]
    extras: list[Extra] = field(default_factory=list)


def T(key, names, wide, tall, contents, sample=None, **kw) -> Role:
    return Role(key, "text", names, wide, tall, contents=contents, sample=sample, **kw)


def F(key, names, wide, tall, kinds, source, **kw) -> Role:
    return Role(key, "footage", names, wide, tall, psd_kinds=kinds, source=source, **kw)


PEOPLE = [
    "BEN FORMAN", "ELOISE GRACE", "EMMA LOUISE", "MARCUS REID", "JALEN BROOKS", "SOFIA ALVAREZ",
    "DEVON HART", "PRIYA NAIR", "TOMAS NOVAK", "AALIYAH JAMES", "KOFI MENSAH", "LUCAS BRANDT",
    "Maya Chen", "Owen Gallagher", "Isabella Rossi", "Noah Whitfield", "Hannah Okafor",
    "Dylan Mercer", "Chloe Bishop", "Ethan Caldwell", "Zoe Kimura", "Carlos Mendez",
    "NIAMH CONNOLLY", "ANDRE WASHINGTON", "MEI TANAKA", "SAMUEL OYELARAN", "GRETA LINDQVIST",
]
SURNAME_FIRST = ["REID, MARCUS", "Okafor, Hannah"]
TEAMS = [
    "RIVERSIDE EAGLES", "NORTHGATE TIGERS", "WESTLAKE WOLVES", "HARBOR CITY FC", "LAKEVIEW HAWKS",
    "CENTRAL KNIGHTS", "PINE RIDGE PANTHERS", "EASTON UNITED", "Mill Valley Mustangs",
    "SOUTHPORT SHARKS", "GREENFIELD BULLDOGS", "SUMMIT RAVENS",
]
DATES = [
    "SAT, MARCH 14", "FRIDAY 10.24", "SUN JAN 12", "Saturday, June 7", "THU 11/06", "OCT 3",
    "MAY 22, 2025", "FRI 14 FEB", "Sunday 9 November",
]
TIMES = ["7:30 PM", "KICKOFF 3PM", "19:00", "TIP-OFF 6:30PM", "1:00 PM ET", "DOORS 8PM", "11am"]
VENUES = [
    "RIVERSIDE STADIUM", "MEMORIAL FIELD", "PIER 40 ARENA", "The Blue Room", "HALLORAN PARK",
    "KINGS HALL", "Westside Fieldhouse", "THE GRAND BALLROOM",
]
ADDRESSES = [
    "42 Oakwood Drive, Austin TX", "1180 Harbor View Rd", "7 Elm Street, Portland OR",
    "2215 Sunset Blvd, Los Angeles", "88 Queen's Road", "310 Maple Avenue",
]
PHONES = ["(512) 555-0147", "+44 20 7946 0958", "555.201.3344", "(415) 555 0192"]
URLS = ["www.riverside.edu/tickets", "acmeoutfitters.com", "bellacucina.co", "www.harborfest.org",
        "shop.northpeak.com", "careers.lumen.io", "tickets.midnightecho.com"]


LOGO_SRC = ("logo_placeholder.png", 600, 600)

THEMES: dict[str, Theme] = {}


def theme(t: Theme) -> None:
    THEMES[t.key] = t


theme(Theme("gameday", "Gameday", (1920, 1080), [
    T("title", ["headline", "title", "main title", "header"],
      (0.05, 0.06, 0.45, 0.16), (0.08, 0.03, 0.92, 0.10),
      ["GAME DAY", "GAMEDAY", "MATCH DAY"], "GAME DAY"),
    T("home_team", ["home team", "home team name", "home club"],
      (0.06, 0.62, 0.30, 0.68), (0.06, 0.81, 0.44, 0.84), TEAMS[:6], "HOME TEAM"),
    T("away_team", ["away team", "opponent", "visitor team", "opponent name"],
      (0.40, 0.62, 0.64, 0.68), (0.56, 0.81, 0.94, 0.84), TEAMS[6:], "AWAY TEAM"),
    T("date", ["date", "game date", "match date"],
      (0.06, 0.76, 0.28, 0.81), (0.10, 0.88, 0.50, 0.91), DATES, "DATE"),
    T("time", ["time", "kickoff time", "game time", "start time"],
      (0.32, 0.76, 0.46, 0.81), (0.54, 0.88, 0.80, 0.91), TIMES[:5], "00:00 PM"),
    T("venue", ["venue", "location", "stadium"],
      (0.06, 0.85, 0.46, 0.90), (0.10, 0.93, 0.90, 0.96), VENUES, "VENUE NAME"),
    F("home_logo", ["home logo", "team logo", "home crest"],
      (0.06, 0.28, 0.22, 0.56), (0.10, 0.58, 0.38, 0.80), ("shape", "smartobject", "group"),
      ("home_logo.png", 600, 600)),
    F("away_logo", ["away logo", "opponent logo", "away crest"],
      (0.40, 0.28, 0.56, 0.56), (0.62, 0.58, 0.90, 0.80), ("shape", "smartobject", "group"),
      ("away_logo.png", 600, 600)),
    F("photo", ["featured image", "player photo", "hero image", "player cutout"],
      (0.62, 0.05, 0.98, 1.0), (0.28, 0.11, 0.72, 0.57), ("pixel", "smartobject"),
      ("cutout.png", 652, 1480)),
    F("bg", ["background", "bg", "backdrop"], (0, 0, 1, 1), (0, 0, 1, 1), ("pixel", "smartobject"),
      ("stadium_bg.jpg", 1920, 1080), background=True),
], [
    Extra("VS", "type", (0.32, 0.60, 0.38, 0.70), (0.46, 0.66, 0.54, 0.72), "VS"),
    Extra("#GoEagles", "type", (0.70, 0.92, 0.95, 0.96), (0.60, 0.97, 0.95, 0.99), "#GOEAGLES"),
    Extra("sponsor strip", "pixel", (0.0, 0.94, 0.55, 1.0), (0.0, 0.97, 1.0, 1.0)),
]))

theme(Theme("split_screen", "Split Screen", (1920, 1080), [
    T("player_name", ["player {n} full name", "player {n} name", "player{n}fullname"],
      [(0.05, 0.20 + 0.12 * k, 0.30, 0.25 + 0.12 * k) for k in range(3)],
      [(0.06, 0.18 + 0.08 * k, 0.28, 0.205 + 0.08 * k) for k in range(3)],
      PEOPLE, "PLAYER NAME", count=3),
    F("photo", ["featured image {n}", "featured image", "player photo", "cutout"],
      (0.50, 0.02, 0.92, 1.0), (0.43, 0.01, 0.97, 1.0), ("smartobject", "pixel"),
      ("cutout.png", 652, 1480)),
    F("bg", ["background", "bg", "green yellow bg"], (0, 0, 1, 1), (0, 0, 1, 1),
      ("smartobject", "pixel"), ("green_yellow_bg.png", 1920, 1080), background=True),
], [
    Extra("ROSTER", "type", (0.05, 0.05, 0.30, 0.12), (0.06, 0.05, 0.40, 0.11), "2025 ROSTER"),
]))

theme(Theme("lineup", "Starting Lineup", (1920, 1080), [
    T("title", ["title", "headline", "header"], (0.05, 0.05, 0.55, 0.14),
      (0.06, 0.03, 0.94, 0.09), ["STARTING FIVE", "STARTING LINEUP", "TONIGHT'S STARTERS"],
      "STARTING FIVE"),
    T("player_name", ["player {n} name", "player {n}", "starter {n} name"],
      [(0.14, 0.22 + 0.14 * k, 0.48, 0.28 + 0.14 * k) for k in range(5)],
      [(0.22, 0.14 + 0.09 * k, 0.80, 0.18 + 0.09 * k) for k in range(5)],
      PEOPLE, "PLAYER NAME", count=5),
    T("player_number", ["player {n} number", "number {n}", "jersey {n}"],
      [(0.05, 0.21 + 0.14 * k, 0.11, 0.29 + 0.14 * k) for k in range(5)],
      [(0.06, 0.135 + 0.09 * k, 0.18, 0.185 + 0.09 * k) for k in range(5)],
      ["#3", "#11", "#23", "#7", "#30", "#0", "#14", "#5", "#21", "#8"], "#00", count=5),
    F("team_logo", ["team logo", "logo", "club crest"], (0.80, 0.05, 0.95, 0.32),
      (0.38, 0.62, 0.62, 0.80), ("shape", "smartobject", "group"), LOGO_SRC),
    F("photo", ["team photo", "hero image", "featured image"], (0.52, 0.20, 0.98, 0.98),
      (0.10, 0.81, 0.90, 0.99), ("pixel", "smartobject"), ("team.jpg", 1600, 900)),
], [
    Extra("POS labels", "type", (0.50, 0.22, 0.55, 0.27), (0.84, 0.14, 0.94, 0.18), "G"),
]))

theme(Theme("product_promo", "Product Promo", (1920, 1080), [
    T("headline", ["headline", "title", "heading"], (0.05, 0.08, 0.50, 0.20),
      (0.06, 0.04, 0.94, 0.12), ["NEW ARRIVALS", "Summer Collection", "THE TRAIL SERIES"],
      "HEADLINE"),
    T("subhead", ["subhead", "subtitle", "tagline"], (0.05, 0.22, 0.50, 0.27),
      (0.06, 0.13, 0.94, 0.17), ["Built for every adventure", "Lightweight. Waterproof. Ready.",
                                 "Designed in Portland"], "Subheadline goes here"),
    T("price", ["price", "sale price", "now price"], (0.05, 0.52, 0.22, 0.62),
      (0.06, 0.66, 0.40, 0.74), ["$49.99", "$129", "€79,00", "£35"], "$00.00"),
    T("old_price", ["was price", "old price", "original price", "regular price"],
      (0.24, 0.54, 0.36, 0.60), (0.42, 0.67, 0.62, 0.72), ["$79.99", "$180", "€110,00", "£50"],
      "$00.00"),
    T("discount", ["discount", "discount badge", "percent off", "savings"],
      (0.38, 0.40, 0.50, 0.50), (0.70, 0.18, 0.94, 0.26), ["30% OFF", "SAVE 25%", "-40%"],
      "00% OFF"),
    T("cta", ["cta", "button text", "call to action"], (0.05, 0.70, 0.22, 0.76),
      (0.25, 0.80, 0.75, 0.85), ["SHOP NOW", "Buy today", "GET YOURS"], "SHOP NOW", align="c"),
    F("product", ["product image", "product shot", "product photo", "packshot"],
      (0.52, 0.08, 0.95, 0.92), (0.12, 0.20, 0.88, 0.64), ("smartobject", "pixel"),
      ("product.png", 1200, 1200)),
    F("logo", ["logo", "brand logo", "brand mark"], (0.82, 0.88, 0.97, 0.97),
      (0.38, 0.90, 0.62, 0.97), ("shape", "smartobject", "group"), ("logo.ai", 800, 300)),
    F("bg", ["background", "bg"], (0, 0, 1, 1), (0, 0, 1, 1), ("pixel",),
      ("bg.jpg", 1920, 1080), background=True),
], [
    Extra("button", "shape", (0.04, 0.69, 0.23, 0.77), (0.24, 0.79, 0.76, 0.86)),
    Extra("Terms", "type", (0.05, 0.92, 0.45, 0.95), (0.06, 0.97, 0.94, 0.99),
          "Offer valid while stocks last. Terms and conditions apply."),
]))

theme(Theme("event_poster", "Event Poster", (1920, 1080), [
    T("event", ["event title", "event name", "title", "headline"], (0.05, 0.06, 0.60, 0.20),
      (0.06, 0.04, 0.94, 0.14), ["SUMMER JAZZ NIGHT", "HARBOR FEST 2025", "NEON NIGHTS"],
      "EVENT TITLE"),
    T("date", ["date", "event date"], (0.05, 0.24, 0.30, 0.30), (0.06, 0.16, 0.50, 0.20),
      DATES, "MONTH 00"),
    T("time", ["time", "doors", "start time"], (0.32, 0.24, 0.45, 0.30), (0.52, 0.16, 0.80, 0.20),
      ["DOORS 8PM", "9:00 PM", "8 PM", "20:00"], "0 PM"),
    T("venue", ["venue", "location"], (0.05, 0.32, 0.45, 0.37), (0.06, 0.21, 0.94, 0.25),
      VENUES, "VENUE"),
    T("tickets", ["ticket price", "tickets", "admission"], (0.05, 0.86, 0.30, 0.92),
      (0.06, 0.90, 0.50, 0.95), ["TICKETS $25", "$15 ADV / $20 DOOR", "FREE ENTRY"], "$00"),
    T("artist", ["artist {n}", "artist {n} name", "performer {n}"],
      [(0.05, 0.46 + 0.09 * k, 0.45, 0.52 + 0.09 * k) for k in range(3)],
      [(0.06, 0.62 + 0.07 * k, 0.60, 0.66 + 0.07 * k) for k in range(3)],
      PEOPLE, "ARTIST NAME", count=3),
    F("hero", ["hero image", "key art", "main photo", "featured photo"],
      (0.50, 0.0, 1.0, 1.0), (0.0, 0.26, 1.0, 0.60), ("pixel", "smartobject"),
      ("hero.jpg", 1080, 1080)),
    F("sponsor", ["sponsor logo", "partner logo", "presented by logo"], (0.80, 0.88, 0.97, 0.97),
      (0.70, 0.90, 0.94, 0.97), ("smartobject", "shape"), ("sponsor.png", 500, 200)),
    T("url", ["url", "website", "ticket link"], (0.55, 0.92, 0.78, 0.96), (0.52, 0.97, 0.94, 0.99),
      URLS, "www.website.com"),
], [
    Extra("FEATURING", "type", (0.05, 0.41, 0.20, 0.44), (0.06, 0.58, 0.40, 0.61), "FEATURING"),
    Extra("PRESENTED BY", "type", (0.80, 0.84, 0.97, 0.87), (0.70, 0.87, 0.94, 0.89), "PRESENTED BY"),
]))

theme(Theme("real_estate", "Listing", (1920, 1080), [
    T("headline", ["headline", "title", "status"], (0.04, 0.05, 0.40, 0.14),
      (0.06, 0.03, 0.94, 0.09), ["JUST LISTED", "OPEN HOUSE", "NEW PRICE"], "JUST LISTED"),
    T("price", ["price", "listing price", "asking price"], (0.04, 0.16, 0.34, 0.24),
      (0.06, 0.10, 0.60, 0.15), ["$1,250,000", "$849,900", "$2.4M", "£675,000"], "$000,000"),
    T("address", ["address", "property address", "street address"], (0.04, 0.26, 0.40, 0.31),
      (0.06, 0.16, 0.94, 0.19), ADDRESSES, "123 STREET NAME"),
    T("beds", ["beds", "bedrooms", "bed count"], (0.04, 0.34, 0.14, 0.38),
      (0.06, 0.62, 0.30, 0.65), ["4 BEDS", "3 Bedrooms", "5 BD"], "0 BEDS"),
    T("baths", ["baths", "bathrooms", "bath count"], (0.16, 0.34, 0.26, 0.38),
      (0.36, 0.62, 0.62, 0.65), ["3 BATHS", "2.5 Bathrooms", "4 BA"], "0 BATHS"),
    T("sqft", ["sqft", "square feet", "area"], (0.28, 0.34, 0.40, 0.38),
      (0.68, 0.62, 0.94, 0.65), ["2,850 SQ FT", "1,920 sqft", "3,400 SQ. FT."], "0,000 SQ FT"),
    T("agent_name", ["agent name", "realtor name", "agent"], (0.14, 0.80, 0.40, 0.85),
      (0.30, 0.86, 0.90, 0.90), PEOPLE, "AGENT NAME"),
    T("agent_phone", ["agent phone", "phone", "phone number", "contact number"],
      (0.14, 0.86, 0.40, 0.90), (0.30, 0.91, 0.90, 0.94), PHONES, "(000) 000-0000"),
    F("agent_photo", ["agent photo", "agent headshot", "realtor photo"], (0.04, 0.78, 0.12, 0.93),
      (0.06, 0.85, 0.25, 0.98), ("pixel", "smartobject"), ("headshot.jpg", 400, 500)),
    F("photo", ["photo {n}", "property photo {n}", "image {n}"],
      [(0.44, 0.05, 0.97, 0.62), (0.44, 0.64, 0.70, 0.95), (0.72, 0.64, 0.97, 0.95)],
      [(0.0, 0.20, 1.0, 0.45), (0.0, 0.46, 0.49, 0.60), (0.51, 0.46, 1.0, 0.60)],
      ("pixel", "smartobject"), ("house.jpg", 1600, 1000), count=3),
    F("logo", ["brokerage logo", "logo", "company logo"], (0.04, 0.94, 0.20, 0.99),
      (0.70, 0.03, 0.94, 0.08), ("smartobject", "shape"), ("brokerage.png", 600, 200)),
], [
    Extra("divider", "shape", (0.04, 0.32, 0.40, 0.325), (0.06, 0.60, 0.94, 0.605)),
]))

theme(Theme("quote_card", "Quote Card", (1080, 1080), [
    T("quote", ["quote", "quote text", "testimonial", "body"], (0.10, 0.18, 0.90, 0.62),
      (0.08, 0.20, 0.92, 0.60),
      ["\u201cWe don't rise to the level of our expectations; we fall to the level of our training.\u201d",
       "\u201cEvery game is a chance to prove who we are as a team and as a community.\u201d",
       "Great design is invisible until it is missing, and then it is all anyone can see."],
      "\u201cQuote goes here.\u201d"),
    T("author", ["author", "author name", "attribution", "name"], (0.10, 0.68, 0.60, 0.74),
      (0.08, 0.66, 0.70, 0.71), PEOPLE, "AUTHOR NAME"),
    T("author_title", ["author title", "author role", "job title", "position"],
      (0.10, 0.75, 0.60, 0.79), (0.08, 0.72, 0.70, 0.75),
      ["Head Coach", "Chief Executive Officer", "Founder & Creative Director", "Team Captain"],
      "Title, Company"),
    F("portrait", ["portrait", "author photo", "headshot", "author image"],
      (0.66, 0.64, 0.90, 0.90), (0.72, 0.64, 0.92, 0.80), ("pixel", "smartobject"),
      ("portrait.png", 500, 500)),
    F("logo", ["logo", "brand"], (0.40, 0.04, 0.60, 0.12), (0.40, 0.03, 0.60, 0.10),
      ("shape", "smartobject"), LOGO_SRC),
    F("bg", ["background", "bg", "texture"], (0, 0, 1, 1), (0, 0, 1, 1), ("pixel",),
      ("paper.jpg", 1080, 1080), background=True),
], [
    Extra("quote mark", "shape", (0.08, 0.08, 0.18, 0.16), (0.06, 0.10, 0.16, 0.18)),
]))

theme(Theme("final_score", "Final Score", (1920, 1080), [
    T("title", ["title", "headline", "status"], (0.35, 0.05, 0.65, 0.14),
      (0.20, 0.03, 0.80, 0.09), ["FINAL", "FULL TIME", "FINAL SCORE"], "FINAL", align="c"),
    T("home_team", ["home team", "home name", "team home"], (0.05, 0.62, 0.38, 0.69),
      (0.04, 0.40, 0.46, 0.44), TEAMS[:6], "HOME", align="c"),
    T("away_team", ["away team", "away name", "opponent"], (0.62, 0.62, 0.95, 0.69),
      (0.54, 0.40, 0.96, 0.44), TEAMS[6:], "AWAY", align="c"),
    T("home_score", ["home score", "score home", "home points"], (0.38, 0.30, 0.48, 0.55),
      (0.15, 0.46, 0.35, 0.58), ["3", "102", "27", "2", "14"], "0", align="c"),
    T("away_score", ["away score", "score away", "opponent score"], (0.52, 0.30, 0.62, 0.55),
      (0.65, 0.46, 0.85, 0.58), ["1", "98", "24", "0", "10"], "0", align="c"),
    F("home_logo", ["home logo", "logo home"], (0.10, 0.25, 0.30, 0.60),
      (0.10, 0.13, 0.40, 0.37), ("shape", "smartobject", "group"), LOGO_SRC),
    F("away_logo", ["away logo", "logo away", "opponent logo"], (0.70, 0.25, 0.90, 0.60),
      (0.60, 0.13, 0.90, 0.37), ("shape", "smartobject", "group"), LOGO_SRC),
    T("mvp", ["player of the game", "mvp name", "star player"], (0.30, 0.82, 0.70, 0.88),
      (0.15, 0.88, 0.85, 0.92), PEOPLE, "PLAYER NAME", align="c"),
    F("photo", ["mvp photo", "player photo", "featured image"], (0.40, 0.55, 0.60, 0.82),
      (0.30, 0.60, 0.70, 0.87), ("pixel", "smartobject"), ("cutout.png", 652, 1000)),
], [
    Extra("PLAYER OF THE GAME", "type", (0.36, 0.78, 0.64, 0.81), (0.25, 0.855, 0.75, 0.875),
          "PLAYER OF THE GAME"),
    Extra("dash", "type", (0.485, 0.38, 0.515, 0.45), (0.46, 0.48, 0.54, 0.54), "-"),
]))

theme(Theme("speakers", "Speaker Lineup", (1920, 1080), [
    T("event", ["event title", "title", "conference name"], (0.05, 0.05, 0.70, 0.14),
      (0.06, 0.03, 0.94, 0.09), ["DESIGN FORWARD SUMMIT", "THE FUTURE OF WORK", "CREATOR DAYS"],
      "EVENT TITLE"),
    T("date", ["date", "event date"], (0.75, 0.06, 0.95, 0.12), (0.06, 0.10, 0.50, 0.13),
      DATES, "DATE"),
    T("speaker_name", ["speaker {n} name", "speaker {n}", "name {n}"],
      [(0.05 + 0.32 * k, 0.68, 0.33 + 0.32 * k, 0.74) for k in range(3)],
      [(0.40, 0.20 + 0.26 * k, 0.94, 0.24 + 0.26 * k) for k in range(3)],
      PEOPLE, "SPEAKER NAME", count=3),
    T("speaker_title", ["speaker {n} title", "speaker {n} role", "title {n}"],
      [(0.05 + 0.32 * k, 0.75, 0.33 + 0.32 * k, 0.79) for k in range(3)],
      [(0.40, 0.25 + 0.26 * k, 0.94, 0.28 + 0.26 * k) for k in range(3)],
      ["CEO, Lumen Labs", "Head of Design, Arcadia", "Founder, Northwind Studio",
       "VP Product, Fieldnote", "Creative Director, Oddly", "Senior Researcher, Helix"],
      "Role, Company", count=3),
    F("speaker_photo", ["speaker {n} photo", "headshot {n}", "photo {n}"],
      [(0.08 + 0.32 * k, 0.20, 0.30 + 0.32 * k, 0.64) for k in range(3)],
      [(0.06, 0.16 + 0.26 * k, 0.36, 0.38 + 0.26 * k) for k in range(3)],
      ("pixel", "smartobject"), ("speaker.jpg", 800, 1000), count=3),
    F("logo", ["logo", "event logo"], (0.05, 0.90, 0.20, 0.97), (0.40, 0.94, 0.60, 0.99),
      ("shape", "smartobject"), LOGO_SRC),
], [
    Extra("REGISTER", "type", (0.75, 0.90, 0.95, 0.95), (0.62, 0.95, 0.94, 0.98), "REGISTER NOW"),
]))

theme(Theme("menu_special", "Menu Special", (1920, 1080), [
    T("dish", ["dish name", "item name", "special name", "title"], (0.05, 0.20, 0.50, 0.30),
      (0.06, 0.56, 0.94, 0.63), ["TRUFFLE MUSHROOM RISOTTO", "Smoked Brisket Platter",
                                 "SPICY TUNA POKE BOWL"], "DISH NAME"),
    T("description", ["description", "dish description", "details", "body copy"],
      (0.05, 0.32, 0.45, 0.48), (0.06, 0.64, 0.94, 0.74),
      ["Arborio rice, wild mushrooms, parmesan and a drizzle of white truffle oil.",
       "Twelve-hour oak-smoked brisket with pickles, slaw and house barbecue sauce.",
       "Fresh ahi tuna, sushi rice, avocado, edamame, mango and sriracha mayo."],
      "Description of the dish goes here."),
    T("price", ["price", "dish price"], (0.05, 0.52, 0.20, 0.60), (0.06, 0.76, 0.40, 0.82),
      ["$24", "$18.50", "€16", "$32"], "$00"),
    T("cta", ["cta", "button label", "order button"], (0.05, 0.66, 0.22, 0.72),
      (0.25, 0.85, 0.75, 0.89), ["ORDER NOW", "Book a table", "RESERVE TODAY"], "ORDER NOW",
      align="c"),
    T("url", ["website", "url", "web address"], (0.05, 0.90, 0.30, 0.94), (0.25, 0.94, 0.75, 0.97),
      URLS, "www.restaurant.com", align="c"),
    F("photo", ["dish photo", "food image", "hero photo"], (0.52, 0.0, 1.0, 1.0),
      (0.0, 0.0, 1.0, 0.54), ("pixel", "smartobject"), ("dish.jpg", 1200, 1400)),
    F("logo", ["logo", "restaurant logo"], (0.05, 0.04, 0.20, 0.14), (0.38, 0.47, 0.62, 0.54),
      ("shape", "smartobject"), LOGO_SRC),
], [
    Extra("TODAY'S SPECIAL", "type", (0.05, 0.16, 0.25, 0.19), (0.06, 0.55, 0.40, 0.56),
          "TODAY'S SPECIAL"),
]))

theme(Theme("sale_banner", "Sale Banner", (1920, 1080), [
    T("headline", ["headline", "title", "sale title"], (0.05, 0.10, 0.55, 0.26),
      (0.06, 0.06, 0.94, 0.16), ["BLACK FRIDAY", "SUMMER SALE", "CYBER MONDAY"], "HEADLINE"),
    T("discount", ["discount", "offer", "percent off"], (0.05, 0.30, 0.50, 0.42),
      (0.06, 0.18, 0.94, 0.26), ["UP TO 70% OFF", "40% OFF EVERYTHING", "SAVE 50%"], "00% OFF"),
    T("code", ["promo code", "code", "coupon"], (0.05, 0.46, 0.35, 0.52), (0.06, 0.28, 0.70, 0.32),
      ["USE CODE SAVE20", "CODE: BF2025", "Code FRIDAY40"], "CODE: XXXX"),
    T("end_date", ["end date", "expiry date", "ends"], (0.05, 0.54, 0.35, 0.59),
      (0.06, 0.33, 0.70, 0.36), ["ENDS NOV 30", "Until Monday 12/02", "ENDS SUNDAY"], "ENDS DATE"),
    T("cta", ["cta", "button", "shop button text"], (0.05, 0.66, 0.22, 0.72),
      (0.25, 0.86, 0.75, 0.90), ["SHOP NOW", "SHOP THE SALE", "GET THE DEAL"], "SHOP NOW",
      align="c"),
    F("product", ["product image", "product", "hero product"], (0.55, 0.10, 0.95, 0.90),
      (0.15, 0.40, 0.85, 0.84), ("smartobject", "pixel"), ("product.png", 1000, 1000)),
    F("logo", ["logo", "brand logo"], (0.05, 0.88, 0.18, 0.96), (0.40, 0.93, 0.60, 0.98),
      ("shape", "smartobject", "group"), ("logo.ai", 800, 300)),
    T("url", ["url", "website"], (0.22, 0.90, 0.45, 0.94), (0.25, 0.91, 0.75, 0.93), URLS,
      "www.store.com"),
], [
    Extra("starburst", "shape", (0.42, 0.28, 0.54, 0.48), (0.76, 0.14, 0.96, 0.28)),
]))


theme(Theme("tour_dates", "Tour Dates", (1080, 1350), [
    T("title", ["tour title", "title", "headline"], (0.05, 0.05, 0.55, 0.14),
      (0.06, 0.03, 0.94, 0.10), ["WORLD TOUR 2025", "THE LONG ROAD TOUR", "LIVE IN EUROPE"],
      "TOUR NAME"),
    T("date", ["date {n}", "show {n} date", "date{n}"],
      [(0.05, 0.22 + 0.10 * k, 0.22, 0.27 + 0.10 * k) for k in range(4)],
      [(0.06, 0.40 + 0.08 * k, 0.34, 0.44 + 0.08 * k) for k in range(4)],
      ["MAR 14", "MAR 16", "MAR 19", "MAR 21", "APR 02", "APR 05", "APR 09", "APR 11"],
      "MON 00", count=4),
    T("city", ["city {n}", "show {n} city", "venue {n}"],
      [(0.24, 0.22 + 0.10 * k, 0.50, 0.27 + 0.10 * k) for k in range(4)],
      [(0.38, 0.40 + 0.08 * k, 0.94, 0.44 + 0.08 * k) for k in range(4)],
      ["LONDON, UK", "PARIS, FR", "BERLIN, DE", "AMSTERDAM, NL", "AUSTIN, TX", "DENVER, CO",
       "CHICAGO, IL", "TORONTO, ON"], "CITY, ST", count=4),
    F("photo", ["band photo", "artist photo", "hero image"], (0.55, 0.0, 1.0, 1.0),
      (0.0, 0.10, 1.0, 0.38), ("pixel", "smartobject"), ("band.jpg", 1600, 1000)),
    T("url", ["ticket url", "tickets link", "website"], (0.05, 0.90, 0.45, 0.95),
      (0.06, 0.94, 0.94, 0.97), URLS, "www.tickets.com"),
], [
    Extra("TICKETS ON SALE FRIDAY", "type", (0.05, 0.84, 0.45, 0.88), (0.06, 0.90, 0.94, 0.93),
          "TICKETS ON SALE FRIDAY"),
]))

theme(Theme("lower_third", "Lower Third", (1920, 1080), [
    T("name", ["name", "guest name", "speaker name"], (0.08, 0.78, 0.40, 0.84),
      (0.06, 0.80, 0.70, 0.84), PEOPLE, "FIRST LAST"),
    T("role", ["title", "role", "guest title"], (0.08, 0.85, 0.40, 0.89), (0.06, 0.85, 0.70, 0.88),
      ["Chief Meteorologist", "Senior Economist, Bank of Harbor", "Head Coach", "Mayor of Easton"],
      "Title"),
    T("location", ["location", "city", "place"], (0.80, 0.06, 0.95, 0.10), (0.60, 0.05, 0.94, 0.08),
      ["LIVE: DENVER, CO", "EASTON, PA", "LONDON, UK"], "LOCATION"),
    F("logo", ["logo", "channel logo", "bug"], (0.88, 0.86, 0.96, 0.94), (0.78, 0.90, 0.94, 0.96),
      ("shape", "smartobject"), ("bug.png", 300, 300)),
], [
    Extra("bar", "shape", (0.06, 0.77, 0.45, 0.90), (0.04, 0.79, 0.75, 0.89)),
]))

theme(Theme("hiring", "Hiring Post", (1080, 1080), [
    T("headline", ["headline", "title"], (0.06, 0.06, 0.94, 0.18), (0.06, 0.05, 0.94, 0.14),
      ["WE'RE HIRING", "JOIN OUR TEAM", "NOW HIRING"], "HEADLINE"),
    T("job", ["job title", "position", "role"], (0.06, 0.20, 0.94, 0.27), (0.06, 0.16, 0.94, 0.21),
      ["Senior Motion Designer", "PRODUCT MANAGER", "Lead Video Editor"], "Job Title"),
    T("location", ["location", "job location"], (0.06, 0.28, 0.60, 0.32), (0.06, 0.22, 0.60, 0.25),
      ["Remote / London", "AUSTIN, TX", "Hybrid - Berlin Studio"], "Location"),
    T("url", ["apply url", "url", "apply link", "website"], (0.06, 0.88, 0.60, 0.92),
      (0.06, 0.92, 0.70, 0.95), URLS, "apply.company.com"),
    F("photo", ["team photo", "photo", "office image"], (0.06, 0.36, 0.94, 0.84),
      (0.0, 0.28, 1.0, 0.86), ("pixel", "smartobject"), ("office.jpg", 1600, 1000)),
    F("logo", ["logo", "company logo"], (0.74, 0.88, 0.94, 0.95), (0.74, 0.90, 0.94, 0.97),
      ("shape", "smartobject"), LOGO_SRC),
], [
    Extra("APPLY", "type", (0.06, 0.84, 0.40, 0.87), (0.06, 0.88, 0.40, 0.91), "APPLY AT"),
]))


# --------------------------------------------------------------------------------------------
# Names


def fmt(words: list[str], style: str) -> str:
    """Write a name's words in a naming style."""
    if style == "glued":
        return "".join(words).lower()
    if style == "snake":
        return "_".join(words).lower()
    if style == "upper_snake":
        return "_".join(words).upper()
    if style == "camel":
        return words[0].lower() + "".join(w.capitalize() for w in words[1:])
    if style == "pascal":
        return "".join(w.capitalize() for w in words)
    if style == "title":
        return " ".join(w.capitalize() for w in words)
    if style == "upper":
        return " ".join(words).upper()
    if style == "kebab":
        return "-".join(words).lower()
    if style == "lower":
        return " ".join(words).lower()
    raise ValueError(style)


AE_STYLES = ["glued", "snake", "camel", "pascal", "title", "upper_snake"]
PSD_STYLES = ["title", "title", "upper", "lower", "snake", "camel", "kebab", "pascal"]


def words_of(name: str, n: int | None) -> list[str]:
    text = name.replace("{n}", f" {n} " if n is not None else " ")
    return text.split()


def ae_name(rng, role: Role, n, style, name_index) -> tuple[str, str]:
    """A placeholder's name in the template's style, and the same without a marker prefix
    (``txt_``, ``[REPLACE]``), which is what a designer copying it into Photoshop writes."""
    words = words_of(role.names[name_index], n)
    bare = fmt(words, style)
    name = bare
    if rng.random() < 0.15:
        name = rng.choice(["txt_" if role.kind == "text" else "img_", "[REPLACE] ", "REP_"]) + bare
    return name, bare


def concept_words(name: str) -> set[str]:
    return set(name.replace("{n}", " ").split())


def psd_name(rng, role: Role, style: str, n, ae_index: int, content: str | None, kind: str) -> str:
    """The name a designer gave the PSD layer of ``role`` in a naming style: ``content`` (its
    text, or a default name for images), ``generic``, ``synonym`` or ``reformat``."""
    if style == "content" and role.kind == "text":
        return content
    if style == "generic" or (style == "content" and role.kind == "footage"):
        return generic_name(rng, kind, role)
    if style == "synonym":
        others = [i for i, nm in enumerate(role.names)
                  if concept_words(nm) != concept_words(role.names[ae_index])]
        if others:
            index = rng.choice(others)
            return fmt(words_of(role.names[index], n), rng.choice(PSD_STYLES))
        # a role with one way of naming it: reformat that one
    words = words_of(role.names[ae_index], n)
    name = fmt(words, rng.choice(PSD_STYLES))
    return name + (" copy" if rng.random() < 0.15 else "")


def generic_name(rng, kind: str, role: Role) -> str:
    """Photoshop's and cameras' default names: they say nothing about the role. Photos come
    from cameras (IMG_2231), logos are pasted from Illustrator (Vector Smart Object)."""
    n = rng.randint(1, 40)
    photo = role.source is not None and not any("logo" in name or "crest" in name for name in role.names)
    kind_names = {
        "pixel": [f"Layer {n}", f"IMG_{rng.randint(1000, 9999)}", f"DSC0{rng.randint(1000, 9999)}"]
        if photo else [f"Layer {n}", "Untitled-1"],
        "smartobject": [f"Layer {n}", f"IMG_{rng.randint(1000, 9999)}", f"Smart Object {n % 7 + 1}"]
        if photo else [f"Layer {n}", "Vector Smart Object", f"Smart Object {n % 7 + 1}"],
        "shape": [f"Shape {n}", f"Ellipse {n % 9 + 1}", "Vector Smart Object"],
        "group": [f"Group {n % 12 + 1}"],
    }
    return rng.choice(kind_names[kind])


# --------------------------------------------------------------------------------------------
# Geometry


def layout_box(role_box, n) -> Box:
    if isinstance(role_box, list):
        return role_box[(n or 1) - 1]
    return role_box


def to_pixels(box: Box, w: int, h: int, rng=None, jitter=0.0) -> list[int]:
    dx = rng.uniform(-jitter, jitter) if rng else 0.0
    dy = rng.uniform(-jitter, jitter) if rng else 0.0
    left, top, right, bottom = box
    return [round((left + dx) * w), round((top + dy) * h), round((right + dx) * w),
            round((bottom + dy) * h)]


def text_box(box: Box, text: str, w: int, h: int, align: str, rng) -> list[int]:
    """A type layer's box: the role's line height, as wide as its text (capped at the box)."""
    left, top, right, bottom = to_pixels(box, w, h, rng, 0.006)
    height = max(8, bottom - top)
    lines = max(1, round(len(text) * 0.55 * height / max(1, right - left) + 0.49)) if len(text) > 40 else 1
    width = min(right - left, round(len(text) * 0.55 * height / lines))
    if lines > 1:
        height = round(height / lines) * lines
    if align == "c":
        centre = (left + right) // 2
        return [centre - width // 2, top, centre + width // 2, top + height]
    return [left, top, left + width, top + height]


# --------------------------------------------------------------------------------------------
# Cases


CATEGORY_STYLES = {
    "exact": {"exact": 1.0},
    "reformatted": {"reformat": 0.85, "exact": 0.15},
    "synonyms": {"synonym": 0.75, "reformat": 0.25},
    "content": {"content": 0.85, "reformat": 0.15},
    "numbered": {"content": 0.5, "reformat": 0.3, "synonym": 0.2},
    "layout": {"exact": 0.2, "reformat": 0.3, "synonym": 0.2, "content": 0.3},
    "distractors": {"exact": 0.2, "reformat": 0.3, "synonym": 0.2, "content": 0.3},
    "missing": {"exact": 0.2, "reformat": 0.3, "synonym": 0.2, "content": 0.3},
}

PSD_WIDE = [(1920, 1080), (3840, 2160), (1280, 720), (2400, 1350)]
PSD_TALL = [(1080, 1350), (1200, 1500), (1080, 1920), (2160, 2700)]
PSD_SQUARE = [(1080, 1080), (2000, 2000)]


def family(size) -> str:
    w, h = size
    return "wide" if w / h > 1.2 else ("tall" if w / h < 0.9 else "square")


def pick_style(rng, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


class PsdBuilder:
    """Collects PSD layers with unique ids, top of the stack first."""

    def __init__(self, rng, size):
        self.rng = rng
        self.size = size
        self.layers: list[dict] = []
        self.used_ids: set[int] = set()

    def new_id(self) -> int:
        while True:
            i = self.rng.randint(2, 400)
            if i not in self.used_ids:
                self.used_ids.add(i)
                return i

    def add(self, name, kind, bbox, *, text=None, visible=True, path=None, parent_id=None,
            at=None, opacity=1.0) -> dict:
        layer = {"id": self.new_id(), "name": name, "kind": kind, "bbox": bbox,
                 "visible": visible, "text": text, "path": path or name, "opacity": opacity}
        if parent_id is not None:
            layer["parent_id"] = parent_id
        if kind == "type":
            layer["font"] = "Montserrat-Bold"
            layer["font_size"] = float(max(6, (bbox[3] - bbox[1]) * 0.8))
        self.layers.insert(len(self.layers) if at is None else at, layer)
        return layer


def role_numbers(role: Role) -> list[int | None]:
    return list(range(1, role.count + 1)) if role.numbered else [None]


def build_case(seed: int, category: str, theme_key: str, opts: dict) -> dict:
    """Build one case of a category from a theme; ``opts`` tweaks it (see PLAN)."""
    rng = random.Random(seed)
    th = THEMES[theme_key]
    comp_size = opts.get("comp_size", th.size)
    psd_size = opts.get("psd_size") or choose_psd_size(rng, comp_size, category)
    weights = CATEGORY_STYLES[category]
    ae_style = opts.get("ae_style", rng.choice(AE_STYLES))
    roles = [r for r in th.roles if r.key not in opts.get("drop_roles", ())]
    missing = set(opts.get("missing", ()))
    optional = [r.key for r in roles if not r.background]
    if category == "missing" and not missing:
        missing = set(rng.sample(optional, rng.randint(2, 3)))
    elif not missing and rng.random() < 0.3:
        missing = {rng.choice(optional)}  # real jobs leave a placeholder or two unused
    psd = PsdBuilder(rng, psd_size)
    truth: dict[tuple[str, int | None], int | None] = {}
    used_content: set[str] = set()
    role_layers: list[tuple[Role, int | None, dict]] = []
    pw, ph = psd_size
    pfam = "tall" if family(psd_size) == "tall" else "wide"
    ae_index_of = {r.key: rng.randrange(len(r.names)) for r in roles}
    ae_names = {
        (r.key, n): ae_name(rng, r, n, ae_style, ae_index_of[r.key])
        for r in roles for n in role_numbers(r)
    }
    for role in roles:
        ae_index = ae_index_of[role.key]
        numbers = role_numbers(role)
        absent = set(numbers) if role.key in missing else set()
        if role.numbered and role.key in opts.get("fewer", {}):
            absent = set(numbers[opts["fewer"][role.key]:])
        style = opts.get("styles", {}).get(role.key) or pick_style(rng, weights)
        if category == "numbered" and role.numbered and "styles" not in opts:
            style = rng.choice(["content", "content", "explicit", "copies"])
        kind = rng.choice(role.psd_kinds)
        for n in numbers:
            if n in absent:
                truth[(role.key, n)] = None
                continue
            content = None
            if role.kind == "text":
                content = rng.choice([c for c in role.contents if c not in used_content] or role.contents)
                used_content.add(content)
            box = layout_box(getattr(role, pfam), n)
            name = role_psd_name(rng, role, style, n, ae_index, content, ae_names, kind)
            if role.kind == "text":
                bbox = text_box(box, content, pw, ph, role.align, rng)
            else:
                bbox = to_pixels(box, pw, ph, rng, 0.0 if role.background else 0.01)
                if role.background:
                    bbox = [-rng.randint(0, 6), -rng.randint(0, 6), pw + rng.randint(0, 6), ph + rng.randint(0, 6)]
            layer_kind = "type" if role.kind == "text" else kind
            layer = psd.add(name, layer_kind, bbox, text=content)
            if layer_kind == "group":
                add_group_children(psd, layer, rng)
            truth[(role.key, n)] = layer["id"]
            role_layers.append((role, n, layer))
    order_stack(psd)
    add_extras(psd, th, rng, pfam, category, opts)
    add_distractors(psd, rng, role_layers, category, opts)
    wrap_groups(psd, rng, opts)
    comps = build_comps(rng, th, roles, comp_size, ae_names, opts)
    expected = {}
    for comp in comps:
        for layer in comp["layers"]:
            key = layer.pop("_role", None)
            if key is not None:
                expected[f"{comp['name']}/{layer['index']}"] = truth.get(key)
    minimal = opts.get("minimal", False)
    return {
        "category": category,
        "theme": theme_key,
        "psd": psd_description(psd, f"{theme_key}_{seed}.psd", minimal),
        "template": {"source": f"{theme_key}.aepx", "format": "aepx", "compositions": comps},
        "expected": expected,
    }


def role_psd_name(rng, role, style, n, ae_index, content, ae_names, kind) -> str:
    """A PSD layer name for one (numbered) role in a style, including the numbered styles."""
    if style == "explicit":
        return fmt(words_of(rng.choice(role.names), n), rng.choice(["title", "upper", "snake"]))
    if style == "copies":  # Photoshop duplicates: "Name", "Name copy", "Name copy 2"
        if role.kind == "text" and rng.random() < 0.5:
            return content
        base = fmt(words_of(role.names[0], None), "title")
        return base if n == 1 else (f"{base} copy" if n == 2 else f"{base} copy {n - 1}")
    if style == "exact":  # the template's own name, now and then in another case
        name = ae_names[(role.key, n)][1]
        roll = rng.random()
        return name.upper() if roll < 0.1 else (name.lower() if roll < 0.2 else name)
    return psd_name(rng, role, style, n, ae_index, content, kind)


def choose_psd_size(rng, comp_size, category) -> tuple[int, int]:
    fam = family(comp_size)
    if category == "layout":
        pool = [s for s in PSD_WIDE + PSD_TALL + PSD_SQUARE if family(s) != fam]
        return rng.choice(pool)
    pool = {"wide": PSD_WIDE, "tall": PSD_TALL, "square": PSD_SQUARE}[fam]
    return rng.choice(pool)


def add_group_children(psd: PsdBuilder, group: dict, rng) -> None:
    """A logo built of shapes: the group is the match, its parts are not."""
    l, t, r, b = group["bbox"]
    mid = (l + r) // 2
    for name, bbox in (("Shape 1", [l, t, r, (t + b) // 2 + 4]), ("Ellipse 2", [l, (t + b) // 2, mid, b]),
                       ("Shape 3", [mid, (t + b) // 2, r, b])):
        psd.add(name, "shape", bbox, path=f"{group['name']}/{name}", parent_id=group["id"])


def order_stack(psd: PsdBuilder) -> None:
    """Photoshop stacks text above images above backgrounds."""
    rank = {"type": 0, "shape": 1, "group": 1, "smartobject": 2, "pixel": 2}
    def key(layer):
        full = layer["bbox"] and (layer["bbox"][2] - layer["bbox"][0]) >= psd.size[0] * 0.95 and (
            layer["bbox"][3] - layer["bbox"][1]) >= psd.size[1] * 0.95
        return (3 if full else rank.get(layer["kind"], 2))
    psd.layers.sort(key=key)
    # keep group children right after their group
    groups = [l for l in psd.layers if l["kind"] == "group"]
    for g in groups:
        kids = [l for l in psd.layers if l.get("parent_id") == g["id"]]
        for k in kids:
            psd.layers.remove(k)
        at = psd.layers.index(g) + 1
        psd.layers[at:at] = kids


def add_extras(psd, th: Theme, rng, pfam, category, opts) -> None:
    """Theme labels and decorations the template has no placeholder for."""
    count = len(th.extras) if category in ("distractors", "missing", "layout") else rng.randint(0, len(th.extras))
    for extra in rng.sample(th.extras, count):
        box = getattr(extra, pfam)
        bbox = to_pixels(box, *psd.size, rng, 0.004)
        name = extra.text if extra.kind == "type" and rng.random() < 0.6 else extra.name
        psd.add(name, extra.kind, bbox, text=extra.text, at=0 if extra.kind == "type" else None)


def add_distractors(psd: PsdBuilder, rng, role_layers, category, opts) -> None:
    """Backgrounds, adjustments, hidden duplicates, stray text and images."""
    w, h = psd.size
    n = {"distractors": rng.randint(4, 6), "missing": rng.randint(2, 3)}.get(category, rng.randint(0, 2))
    n = opts.get("distractors", n)
    kinds = ["background", "hidden_duplicate", "adjustment", "texture", "legal", "social",
             "decor", "hidden_photo", "empty"]
    picks = rng.sample(kinds, min(n, len(kinds)))
    if "background" not in picks and rng.random() < 0.6:
        picks.append("background")
    for pick in picks:
        if pick == "background":
            psd.add("Background", "pixel", [0, 0, w, h])
        elif pick == "hidden_duplicate" and role_layers:
            role, num, layer = rng.choice([rl for rl in role_layers if not rl[0].background] or role_layers)
            bbox = [v + rng.randint(-8, 8) for v in layer["bbox"]]
            text = layer["text"]
            if text and role.contents:
                text = rng.choice(role.contents)
            name = layer["name"] if layer["kind"] != "type" or layer["name"] != layer["text"] else text
            psd.add(f"{name} copy", layer["kind"], bbox, text=text, visible=False,
                    at=psd.layers.index(layer) + 1)
        elif pick == "adjustment":
            psd.add(rng.choice(["Curves 1", "Levels 1", "Hue/Saturation 1", "Gradient Map 1"]),
                    "adjustment", [0, 0, w, h], at=0)
        elif pick == "texture":
            psd.add(rng.choice(["grain", "Noise Overlay", "paper texture", "Light Leak"]), "pixel",
                    [0, 0, w, h], at=0, opacity=0.3)
        elif pick == "legal":
            psd.add("© 2025 All rights reserved.", "type",
                    to_pixels((0.60, 0.965, 0.95, 0.985), w, h), text="© 2025 All rights reserved.", at=0)
        elif pick == "social":
            handle = rng.choice(["@riversideathletics", "@acme.outfitters", "#GameDay", "@harborfest"])
            psd.add(handle, "type", to_pixels((0.72, 0.02, 0.97, 0.05), w, h), text=handle, at=0)
        elif pick == "decor":
            psd.add(f"Rectangle {rng.randint(2, 14)}", "shape",
                    to_pixels((rng.uniform(0, 0.5), rng.uniform(0.3, 0.7), 0, 0), w, h), at=None)
            psd.layers[-1]["bbox"][2] = psd.layers[-1]["bbox"][0] + rng.randint(40, 300)
            psd.layers[-1]["bbox"][3] = psd.layers[-1]["bbox"][1] + rng.randint(4, 20)
        elif pick == "hidden_photo":
            psd.add(f"IMG_{rng.randint(1000, 9999)}", "pixel",
                    to_pixels((0.2, 0.2, 0.7, 0.8), w, h), visible=False)
        elif pick == "empty":
            psd.add("Layer 0", "pixel", [0, 0, 0, 0])


def wrap_groups(psd: PsdBuilder, rng, opts) -> None:
    """Designers group text layers ("Text") or put everything in folders."""
    if not opts.get("text_group", rng.random() < 0.3):
        return
    texts = [l for l in psd.layers if l["kind"] == "type" and "parent_id" not in l]
    if len(texts) < 2:
        return
    group_name = rng.choice(["Text", "Copy", "TYPE", "Info"])
    first = psd.layers.index(texts[0])
    bboxes = [t["bbox"] for t in texts]
    union = [min(b[0] for b in bboxes), min(b[1] for b in bboxes), max(b[2] for b in bboxes),
             max(b[3] for b in bboxes)]
    group = psd.add(group_name, "group", union, at=first)
    for t in texts:
        t["parent_id"] = group["id"]
        t["path"] = f"{group_name}/{t['path']}"
        psd.layers.remove(t)
        psd.layers.insert(psd.layers.index(group) + 1, t)


def build_comps(rng, th: Theme, roles, comp_size, names, opts) -> list[dict]:
    """The template's composition(s): placeholders for every role, plus non-placeholders."""
    comps = []
    sizes = [(th.comp, comp_size)]
    if opts.get("second_comp"):
        w, h = comp_size
        sizes.append((f"{th.comp} {'Story' if w > h else 'Wide'}", (1080, 1920) if w >= h else (1920, 1080)))
    with_bbox = opts.get("bbox", rng.random() < 0.75)
    for comp_name, (cw, ch) in sizes:
        fam = "tall" if family((cw, ch)) == "tall" else "wide"
        layers = []
        for role in roles:
            for n in role_numbers(role):
                layer = {"name": names[(role.key, n)][0], "type": role.kind, "_role": (role.key, n),
                         "bbox": to_pixels(layout_box(getattr(role, fam), n), cw, ch) if with_bbox else None}
                if role.kind == "text":
                    layer["text"] = role.sample or layer["name"]
                else:
                    file, fw, fh = role.source
                    layer["source"] = {"id": rng.randint(100, 999), "name": file, "width": fw, "height": fh,
                                       "path": f"/Volumes/Projects/{th.key}/{file}", "missing": True}
                layers.append(layer)
        rng.shuffle(layers)
        decor = [{"name": "Shape Layer 1", "type": "shape"}, {"name": "Null 1", "type": "null"},
                 {"name": "Adjustment Layer 1", "type": "adjustment"},
                 {"name": "light_leak_04.mov", "type": "footage", "placeholder": False,
                  "source": {"name": "light_leak_04.mov", "width": 1920, "height": 1080}},
                 {"name": "BG Solid", "type": "solid"}]
        for extra in rng.sample(decor, rng.randint(1, 3)):
            layers.insert(rng.randint(0, len(layers)), dict(extra))
        for i, layer in enumerate(layers, start=1):
            layer["index"] = i
        comps.append({"name": comp_name, "width": cw, "height": ch, "frame_rate": 29.97,
                      "duration": 10.0, "layers": layers})
    return comps


def psd_description(psd: PsdBuilder, source: str, minimal: bool) -> dict:
    layers = []
    for layer in psd.layers:
        entry = dict(layer)
        if minimal:
            entry = {k: entry[k] for k in ("id", "name", "kind", "bbox", "visible", "text")}
        layers.append(entry)
    w, h = psd.size
    doc = {"width": w, "height": h, "layers": layers}
    if not minimal:
        doc = {"source": source, "sha256": "", "color_mode": "RGB", "depth": 8, **doc}
    return doc


# --------------------------------------------------------------------------------------------
# The plan: category, theme, seed and tweaks for every case

PLAN: list[tuple[str, str, dict]] = [
    ("exact", "gameday", {}),
    ("exact", "product_promo", {"bbox": False}),
    ("exact", "real_estate", {}),
    ("exact", "quote_card", {"minimal": True}),
    ("exact", "menu_special", {}),
    ("exact", "lower_third", {}),
    ("reformatted", "gameday", {"ae_style": "glued"}),
    ("reformatted", "sale_banner", {}),
    ("reformatted", "speakers", {"styles": {"speaker_name": "reformat", "speaker_title": "reformat",
                                            "speaker_photo": "reformat"}}),
    ("reformatted", "event_poster", {"ae_style": "camel"}),
    ("reformatted", "final_score", {}),
    ("reformatted", "hiring", {}),
    ("synonyms", "product_promo", {}),
    ("synonyms", "gameday", {}),
    ("synonyms", "quote_card", {}),
    ("synonyms", "event_poster", {}),
    ("synonyms", "menu_special", {"bbox": False}),
    ("synonyms", "real_estate", {"styles": {"photo": "synonym"}}),
    ("content", "gameday", {}),
    ("content", "real_estate", {}),
    ("content", "product_promo", {}),
    ("content", "event_poster", {}),
    ("content", "sale_banner", {"minimal": True}),
    ("content", "final_score", {}),
    ("content", "menu_special", {}),
    ("content", "quote_card", {"bbox": False}),
    ("content", "tour_dates", {}),
    ("numbered", "split_screen", {"comp_size": (1200, 1500), "styles": {"player_name": "content"}}),
    ("numbered", "split_screen", {"styles": {"player_name": "copies"}}),
    ("numbered", "lineup", {}),
    ("numbered", "speakers", {}),
    ("numbered", "lineup", {"styles": {"player_name": "explicit", "player_number": "content"}}),
    ("numbered", "real_estate", {"styles": {"photo": "generic"}}),
    ("numbered", "tour_dates", {}),
    ("numbered", "split_screen", {"fewer": {"player_name": 2}, "styles": {"player_name": "content"}}),
    ("layout", "gameday", {"second_comp": True}),
    ("layout", "product_promo", {}),
    ("layout", "event_poster", {"second_comp": True}),
    ("layout", "speakers", {}),
    ("layout", "real_estate", {}),
    ("layout", "final_score", {}),
    ("layout", "hiring", {}),
    ("distractors", "gameday", {}),
    ("distractors", "product_promo", {"text_group": True}),
    ("distractors", "quote_card", {}),
    ("distractors", "split_screen", {}),
    ("distractors", "menu_special", {}),
    ("distractors", "sale_banner", {}),
    ("distractors", "lower_third", {}),
    ("missing", "gameday", {"missing": ["away_logo", "venue"]}),
    ("missing", "product_promo", {"missing": ["old_price", "discount"]}),
    ("missing", "event_poster", {}),
    ("missing", "real_estate", {"missing": ["agent_photo"]}),
    ("missing", "speakers", {"fewer": {"speaker_name": 2, "speaker_title": 2, "speaker_photo": 2}}),
    ("missing", "lower_third", {}),
]


REAL_SPLIT_SCREEN = {
    "category": "numbered",
    "theme": "split_screen",
    "notes": "The real job behind shared/fixtures/aepx/split-screen.aepx (composition test-aep, "
             "layers as in split-screen.expected.json, no boxes) with the real PSD's layers "
             "(test-photoshop-doc.psd, 1200x1500, boxes as psd-tools reports them). Three "
             "type layers named by their text fill player1..3fullname in reading order; the "
             "cutout fills featuredimage1; the green/yellow backdrop fills green_yellow_bg.png. "
             "The white Background stays unused.",
    "psd": {
        "source": "test-photoshop-doc.psd", "width": 1200, "height": 1500,
        "layers": [
            {"id": 6, "name": "EMMA LOUISE", "kind": "type", "bbox": [74, 508, 328, 547],
             "visible": True, "text": "EMMA LOUISE", "font": "RUSHFLOW", "font_size": 36.0},
            {"id": 5, "name": "ELOISE GRACE", "kind": "type", "bbox": [73, 387, 335, 426],
             "visible": True, "text": "ELOISE GRACE", "font": "RUSHFLOW", "font_size": 36.0},
            {"id": 4, "name": "BEN FORMAN", "kind": "type", "bbox": [72, 269, 316, 307],
             "visible": True, "text": "BEN FORMAN", "font": "RUSHFLOW", "font_size": 36.0},
            {"id": 3, "name": "cutout", "kind": "smartobject", "bbox": [515, 20, 1167, 1500],
             "visible": True, "text": None},
            {"id": 2, "name": "green_yellow_bg", "kind": "smartobject", "bbox": [-5, -7, 1205, 1507],
             "visible": True, "text": None},
            {"id": 1, "name": "Background", "kind": "pixel", "bbox": [0, 0, 1200, 1500],
             "visible": True, "text": None},
        ],
    },
    "template": {
        "source": "split-screen.aepx", "format": "aepx",
        "compositions": [{
            "name": "test-aep", "width": 1200, "height": 1500, "layers": [
                {"index": 1, "name": "player1fullname", "type": "text", "text": "player1fullname"},
                {"index": 2, "name": "player2fullname", "type": "text", "text": "player1fullname"},
                {"index": 3, "name": "player3fullname", "type": "text", "text": "player1fullname"},
                {"index": 4, "name": "featuredimage1", "type": "footage",
                 "source": {"name": "cutout.png", "width": 1200, "height": 1500}},
                {"index": 5, "name": "green_yellow_bg.png", "type": "footage",
                 "source": {"name": "green_yellow_bg.png", "width": 1200, "height": 1500}},
                {"index": 6, "name": "test-photoshop-doc", "type": "precomp",
                 "source": {"name": "test-photoshop-doc", "width": 1200, "height": 1500}},
            ]}],
    },
    "expected": {"test-aep/1": 4, "test-aep/2": 5, "test-aep/3": 6, "test-aep/4": 3, "test-aep/5": 2},
}


def _t(i, name, bbox, text=None, **kw):
    """A type layer of a hand-written case (named after its text unless told)."""
    visible = kw.pop("visible", True)
    return {"id": i, "name": name, "kind": "type", "bbox": bbox, "visible": visible,
            "text": text if text is not None else name, **kw}


def _p(i, name, kind, bbox, **kw):
    visible = kw.pop("visible", True)
    return {"id": i, "name": name, "kind": kind, "bbox": bbox, "visible": visible, "text": None, **kw}


def _at(index, name, bbox=None, text=None):
    return {"index": index, "name": name, "type": "text", "bbox": bbox, "text": text}


def _af(index, name, bbox=None, src=None):
    return {"index": index, "name": name, "type": "footage", "bbox": bbox, "source": src}


def handwritten_cases() -> dict[str, dict]:
    """Cases written by hand, outside the themes above (other jobs, other naming habits)."""
    T, P, AT, AF = _t, _p, _at, _af
    cases = {}
    cases["synonyms_h1_save_the_date"] = dict(category="synonyms", notes="wedding save-the-date, hand-written; PSD 4:5 vs 16:9 comp; monogram has no counterpart",
     psd={"width":1080,"height":1350,"layers":[
       T(10,"SAVE THE DATE",[140,120,940,230]),
       T(11,"Emma & James",[190,820,890,930]),
       T(12,"06.14.2026",[340,960,740,1020]),
       T(13,"The Grand Ballroom, Newport",[250,1040,830,1085]),
       P(14,"floral_frame","pixel",[0,0,1080,1350]),
       P(15,"couple_photo_edit2","pixel",[140,260,940,790]),
       P(16,"Background","pixel",[0,0,1080,1350])]},
     template={"compositions":[{"name":"STD_Main","width":1920,"height":1080,"layers":[
       AT(1,"Headline",[560,60,1360,170],"SAVE THE DATE"), AT(2,"Couple Names",[1000,400,1800,520],"NAME & NAME"),
       AT(3,"Wedding Date",[1000,560,1500,630],"00.00.0000"), AT(4,"Venue",[1000,660,1800,710],"Venue Name, City"),
       AF(5,"Photo",[120,200,900,980],{"name":"photo.jpg","width":1600,"height":1600}),
       AF(6,"Monogram",[1700,60,1860,220],{"name":"monogram.png","width":500,"height":500}),
       {"index":7,"name":"Gold Solid","type":"solid"}]}]},
     expected={"STD_Main/1":10,"STD_Main/2":11,"STD_Main/3":12,"STD_Main/4":13,"STD_Main/5":15,"STD_Main/6":None})
    cases["content_h2_podcast"] = dict(category="content", notes="podcast episode card, hand-written; guest named in a phrase",
     psd={"width":1080,"height":1080,"layers":[
       T(20,"EP. 42",[80,80,260,140]), T(21,"The Art of Slow Design",[80,160,1000,260]),
       T(22,"with Priya Nair",[80,280,520,330]), T(23,"LISTEN ON SPOTIFY & APPLE PODCASTS",[80,980,900,1020]),
       P(24,"Guest Photo","smartobject",[560,380,1000,900]), P(25,"podcast_logo","smartobject",[80,820,280,940]),
       P(26,"waveform","shape",[80,700,520,760]), P(27,"BG","pixel",[0,0,1080,1080])]},
     template={"compositions":[{"name":"Episode Card","width":1080,"height":1080,"layers":[
       AT(1,"Episode Number",[80,80,300,140],"EP. 00"), AT(2,"Episode Title",[80,160,1000,260],"Episode Title Goes Here"),
       AT(3,"Guest Name",[80,280,600,330],"with Guest Name"), AT(4,"CTA",[80,980,1000,1020],"LISTEN NOW"),
       AF(5,"Guest Headshot",[560,380,1000,900],{"name":"guest.png","width":800,"height":950}),
       AF(6,"Show Logo",[80,820,280,940],{"name":"logo.png","width":400,"height":240}),
       AF(7,"Background",[0,0,1080,1080],{"name":"bg.jpg","width":1080,"height":1080})]}]},
     expected={"Episode Card/1":20,"Episode Card/2":21,"Episode Card/3":22,"Episode Card/4":23,"Episode Card/5":24,"Episode Card/6":25,"Episode Card/7":27})
    cases["content_h3_fitness"] = dict(category="content", notes="fitness class promo, hand-written; instructor photo named by the camera; logo as a group of shapes",
     psd={"width":1920,"height":1080,"layers":[
       T(30,"HIIT BURN",[100,120,760,300]), T(31,"DANA REYES",[100,340,560,400]),
       T(32,"6:00 AM",[100,460,360,530]), T(33,"MON / WED / FRI",[100,550,560,610]),
       P(34,"IMG_3391","pixel",[1000,0,1920,1080]),
       P(35,"logo","group",[100,900,380,1000]), P(36,"Shape 1","shape",[100,900,200,1000],parent_id=35,path="logo/Shape 1"),
       P(37,"Shape 2","shape",[210,920,380,980],parent_id=35,path="logo/Shape 2"),
       P(38,"Rectangle 4","shape",[80,440,90,620]), P(39,"Background","pixel",[0,0,1920,1080])]},
     template={"compositions":[{"name":"Class Promo","width":1920,"height":1080,"layers":[
       AT(1,"class_name",[100,120,800,300],"CLASS NAME"), AT(2,"instructor_name",[100,340,700,400],"INSTRUCTOR"),
       AT(3,"class_time",[100,460,400,530],"0:00 AM"), AT(4,"class_days",[100,550,700,610],"DAYS"),
       AF(5,"instructor_photo",[1000,0,1920,1080],{"name":"instructor.jpg","width":1200,"height":1400}),
       AF(6,"studio_logo",[100,900,400,1000],{"name":"studio.ai","width":600,"height":200})]}]},
     expected={"Class Promo/1":30,"Class Promo/2":31,"Class Promo/3":32,"Class Promo/4":33,"Class Promo/5":34,"Class Promo/6":35})
    cases["distractors_h4_fundraiser"] = dict(category="distractors", notes="charity fundraiser, hand-written; two amounts told apart by their words; progress bar shapes",
     psd={"width":2400,"height":1260,"layers":[
       T(40,"Clean Water for All",[120,100,1300,260]), T(41,"GOAL: $50,000",[120,700,700,780]),
       T(42,"$32,480 RAISED",[120,560,800,680]), T(43,"give.cleanwater.org",[120,1100,900,1160]),
       T(44,"Clean Water for All copy",[120,100,1300,260],text="Clean Water For Everyone",visible=False),
       P(45,"progress fill","shape",[120,820,1000,870]), P(46,"progress track","shape",[120,820,1500,870]),
       P(47,"kids_well","pixel",[1400,0,2400,1260]), P(48,"Curves 1","adjustment",[0,0,2400,1260]),
       P(49,"Background","pixel",[0,0,2400,1260])]},
     template={"compositions":[{"name":"Fundraiser","width":1920,"height":1080,"layers":[
       AT(1,"Campaign Title",[100,80,1050,220],"CAMPAIGN TITLE"), AT(2,"Raised Amount",[100,480,650,580],"$0 RAISED"),
       AT(3,"Goal Amount",[100,600,560,670],"GOAL: $0"), AT(4,"Donate URL",[100,940,720,990],"www.donate.org"),
       AF(5,"Progress Bar",[100,700,800,740],{"name":"bar.png","width":700,"height":40}),
       AF(6,"Hero",[1120,0,1920,1080],{"name":"hero.jpg","width":800,"height":1080})]}]},
     expected={"Fundraiser/1":40,"Fundraiser/2":42,"Fundraiser/3":41,"Fundraiser/4":43,"Fundraiser/5":45,"Fundraiser/6":47})
    cases["numbered_h5_app_promo"] = dict(category="numbered", notes="app store promo, hand-written; screenshots numbered in the template, named by screen in the PSD (reading order)",
     psd={"width":1080,"height":1920,"layers":[
       T(50,"Pocketful",[100,120,600,220]), T(51,"Budgeting that feels like magic",[100,240,980,300]),
       T(52,"4.8 ★★★★★",[100,320,420,370]),
       P(53,"Screen_Home","smartobject",[60,480,520,1400]), P(54,"Screen_Budget","smartobject",[560,480,1020,1400]),
       P(55,"icon","smartobject",[820,100,980,260]), P(56,"App Store badge","smartobject",[340,1600,740,1720]),
       P(57,"Gradient Fill 1","gradientfill",[0,0,1080,1920])]},
     template={"compositions":[{"name":"App Promo","width":1080,"height":1920,"layers":[
       AT(1,"App Name",[100,120,700,220],"App Name"), AT(2,"Tagline",[100,240,980,300],"Your tagline here"),
       AT(3,"Rating",[100,320,420,370],"5.0"),
       AF(4,"Screenshot 2",[560,480,1020,1400],{"name":"screen2.png","width":1170,"height":2532}),
       AF(5,"Screenshot 1",[60,480,520,1400],{"name":"screen1.png","width":1170,"height":2532}),
       AF(6,"App Icon",[820,100,980,260],{"name":"icon.png","width":1024,"height":1024}),
       AF(7,"Download Badge",[340,1600,740,1720],{"name":"badge.png","width":400,"height":120})]}]},
     expected={"App Promo/1":50,"App Promo/2":51,"App Promo/3":52,"App Promo/4":54,"App Promo/5":53,"App Promo/6":55,"App Promo/7":56})
    cases["layout_h6_two_guests"] = dict(category="layout", notes="news two-guest lower third, hand-written; left/right qualifiers; PSD square vs 16:9",
     psd={"width":1080,"height":1080,"layers":[
       T(60,"MARIA GONZALEZ",[60,700,500,750]), T(61,"State Senator, District 4",[60,760,500,800]),
       T(62,"ROBERT KLEIN",[580,700,1020,750]), T(63,"Political Analyst",[580,760,1020,800]),
       T(64,"LIVE",[60,60,200,110]), P(65,"channel logo","smartobject",[900,60,1020,140]),
       P(66,"bar","shape",[40,690,1040,810])]},
     template={"compositions":[{"name":"LT Two Guests","width":1920,"height":1080,"layers":[
       AT(1,"Name_L",[100,850,800,900],"GUEST NAME"), AT(2,"Title_L",[100,905,800,945],"Guest Title"),
       AT(3,"Name_R",[1100,850,1800,900],"GUEST NAME"), AT(4,"Title_R",[1100,905,1800,945],"Guest Title"),
       AT(5,"Live Bug",[60,50,220,100],"LIVE"), AF(6,"Logo",[1700,50,1860,130],{"name":"bug.png","width":300,"height":200})]}]},
     expected={"LT Two Guests/1":60,"LT Two Guests/2":61,"LT Two Guests/3":62,"LT Two Guests/4":63,"LT Two Guests/5":64,"LT Two Guests/6":65})
    cases["numbered_h7_concert"] = dict(category="numbered", notes="concert poster, hand-written; headliner and numbered support acts inside a group; band photo with a year in its name",
     psd={"width":1200,"height":1500,"layers":[
       T(70,"THE MIDNIGHT ECHO",[100,800,1100,920]),
       P(71,"support acts","group",[100,950,800,1060]),
       T(72,"LUNA VEGA",[100,950,500,1000],parent_id=71,path="support acts/LUNA VEGA"),
       T(73,"THE PALE KINGS",[100,1010,600,1060],parent_id=71,path="support acts/THE PALE KINGS"),
       T(74,"FRI 12 SEPT",[100,1200,500,1260]), T(75,"THE ROUNDHOUSE",[100,1270,600,1320]),
       T(76,"TICKETS £28",[100,1380,500,1430]),
       P(77,"band_press_2025","pixel",[0,0,1200,760]), P(78,"Background","pixel",[0,0,1200,1500])]},
     template={"compositions":[{"name":"Gig Poster","width":1080,"height":1350,"layers":[
       AT(1,"Headliner",[90,720,990,830],"HEADLINER"), AT(2,"Support1",[90,855,600,900],"SUPPORT"),
       AT(3,"Support2",[90,910,600,955],"SUPPORT"), AT(4,"Date",[90,1080,450,1135],"DAY 00 MONTH"),
       AT(5,"Venue",[90,1145,540,1190],"VENUE"), AT(6,"Ticket Price",[90,1240,450,1285],"TICKETS £00"),
       AF(7,"Band Photo",[0,0,1080,680],{"name":"band.jpg","width":1080,"height":680})]}]},
     expected={"Gig Poster/1":70,"Gig Poster/2":72,"Gig Poster/3":73,"Gig Poster/4":74,"Gig Poster/5":75,"Gig Poster/6":76,"Gig Poster/7":77})
    cases["missing_h8_product_launch"] = dict(category="missing", notes="product launch, hand-written; template wants a price and a discount badge the PSD lacks",
     psd={"width":1920,"height":1080,"layers":[
       T(80,"Meet Aero 2",[100,100,900,240]), T(81,"Lighter. Faster. Quieter.",[100,260,900,320]),
       T(82,"Available October 3",[100,340,700,390]), T(83,"Pre-order now",[100,860,420,920]),
       P(84,"aero_hero","smartobject",[1000,100,1800,980]), P(85,"Shape 12","shape",[90,850,430,930]),
       P(86,"Background","pixel",[0,0,1920,1080])]},
     template={"compositions":[{"name":"Launch","width":1920,"height":1080,"layers":[
       AT(1,"Product Name",[100,100,900,240],"PRODUCT"), AT(2,"Subhead",[100,260,900,320],"Subhead"),
       AT(3,"Launch Date",[100,340,700,390],"Month 00"), AT(4,"Price",[100,420,400,500],"$000"),
       AT(5,"Discount",[700,420,900,500],"00% OFF"), AT(6,"Button Text",[100,860,420,920],"BUY NOW"),
       AF(7,"Product Image",[1000,100,1800,980],{"name":"product.png","width":1000,"height":1100})]}]},
     expected={"Launch/1":80,"Launch/2":81,"Launch/3":82,"Launch/4":None,"Launch/5":None,"Launch/6":83,"Launch/7":84})
    cases["content_h9_generic_template_names"] = dict(category="content", notes="template with generic placeholder names (Text 1..3, Image 1..2): position decides",
     psd={"width":1080,"height":1350,"layers":[
       T(90,"NEW SEASON",[80,80,1000,220]), T(91,"Fresh kits, same heart.",[80,240,1000,300]),
       T(92,"AVAILABLE NOW IN STORE",[80,1180,1000,1240]),
       P(93,"kit_front","pixel",[80,360,520,1100]), P(94,"kit_back","pixel",[560,360,1000,1100]),
       P(95,"Background","pixel",[0,0,1080,1350])]},
     template={"compositions":[{"name":"Kit Launch","width":1080,"height":1350,"layers":[
       AT(1,"Text 1",[80,80,1000,220],"Text"), AT(2,"Text 2",[80,240,1000,300],"Text"), AT(3,"Text 3",[80,1180,1000,1240],"Text"),
       AF(4,"Image 1",[80,360,520,1100],{"name":"image1.png","width":440,"height":740}),
       AF(5,"Image 2",[560,360,1000,1100],{"name":"image2.png","width":440,"height":740})]}]},
     expected={"Kit Launch/1":90,"Kit Launch/2":91,"Kit Launch/3":92,"Kit Launch/4":93,"Kit Launch/5":94})
    cases["reformatted_h10_stat_card"] = dict(category="reformatted", notes="basketball stat card: PSD layers named by stat abbreviations (PTS, REB, AST)",
     psd={"width":1920,"height":1080,"layers":[
       T(100,"PTS",[100,600,300,700],text="28"), T(101,"REB",[400,600,600,700],text="11"), T(102,"AST",[700,600,900,700],text="7"),
       T(103,"JALEN BROOKS",[100,450,900,540]), T(104,"PTS label",[100,710,300,740],text="POINTS"),
       T(105,"REB label",[400,710,600,740],text="REBOUNDS"), T(106,"AST label",[700,710,900,740],text="ASSISTS"),
       P(107,"player_cutout","smartobject",[1100,0,1800,1080]), P(108,"BG","pixel",[0,0,1920,1080])]},
     template={"compositions":[{"name":"Stat Card","width":1920,"height":1080,"layers":[
       AT(1,"points",[100,600,300,700],"00"), AT(2,"rebounds",[400,600,600,700],"00"), AT(3,"assists",[700,600,900,700],"00"),
       AT(4,"player_name",[100,450,900,540],"PLAYER NAME"),
       AF(5,"player_image",[1100,0,1800,1080],{"name":"cutout.png","width":700,"height":1080}),
       AF(6,"background",[0,0,1920,1080],{"name":"bg.jpg","width":1920,"height":1080})]}]},
     expected={"Stat Card/1":100,"Stat Card/2":101,"Stat Card/3":102,"Stat Card/4":103,"Stat Card/5":107,"Stat Card/6":108})
    cases["distractors_h11_two_comps_listing"] = dict(category="distractors", notes="listing with a 16:9 and a square composition; a hidden old price; the square one has fewer placeholders",
     psd={"width":1920,"height":1080,"layers":[
       T(110,"Price",[100,200,600,300],text="$725,000"), T(111,"Price copy",[100,200,600,300],text="$749,000",visible=False),
       T(112,"Address",[100,320,900,370],text="18 Willow Lane, Boulder CO"), T(113,"Agent",[100,900,600,950],text="Hannah Okafor"),
       P(114,"Hero","pixel",[1000,0,1920,1080]), P(115,"Agent Photo","pixel",[100,700,260,880]),
       P(116,"Background","pixel",[0,0,1920,1080])]},
     template={"compositions":[
       {"name":"Listing 16x9","width":1920,"height":1080,"layers":[
         AT(1,"Price",[100,200,600,300],"$000,000"), AT(2,"Address",[100,320,900,370],"ADDRESS"), AT(3,"Agent",[100,900,600,950],"Agent Name"),
         AF(4,"Hero",[1000,0,1920,1080],{"name":"hero.jpg","width":920,"height":1080}),
         AF(5,"Agent Photo",[100,700,260,880],{"name":"agent.jpg","width":160,"height":180})]},
       {"name":"Listing 1x1","width":1080,"height":1080,"layers":[
         AT(1,"Price",[80,700,500,790],"$000,000"), AF(2,"Hero",[0,0,1080,660],{"name":"hero.jpg","width":1080,"height":660}),
         AT(3,"Open House",[80,820,700,870],"OPEN HOUSE SAT 1-4PM")]}]},
     expected={"Listing 16x9/1":110,"Listing 16x9/2":112,"Listing 16x9/3":113,"Listing 16x9/4":114,"Listing 16x9/5":115,
               "Listing 1x1/1":110,"Listing 1x1/2":114,"Listing 1x1/3":None})
    cases["layout_h12_away_at_home"] = dict(category="layout", notes="US-style matchup: away team on the left, home on the right, joined by @; PSD 4:5",
     psd={"width":1080,"height":1350,"layers":[
       T(120,"TIGERS",[60,700,480,790]), T(121,"@",[500,700,580,790]), T(122,"EAGLES",[600,700,1020,790]),
       P(123,"Vector Smart Object","smartobject",[100,400,440,680]), P(124,"Vector Smart Object","smartobject",[640,400,980,680]),
       T(125,"SUN 1:00 PM",[60,850,600,910]), P(126,"Background","pixel",[0,0,1080,1350])]},
     template={"compositions":[{"name":"Matchup","width":1920,"height":1080,"layers":[
       AT(1,"away_team",[100,700,800,800],"AWAY"), AT(2,"home_team",[1120,700,1820,800],"HOME"),
       AF(3,"away_logo",[200,250,700,650],{"name":"away.png","width":500,"height":400}),
       AF(4,"home_logo",[1220,250,1720,650],{"name":"home.png","width":500,"height":400}),
       AT(5,"game_time",[700,880,1220,950],"DAY 0:00 PM")]}]},
     expected={"Matchup/1":120,"Matchup/2":122,"Matchup/3":123,"Matchup/4":124,"Matchup/5":125})
    return cases


def describe(case: dict, opts: dict) -> str:
    """A note saying what the case exercises."""
    psd = case["psd"]
    comp = case["template"]["compositions"][0]
    nulls = [k for k, v in case["expected"].items() if v is None]
    hidden = sum(1 for l in psd["layers"] if not l.get("visible", True))
    parts = [
        f"{case['theme'].replace('_', ' ')} job, category {case['category']}",
        f"PSD {psd['width']}x{psd['height']} vs composition {comp['width']}x{comp['height']}",
        f"{len(case['expected'])} placeholders, {len(psd['layers'])} PSD layers",
    ]
    if hidden:
        parts.append(f"{hidden} hidden layer(s)")
    if nulls:
        parts.append(f"no counterpart for {', '.join(sorted(nulls))}")
    if not any(l.get("bbox") for l in comp["layers"]):
        parts.append("template without layer boxes")
    if opts.get("minimal"):
        parts.append("minimal descriptions")
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the labelled layer-matching cases.")
    parser.add_argument("--out", type=Path, default=OUT, help="directory to (re)write")
    parser.add_argument("--seed", type=int, default=1000,
                        help="another seed gives another set of the same kind (for checking)")
    args = parser.parse_args(argv)
    out = args.out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    counts: dict[str, int] = {}
    for number, (category, theme_key, opts) in enumerate(PLAN, start=1):
        opts = json.loads(json.dumps(opts))  # a private copy
        case = build_case(args.seed + number, category, theme_key, opts)
        case["notes"] = describe(case, opts)
        counts[category] = counts.get(category, 0) + 1
        path = out / f"{category}_{counts[category]:02d}_{theme_key}.json"
        path.write_text(json.dumps(case, indent=1, ensure_ascii=False) + "\n")
    real = out / "numbered_00_split_screen_real.json"
    real.write_text(json.dumps(REAL_SPLIT_SCREEN, indent=1, ensure_ascii=False) + "\n")
    hand = handwritten_cases()
    for name, case in hand.items():
        (out / f"{name}.json").write_text(json.dumps(case, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(PLAN) + 1 + len(hand)} cases to {out}")


if __name__ == "__main__":
    main()
