"""Write a second, independent labelled set of layer-matching cases (set "b").

Each case is one JSON file: a PSD description (``psd``), an After Effects template description
(``template``) and the right answer (``expected``: for every text/footage placeholder, keyed
``"<comp>/<index>"``, the id of the PSD layer that should fill it, or null when the design has
no counterpart and the placeholder should stay empty).

Why a second set: the first set and the matcher were written together, so measuring the matcher
on it measures it on the habits it was tuned on. This generator was written without looking at
either. It has its own themes (conference speakers, podcast episode, menu board, match-up,
property listing, product launch, sale, festival line-up, charity appeal, news lower third,
class timetable, webinar, movie premiere, travel deal, job ad), its own layouts and habits:

* template makers name placeholders in one house style (snake_case, camelCase, "Title Case",
  ``txt_``/``IMG_``/``img-`` prefixes, "Hero Photo" suffixes, "Edit Text 1");
* designers reuse or reformat those names, use synonyms ("Realtor" for agent, "Brand" for logo)
  or keep Photoshop's defaults: type layers named after their text, "Layer 12 copy",
  "Rectangle 3", "Group 4", "Vector Smart Object", camera file names, a full-canvas
  "Background" under the real, named background picture;
* repeated roles (speakers, dishes, teams, classes) are numbered, duplicated ("Name copy 2") or
  named identically and told apart by position only;
* distractors: hidden old versions, adjustment layers, decorative shapes, labels with no slot,
  wrapper groups; placeholders without a counterpart in about a third of the cases;
* "relayout" cases give the PSD another aspect ratio and layout than the composition (rows
  become columns), so names, content and order must decide instead of position.

Every case is checked before it is written: it loads with ``jobs.formats.descriptions``, every
answer has a fitting kind, no two candidates are indistinguishable and nothing of a fitting kind
sits on a slot whose answer is "empty".

    .venv/bin/python bench/make_matching_cases_b.py --seed 1 --out bench/matching_cases_b --count 80
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATEGORY_NAMES = ("easy", "medium", "hard", "relayout")

# --------------------------------------------------------------------------------------------
# Vocabulary: how template makers and designers call each role.


@dataclass(frozen=True)
class Vocab:
    kind: str  # "text" or "image"
    placeholder: tuple[str, ...]  # word sets a template maker builds a name from; "#" = item number
    designer: tuple[str, ...]  # what a designer calls the layer
    sample: tuple[str, ...]  # the template's sample text (text roles)
    psd_kinds: tuple[str, ...]  # PSD layer kinds the role comes as (picture roles)


def V(kind: str, placeholder: str, designer: str, sample: str = "", psd_kinds: str = "pixel|smartobject") -> Vocab:
    return Vocab(kind, *(tuple(s.split("|")) for s in (placeholder, designer, sample, psd_kinds)))


LOGO_KINDS = "smartobject|smartobject|shape|group|pixel"
VOCAB = {
    # single text roles
    "title": V("text", "title|main title|headline|heading", "Headline|Title|Main title|HEADLINE|Header",
               "HEADLINE|TITLE GOES HERE|Your Title Here"),
    "subtitle": V("text", "subtitle|sub title|subhead|tagline", "Tagline|Subhead|Sub headline|strapline",
                  "Your text here|Subtitle goes here|SUBHEADLINE"),
    "body": V("text", "body|body text|description|copy", "Body copy|Paragraph|Description|text block",
              "Lorem ipsum dolor sit amet, consectetur adipiscing elit."),
    "disclaimer": V("text", "disclaimer|legal|fine print|terms", "Fine print|Legal|T&Cs|small print|Legal line",
                    "Terms and conditions apply.|*Disclaimer text goes here"),
    "cta": V("text", "cta|call to action|button text|cta label", "Button|CTA|button label|Action",
             "CLICK HERE|Call to action"),
    "date": V("text", "date|event date|date time|when", "Date|Date & time|when|Dates", "DD.MM.YYYY|Month 00, 2025"),
    "location": V("text", "location|venue|place|city", "Venue|Location|Where|Place", "VENUE NAME|Location here"),
    "url": V("text", "url|website|web address|link", "URL|Website|web|site link", "www.yoursite.com|WEBSITE.COM"),
    "phone": V("text", "phone|phone number|hotline|contact number", "Phone|Tel|number|Hotline", "+1 000 000 0000"),
    "price": V("text", "price|price tag|cost|offer price", "Price|Amount|price tag|Cost", "$0.00|00.00"),
    "promo_code": V("text", "promo code|discount code|coupon|voucher code", "Code|Promo|coupon code|discount",
                    "CODE: XXXX|PROMO CODE"),
    "hours": V("text", "opening hours|hours|open times", "Hours|Opening times|Open", "Open 00:00 - 00:00"),
    "episode": V("text", "episode number|episode|ep number", "Ep number|Episode|EP|ep no", "EPISODE 00|EP. 00"),
    "host_name": V("text", "host name|host|presenter", "Host|Presenter|hosted by|host line", "HOST NAME"),
    "guest_name": V("text", "guest name|guest|featuring", "Guest|feat|Guest line|Featured guest", "GUEST NAME"),
    "quote": V("text", "quote|pull quote|quote text|testimonial", "Quote|Pull quote|quotation",
               "\"Quote goes here\"|Lorem ipsum dolor sit amet"),
    "stat": V("text", "stat|statistic|fact|key number", "Stat|Fact|Big number", "00%|KEY FACT HERE"),
    "rating": V("text", "rating|age rating|certificate", "Rating|cert|MPAA|age", "PG|RATED"),
    "credits": V("text", "billing block|credits|billing", "Billing|credits block|Cast & crew", "CREDITS GO HERE"),
    "position": V("text", "job title|position|role name|vacancy", "Job title|Position|Role|Vacancy", "JOB TITLE"),
    "salary": V("text", "salary|pay|compensation", "Salary|Pay|Pay range", "$00,000|SALARY"),
    "address": V("text", "address|property address|street address", "Address|Street|Property address|addr",
                 "123 Street Name, City"),
    "details": V("text", "details|features|property details|specs", "Specs|Beds baths|Details",
                 "0 BED · 0 BATH · 0 SQFT"),
    "agent_name": V("text", "agent name|realtor name|agent|broker name", "Realtor|Agent|agent name|Broker",
                    "AGENT NAME|Name Surname"),
    "agent_phone": V("text", "agent phone|agent contact|contact|agent number", "Phone|Tel|mobile|Contact",
                     "(000) 000-0000"),
    "person_name": V("text", "name|person name|lower third name|speaker", "Name|Person|LT name|Name line",
                     "FIRST LASTNAME|NAME SURNAME"),
    "person_job": V("text", "job title|role|affiliation|description line", "Role|job|Affiliation|Position",
                    "Job title, Company"),
    "ticker": V("text", "ticker|ticker text|crawl|news ticker", "Ticker|Crawl|scroll text", "Ticker text goes here"),
    # repeated text roles ("#" is the item number)
    "speaker_name": V("text", "speaker# name|speaker # name|name #|name#", "Name|Speaker name|speaker",
                      "SPEAKER NAME|Name Surname"),
    "speaker_job": V("text", "speaker# title|speaker # role|job #|company#", "Job title|Role|Company|position",
                     "Job Title, Company"),
    "item_name": V("text", "item # name|dish#|menu item #|item#", "Dish|Item|Menu item|Item name", "Item Name"),
    "item_price": V("text", "item # price|price#|price #", "Price|price|Cost", "$0.00|0.00"),
    "team_name": V("text", "team# name|team # name|team#|club # name", "Team|Team name|Club", "TEAM NAME"),
    "team_record": V("text", "team# record|record #|team # stats|form#", "Record|Stats|Form", "W0 D0 L0"),
    "artist": V("text", "headliner #|artist#|act # name|band#", "Headliner|Artist|Act|Band name", "ARTIST NAME"),
    "class_name": V("text", "class # name|class#|session #", "Class|Class name|Session|Workout", "CLASS NAME"),
    "class_time": V("text", "class # time|time#|time #|class # slot", "Time|Slot|When", "00:00 AM"),
    "cast_name": V("text", "actor#|cast #|star# name|cast # name", "Actor|Cast|Star|cast name", "ACTOR NAME"),
    "feature": V("text", "feature #|bullet#|feature # text|usp#", "Feature|Bullet|USP|benefit", "Feature text"),
    # picture roles
    "logo": V("image", "logo|brand logo|client logo|company logo", "Brand|Logo|logo_final|Company Logo|brandmark",
              psd_kinds=LOGO_KINDS),
    "sponsor_logo": V("image", "sponsor logo|partner logo|sponsor|sponsors", "Sponsors|Partner|sponsor strip",
                      psd_kinds="smartobject|pixel|group"),
    "hero": V("image", "hero|hero image|main photo|key visual|photo", "Main Photo|Hero|hero shot|Photo|main image"),
    "background": V("image", "background|bg|bg image|backdrop",
                    "bg_texture|Background Image|backdrop|BG photo|Background copy|BG|texture"),
    "guest_photo": V("image", "guest photo|guest image|guest pic", "Guest|guest headshot|Portrait|guest cutout"),
    "cover": V("image", "cover art|show art|podcast cover|artwork", "Cover|Show artwork|Podcast art|cover_3000"),
    "product": V("image", "product shot|product image|packshot|product", "Product|packshot|product_render|Render"),
    "agent_photo": V("image", "agent photo|realtor photo|agent headshot", "Agent|Realtor pic|headshot|Portrait"),
    "video": V("image", "video|main footage|broll|clip", "Video still|Footage|Screen grab|frame grab"),
    "keyart": V("image", "key art|poster|main visual", "Key art|Poster art|KV|one-sheet|Artwork"),
    "speaker_photo": V("image", "speaker# photo|speaker # image|photo #|headshot#", "Headshot|Photo|Portrait|Avatar"),
    "team_logo": V("image", "team# logo|team # crest|crest#", "Crest|Badge|Team logo|emblem",
                   psd_kinds="smartobject|shape|pixel"),
    "gallery_photo": V("image", "photo #|gallery #|image#|thumb #", "Photo|Gallery|Thumb|image|pic"),
}
RESEMBLES = {"subtitle": "title", "sponsor_logo": "logo", "guest_name": "host_name"}
MARKS = {"logo", "sponsor_logo", "team_logo", "cover"}  # pasted from Illustrator rather than photographed
FULL_ROLES = {"background", "video"}  # full-canvas pictures: always given a telling name in the PSD
DISPLAY_ROLES = {"title", "item_name", "team_name", "artist", "price", "item_price", "stat", "cast_name"}

# --------------------------------------------------------------------------------------------
# Themes: content and layout, for a landscape ("land", 16:9) and a portrait ("port", 9:16 or
# 4:5) version of the design. Repeated roles give the box of item 1 and a step per item.


@dataclass(frozen=True)
class Items:
    count: int  # at most this many items fit the layout
    land_step: tuple[float, float]
    port_step: tuple[float, float]
    roles: tuple[str, ...]
    label: str  # what a designer calls a group holding one item


@dataclass(frozen=True)
class Theme:
    key: str
    project: str
    labels: str  # texts on the design that no placeholder takes, "; "-separated
    items: Items | None
    roles: dict  # role -> (contents, land box, port box), see R()


FULL = (0.0, 0.0, 1.0, 1.0)


def R(land: str, port: str, contents: str = "") -> tuple:
    """A role of a theme: its boxes in percent ("x y w h" or "full") and its possible texts, "; "-separated."""
    def box(text):
        return FULL if text == "full" else tuple(float(v) / 100 for v in text.split())
    return (tuple(contents.split("; ")) if contents else (), box(land), box(port))


THEMES = [
    Theme("conference_speakers", "Summit25", "KEYNOTE; SPEAKERS; #DS25",
          Items(3, (0.3, 0), (0, 0.215), ("speaker_photo", "speaker_name", "speaker_job"), "Speaker"), {
        "title": R("6 6 62 9", "8 5 84 7", "GLOBAL DESIGN SUMMIT 2025; FUTURE OF WORK FORUM; DEVCON EUROPE"),
        "date": R("6 17 32 4.5", "8 13 55 3", "October 14-16, 2025; June 3, 2025 · 9:00 AM; 12-13 March 2025"),
        "location": R("40 17 34 4.5", "8 16.5 60 2.8",
                        "Moscone Center, San Francisco; ExCeL London; Lisbon Congress Centre"),
        "logo": R("82 5 12 10", "70 90.5 22 5.5"),
        "sponsor_logo": R("62 88.5 32 7", "8 84.5 40 4.5"),
        "url": R("6 91 30 4", "8 93 50 2.5", "summit25.com/register; www.futureofworkforum.org; devcon.eu/tickets"),
        "background": R("full", "full"),
        "speaker_photo": R("6 30 22 38", "8 21 30 17"),
        "speaker_name": R("6 70 26 5", "42 24 50 3.5", "Maya Chen; Tom Okafor; Priya Raman; Jonas Berg; Aiko Tanaka"),
        "speaker_job": R("6 76 26 4", "42 28.5 50 2.8",
                           "Head of Design, Lumen; CTO at Northwind Labs; Founder, Paperkite Studio; "
                           "Principal Researcher, Orbit AI; Author & Educator"),
    }),
    Theme("podcast_episode", "PodcastPack", "NEW EPISODE; PODCAST; AVAILABLE ON ALL PLATFORMS", None, {
        "title": R("40 32 54 15", "8 52 84 10",
                     "How to Build a Brand People Love; The Science of Sleep; Remote Work, Five Years Later"),
        "episode": R("40 22 20 5", "8 47 35 3", "EPISODE 42; EP. 117; S3 · E08"),
        "host_name": R("40 52 30 4.5", "8 66 60 3", "with host Maya Chen; Hosted by Tom Okafor"),
        "guest_name": R("40 58 30 4.5", "8 70 60 3", "feat. Dr. Priya Raman; Guest: Jonas Berg"),
        "guest_photo": R("6 18 30 54", "16 8 68 36"),
        "cover": R("80 4 14 25", "8 80 22 12"),
        "cta": R("40 68 22 6", "36 84 40 4", "Listen now; New episode out now"),
        "quote": R("40 78 54 8", "8 74 84 5", "\"Consistency beats intensity every single time.\"; "
                                            "\"Sleep is the best performance drug we have.\""),
        "background": R("full", "full"),
    }),
    Theme("menu_board", "BistroMenu", "NEW; Chef's pick; VEGAN OPTIONS",
          Items(4, (0, 0.16), (0, 0.095), ("item_name", "item_price"), "Dish"), {
        "title": R("6 5 50 10", "8 4 84 7", "TODAY'S SPECIALS; LUNCH MENU; Chef's Selection"),
        "logo": R("82 4 12 12", "38 87.5 24 7"),
        "hero": R("58 20 38 60", "8 13 84 28"),
        "hours": R("6 90 40 4", "8 83 84 3", "Open daily 11am - 10pm; Mon-Sat 12:00-22:00"),
        "disclaimer": R("50 92 45 3", "8 96 84 2",
                          "*Prices include VAT. Ask staff about allergens.; *Please tell us about any allergies."),
        "background": R("full", "full"),
        "item_name": R("6 20 34 5", "8 44 60 3.5",
                         "Grilled Salmon Bowl; Truffle Mushroom Risotto; Margherita Pizza; Spicy Chicken Ramen; "
                         "Caesar Salad; Beef Bulgogi Tacos"),
        "item_price": R("42 20 12 5", "72 44 20 3.5", "$12.50; $14.00; $9.99; $16.50; $11.00"),
    }),
    Theme("sports_matchup", "MatchNight", "VS; LIVE; ROUND 12",
          Items(2, (0.52, 0), (0, 0.4), ("team_logo", "team_name", "team_record"), "Team"), {
        "title": R("30 5 40 10", "15 4 70 6", "MATCHDAY; SEMI-FINAL; DERBY NIGHT"),
        "date": R("35 80 30 5", "15 86 70 3", "SAT 18 OCT · 15:00; Friday, 7:30 PM"),
        "location": R("35 87 30 4", "15 90 70 2.5", "Riverside Stadium; Northgate Arena"),
        "sponsor_logo": R("84 88 12 8", "40 94 20 3.5"),
        "background": R("full", "full"),
        "team_logo": R("12 22 24 30", "8 12 30 17"),
        "team_name": R("6 56 36 7", "42 16 50 5", "Riverside Rovers; Northgate United; Harbor City FC; Valley Wolves"),
        "team_record": R("6 64 36 4", "42 22 50 3", "W12 D3 L4; W9 D6 L4; W15 D1 L3; W7 D8 L4"),
    }),
    Theme("property_listing", "RealtyKit", "FOR SALE; NEW PRICE; OPEN SUN 1-4",
          Items(3, (0.17, 0), (0.34, 0), ("gallery_photo",), "Thumb"), {
        "title": R("58 6 36 8", "8 4 84 6", "JUST LISTED; OPEN HOUSE; NEW ON THE MARKET"),
        "price": R("58 16 36 8", "8 11 60 5", "$849,000; $1,250,000; $615,000"),
        "address": R("58 26 36 5", "8 17 84 3",
                       "1420 Maple Avenue, Portland OR; 77 Harbour Street, Sydney; 9 Willow Lane, Austin TX"),
        "details": R("58 32 36 4", "8 21 84 2.8", "4 bed · 3 bath · 2,400 sq ft; 3 Bed | 2 Bath | Double Garage"),
        "hero": R("4 6 50 60", "0 25 100 33"),
        "agent_photo": R("58 62 12 22", "8 77 20 12"),
        "agent_name": R("72 64 24 5", "32 78 60 3.5", "Dana Whitaker; Marcus Lee; Sofia Alvarez"),
        "agent_phone": R("72 71 24 4", "32 83 60 2.8", "(503) 555-0142; +61 2 5550 1987; 512-555-0199"),
        "logo": R("82 88 14 8", "72 93 20 5"),
        "gallery_photo": R("4 70 15.5 20", "0 60 32 14"),
    }),
    Theme("product_launch", "LaunchPromo", "NEW; LIMITED EDITION; #1 BESTSELLER",
          Items(3, (0, 0.06), (0, 0.035), ("feature",), "Bullet"), {
        "title": R("6 20 45 12", "8 6 84 7", "AURA X2 HEADPHONES; Nimbus Smartwatch; ZEPHYR E-BIKE"),
        "subtitle": R("6 34 45 6", "8 14 84 3.5",
                        "Silence, redesigned.; Your health, on your wrist.; Ride further. Charge less."),
        "product": R("52 10 44 75", "10 22 80 45"),
        "price": R("6 44 20 8", "8 70 40 5", "$299; From $349; €1,999"),
        "cta": R("6 56 20 6", "55 70 37 4.5", "Pre-order now; Shop now; Available today"),
        "date": R("28 46 22 4.5", "8 77 60 3", "Available 09.24; Launching March 3"),
        "logo": R("6 5 14 8", "38 92 24 5"),
        "background": R("full", "full"),
        "feature": R("6 68 42 4", "8 81 84 3",
                       "40-hour battery; Adaptive noise cancelling; Multipoint Bluetooth; Water resistant; "
                       "Fast charging"),
    }),
    Theme("retail_discount", "SaleSeason", "NOW ON SALE; LIMITED TIME; NEW SEASON", None, {
        "title": R("6 25 48 16", "8 50 84 10", "50% OFF EVERYTHING; SUMMER SALE; BLACK FRIDAY DEALS"),
        "subtitle": R("6 43 48 6", "8 61 84 3.5",
                        "Save 30% on all jackets; Up to 70% off selected styles; Extra 20% off shoes"),
        "promo_code": R("6 52 30 5", "8 66 60 3", "Use code: SUMMER30; CODE: BF2025"),
        "cta": R("6 62 20 7", "8 72 40 4.5", "SHOP NOW; Shop the sale"),
        "date": R("6 72 30 4", "8 78 60 3", "Ends Sunday; Nov 24 - Nov 27; This weekend only"),
        "disclaimer": R("6 92 50 3", "8 95 84 2",
                          "*Terms apply. Offer ends 12/31.; *Excludes sale items. While stocks last.; "
                          "*Online and in selected stores only."),
        "hero": R("55 0 45 100", "0 0 100 47"),
        "logo": R("6 6 14 8", "75 86 18 6"),
        "background": R("full", "full"),
    }),
    Theme("music_festival", "FestLineup", "TICKETS ON SALE; EARLY BIRD; + MANY MORE",
          Items(3, (0, 0.11), (0, 0.07), ("artist",), "Headliner"), {
        "title": R("6 5 60 11", "8 4 84 7", "SOLSTICE FESTIVAL; NORTHERN LIGHTS FEST; BASSLINE WEEKENDER"),
        "date": R("6 17 35 5", "8 12 50 3", "12-14 JULY 2025; AUG 22-24"),
        "location": R("42 17 35 5", "8 16 50 2.8", "Victoria Park, London; Lakeside Grounds, Oslo"),
        "body": R("6 58 60 14", "8 46 84 12",
                    "Kai Moreno · The Paper Kites · Luma · DJ Sable · Northbound · Velvet Echo; "
                    "Solar Twins · Mira Vale · Coastline · The Hollow Pines · Juno Ray"),
        "hero": R("68 20 28 60", "60 20 32 20"),
        "url": R("6 90 35 4", "8 90 60 2.5", "tickets.solsticefest.com; northernlights.no/tickets"),
        "sponsor_logo": R("70 88 26 8", "8 94 50 3.5"),
        "logo": R("80 4 14 10", "75 88.5 18 6"),
        "background": R("full", "full"),
        "artist": R("6 24 55 8", "8 22 50 5", "KAI MORENO; THE PAPER KITES; LUMA; DJ SABLE; VELVET ECHO"),
    }),
    Theme("charity_appeal", "AppealSpot", "URGENT APPEAL; THANK YOU; ♥", None, {
        "title": R("6 12 50 16", "8 48 84 10",
                     "Every child deserves clean water; GIVE HOPE THIS WINTER; Help us plant a million trees"),
        "body": R("6 32 45 14", "8 60 84 10",
                    "£5 a month gives a family safe water for a year.\rYour gift changes lives.; "
                    "Your donation provides warm meals and shelter for families in need."),
        "stat": R("6 50 45 6", "8 72 84 4", "1 in 10 people lack clean water; 2,400 families helped last year"),
        "cta": R("6 62 22 7", "8 78 40 4.5", "DONATE TODAY; Give now"),
        "phone": R("30 63 26 5", "52 78.5 40 3.5", "Text WATER to 70085; Call 0800 555 0123"),
        "url": R("6 74 30 4", "8 85 60 2.8", "www.clearwater.org/give; plantamillion.org"),
        "disclaimer": R("6 92 50 3", "8 95 84 2",
                          "Registered charity no. 1098765; Texts cost £5 plus one standard network message."),
        "hero": R("58 0 42 100", "0 0 100 45"),
        "logo": R("6 3 14 7", "75 88.5 18 5"),
        "background": R("full", "full"),
    }),
    Theme("news_lower_third", "NewsGFX", "LIVE; EXCLUSIVE; DEVELOPING", None, {
        "title": R("10 64 30 5", "6 61 50 3.5", "BREAKING NEWS; ECONOMY WATCH; ELECTION 2025"),
        "person_name": R("10 71 45 6", "6 66 80 4", "DANA WHITAKER; Dr. Elena Ruiz; MARCUS LEE"),
        "person_job": R("10 78 45 4", "6 70.5 80 2.8",
                          "Senior Economist, Harbor Bank; Mayor of Riverside; Climate Scientist"),
        "location": R("60 71 20 4", "6 74.5 40 2.5", "WASHINGTON D.C.; BRUSSELS; NAIROBI"),
        "ticker": R("0 93 100 5", "0 95 100 3",
                      "Markets rally as inflation cools · Storm warning issued for the coast; "
                      "Transit strike enters day three · Local team wins cup final"),
        "logo": R("86 5 10 10", "78 4 16 8"),
        "video": R("full", "full"),
    }),
    Theme("fitness_schedule", "GymTimetable", "BOOK IN THE APP; NEW; ALL LEVELS",
          Items(4, (0, 0.12), (0, 0.07), ("class_name", "class_time"), "Class"), {
        "title": R("6 5 50 10", "8 4 84 7", "WEEKLY CLASSES; SPRING TIMETABLE; NEW CLASSES"),
        "subtitle": R("6 16 50 5", "8 12 84 3", "Find your flow. Move every day.; Sweat, smile, repeat"),
        "hero": R("62 5 34 75", "50 17 42 30"),
        "logo": R("6 88 14 8", "8 90 20 5"),
        "url": R("62 88 34 4", "40 92 52 2.5", "ironfit.studio/book; www.flowyoga.co"),
        "background": R("full", "full"),
        "class_name": R("6 26 30 5", "8 50 50 3.5", "HIIT Blast; Power Yoga; Spin 45; Pilates Core; Boxfit"),
        "class_time": R("38 26 20 5", "62 50 30 3.5",
                          "Mon 6:30 AM; Tue 7:00 PM; Wed 12:15 PM; Thu 6:00 PM; Sat 9:00 AM"),
    }),
    Theme("webinar", "WebinarKit", "FREE WEBINAR; LIVE; Q&A",
          Items(2, (0.2, 0), (0, 0.14), ("speaker_photo", "speaker_name", "speaker_job"), "Speaker"), {
        "title": R("6 22 50 16", "8 44 84 10", "Scaling Design Systems; AI for Small Business; Mastering Cash Flow"),
        "date": R("6 42 40 5", "8 56 84 3.5", "Thursday, May 15 · 2 PM EST; 24.09.2025 | 18:00 CET"),
        "cta": R("6 52 22 7", "8 92 40 4", "Register free; Save your seat"),
        "url": R("6 90 35 4", "52 93 40 2.5", "events.lumen.io/webinar; www.cashflowacademy.com/live"),
        "logo": R("6 6 14 8", "8 4 22 6"),
        "background": R("full", "full"),
        "speaker_photo": R("58 20 17 30", "8 64 20 11"),
        "speaker_name": R("58 52 18 4", "32 67 60 3", "Maya Chen; Kwame Mensah; Hannah Schmidt"),
        "speaker_job": R("58 57 18 3.5", "32 71 60 2.5", "Design Lead, Lumen; CFO, Brightside; Growth Advisor"),
    }),
    Theme("movie_premiere", "PremiereTrailer", "WORLD PREMIERE; FROM THE DIRECTOR OF DUSKFALL",
          Items(3, (0.14, 0), (0.3, 0), ("cast_name",), "Cast"), {
        "title": R("5 60 42 12", "6 62 88 8", "THE LAST LIGHTHOUSE; MIDNIGHT ORCHARD; IRON TIDE"),
        "subtitle": R("5 74 42 5", "6 71 88 3",
                        "Some secrets refuse to stay buried.; The storm is only the beginning."),
        "date": R("5 81 40 5", "6 76 88 3.5", "IN CINEMAS DECEMBER 12; ONLY IN THEATERS 07.18"),
        "credits": R("5 90 60 5", "6 86 88 5",
                       "A NORTHWIND PICTURES FILM  DIRECTED BY LENA HOLT  MUSIC BY ARI VOSS; "
                       "HARBOR FILMS PRESENTS  A FILM BY OWEN MARSH  PRODUCED BY IRIS KALE"),
        "rating": R("88 88 7 7", "80 93 14 4", "PG-13; R; 12A"),
        "keyart": R("50 0 50 100", "0 0 100 56"),
        "logo": R("5 5 12 8", "6 93 18 4.5"),
        "background": R("full", "full"),
        "cast_name": R("5 50 13 4", "6 57.5 28 2.5", "EMMA STONEBRIDGE; RAUL DIAZ; KEIKO ARATA; JONAH PIERCE"),
    }),
    Theme("travel_deal", "TravelDeals", "HOT DEAL; LAST MINUTE; ALL INCLUSIVE",
          Items(3, (0.15, 0), (0.31, 0), ("gallery_photo",), "Photo"), {
        "title": R("6 14 45 14", "8 42 84 9", "BALI; Lisbon Getaway; ICELAND ADVENTURE"),
        "price": R("6 32 30 9", "8 53 60 6", "from $499; Only £349 pp; $1,299 all inclusive"),
        "subtitle": R("6 43 45 5", "8 61 84 3", "7 nights · flights + hotel; 3 nights in a boutique hotel"),
        "date": R("6 50 40 4", "8 65 60 2.8", "Travel May - Sept 2025; Book by 30 June"),
        "cta": R("6 60 20 7", "8 70 40 4.5", "BOOK NOW; See the deal"),
        "disclaimer": R("6 92 50 3", "8 95.5 84 2",
                          "*Price per person based on two sharing. Subject to availability.; "
                          "*Flights from LHR. ATOL protected."),
        "hero": R("52 5 44 55", "0 0 100 38"),
        "logo": R("6 4 14 7", "72 88 20 5"),
        "background": R("full", "full"),
        "gallery_photo": R("52 64 14 20", "8 76 27 10"),
    }),
    Theme("job_ad", "HiringSocial", "WE'RE GROWING; REMOTE FRIENDLY; APPLY BY 30/09", None, {
        "title": R("6 8 50 12", "8 5 84 7", "WE'RE HIRING; JOIN OUR TEAM; NOW HIRING"),
        "position": R("6 24 50 8", "8 40 84 5", "Senior Frontend Engineer; Store Manager; Registered Nurse"),
        "location": R("6 34 28 4.5", "8 46 60 3", "Berlin or Remote; Downtown Seattle"),
        "salary": R("36 34 20 4.5", "8 50 60 3", "€75k - €90k; $28/hr + benefits"),
        "body": R("6 44 50 12", "8 56 84 10",
                    "Flexible hours · 30 days holiday · Learning budget; "
                    "Health cover, paid parental leave and a four-day week"),
        "url": R("6 78 40 4", "8 84 60 2.8", "careers.northwind.io; apply at jobs.greenleaf.com"),
        "cta": R("6 66 20 7", "8 74 40 4.5", "Apply now; Apply today"),
        "hero": R("60 8 36 70", "0 13 100 25"),
        "logo": R("6 88 14 8", "72 90 20 5"),
        "background": R("full", "full"),
    }),
]

# --------------------------------------------------------------------------------------------
# Categories: how hard the naming gets.


@dataclass(frozen=True)
class Config:
    habits: dict  # naming habit -> weight, single roles
    item_habits: dict  # naming habit -> weight, repeated roles
    distractors: tuple[int, int]
    background: float  # chance of Photoshop's default "Background" layer
    p_null: float  # chance of placeholders without a counterpart
    p_second: float  # chance of a second composition
    p_group: float  # chance of wrapper groups
    p_extra: float  # chance of a PSD role the template has no slot for


CONFIGS = {
    "easy": Config({"same": 4, "reformat": 4.5, "synonym": 1.5}, {"numbered": 5, "same": 3, "reformat": 2},
                   (0, 1), .4, .12, .15, .15, .1),
    "medium": Config({"same": 1.5, "reformat": 2.5, "synonym": 3.5, "default": 2.5, "generic": .3},
                     {"numbered": 3.5, "copies": 3, "default": 2, "identical": 1.5}, (1, 3), .8, .35, .25, .3, .3),
    "hard": Config({"same": .5, "reformat": 1.5, "synonym": 2.5, "default": 5, "generic": .7, "copyname": .8},
                   {"numbered": 1.5, "copies": 3, "identical": 3, "default": 2.5}, (3, 6), .95, .5, .25, .5, .45),
    "relayout": Config({"same": 1, "reformat": 2.5, "synonym": 3.5, "default": 3, "generic": .3, "copyname": .3},
                       {"numbered": 3, "copies": 3, "identical": 2, "default": 2}, (2, 4), .8, .35, .2, .4, .3),
}
TEMPLATE_STYLES = ("snake", "snake", "camel", "title", "upper", "kebab", "lower", "flat", "prefix", "caps_prefix",
                   "dash_prefix", "suffix")
DESIGNER_STYLES = ("title", "upper_space", "lower", "snake", "snake_suffix")
DISPLAY_FONTS = ("Montserrat-Bold", "BebasNeue-Regular", "Oswald-Bold", "Poppins-Black", "PlayfairDisplay-Bold",
                 "HelveticaNeue-Bold", "DINCondensed-Bold")
BODY_FONTS = ("Montserrat-Regular", "Inter-Regular", "Inter-SemiBold", "Lato-Regular", "Roboto-Medium",
              "SourceSansPro-Regular")
ADJUSTMENTS = ("Curves 1", "Hue/Saturation 1", "Levels 2", "Color Balance 1", "Brightness/Contrast 1",
               "Gradient Map 1", "Photo Filter 1", "Vibrance 1")
OVERLAYS = ("Gradient overlay", "Vignette", "Grain", "Light leak", "Shadow gradient")
IMAGE_END_WORDS = {"image", "photo", "pic", "logo", "art", "shot", "footage", "video", "visual", "artwork", "crest",
                   "headshot", "packshot", "poster", "backdrop", "background", "bg", "clip", "broll", "thumb"}
TEXT_KINDS, FOOTAGE_KINDS = {"type"}, {"pixel", "smartobject", "shape", "group"}


def render(words: str, style: str, kind: str, k: int = 0) -> str:
    """A placeholder or layer name built from space-separated words in one naming style."""
    low = [w.replace("#", str(k)).lower() for w in words.split()]
    pre, caps = ("txt", " Text") if kind == "text" else ("img", " Photo")
    ends = IMAGE_END_WORDS if kind == "image" else {"text", "copy", "label", "title", "name"}
    title = " ".join(w.capitalize() for w in low)
    return {
        "snake": "_".join(low), "flat": "".join(low), "camel": low[0] + "".join(w.capitalize() for w in low[1:]),
        "title": title, "upper": "_".join(low).upper(), "upper_space": " ".join(low).upper(),
        "kebab": "-".join(low), "lower": " ".join(low), "prefix": f"{pre}_" + "_".join(low),
        "caps_prefix": f"{pre.upper()}_" + "_".join(low), "dash_prefix": f"{pre}-" + "-".join(low),
        "suffix": title + ("" if low[-1] in ends else caps),
        "snake_suffix": "_".join(low) + ("" if low[-1] in ends else f"_{pre}" if kind == "image" else "_text"),
    }[style]


def numbered_words(words: str) -> str:
    return words if "#" in words else words + " #"


def weighted(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def text_layer_name(text: str) -> str:
    """Photoshop names a new type layer after the start of its text."""
    return text.replace("\r", " ").strip()[:40].rstrip()


def iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy
    return ix * iy / union if union > 0 else 0.0


# --------------------------------------------------------------------------------------------
# One case. A slot is (role, k): k is the item number of a repeated role, 0 for a single role.


class CaseBuilder:
    def __init__(self, rng: random.Random, category: str, theme: Theme):
        self.rng, self.category, self.theme, self.cfg = rng, category, theme, CONFIGS[category]
        self.ids = rng.sample(range(2, 400), 150)
        self.counters = Counter({"Layer": rng.randint(0, 8), "Group": rng.randint(0, 4)})
        self.vague_images = 0  # pictures whose PSD name says nothing about their role
        self.copynamed = False
        self.layer_of: dict[tuple[str, int], dict] = {}  # slot -> its PSD layer
        self.content: dict[tuple[str, int], str] = {}
        self.item_all = set(theme.items.roles) if theme.items else set()

    def build(self) -> dict:
        self.plan()
        psd = self.build_psd()
        template, expected = self.build_template()
        return {"category": self.category, "theme": self.theme.key, "psd": psd, "template": template,
                "expected": expected}

    @property
    def relayout(self) -> bool:
        return self.psd_orient != self.tpl_orient

    # ---------------------------------------------------------------- plan

    def plan(self):
        rng, th, cfg = self.rng, self.theme, self.cfg
        self.tpl_orient = "land" if rng.random() < .72 else "port"
        self.comp_size = (1920, 1080) if self.tpl_orient == "land" else rng.choice([(1080, 1920), (1080, 1350)])
        if self.category == "relayout":
            self.psd_orient = "port" if self.tpl_orient == "land" else "land"
            self.psd_size = rng.choice({"land": [(1920, 1080), (3840, 2160), (2560, 1440)],
                                        "port": [(1080, 1920), (1080, 1350), (2160, 2700)]}[self.psd_orient])
        else:  # the same aspect, maybe another resolution
            self.psd_orient = self.tpl_orient
            factor = rng.choice([1, 1, 1, 2, 4 / 3, 2 / 3])
            self.psd_size = (round(self.comp_size[0] * factor), round(self.comp_size[1] * factor))
        self.shift = (rng.uniform(-.015, .015), rng.uniform(-.015, .015), rng.uniform(.97, 1.03))

        # the template's slots: maybe some repeated roles, then single roles up to the target
        target = rng.choices([6, 7, 8, 9], weights=[3, 3.5, 2, 1.5])[0]
        tpl: list[tuple[str, int]] = []
        self.n_tpl, self.item_roles = 0, ()
        if th.items and rng.random() < .85:
            self.n_tpl = th.items.count if th.items.count == 2 else rng.choice([th.items.count - 1, th.items.count])
            take = max(1, min(len(th.items.roles), (target - 2) // self.n_tpl))
            picked = rng.sample(th.items.roles, take)
            self.item_roles = tuple(r for r in th.items.roles if r in picked)
            tpl += [(r, k) for k in range(1, self.n_tpl + 1) for r in self.item_roles]
        singles = [r for r in th.roles if r not in self.item_all]
        chosen = ["title"] if "title" in singles and rng.random() < .92 else []
        chosen += [r for r in singles if r in FULL_ROLES and rng.random() < (.85 if self.category == "hard" else .6)]
        rest = [r for r in singles if r not in chosen]
        rng.shuffle(rest)
        while rest and (len(tpl) + len(chosen) < target or len(tpl) + len(chosen) < 6):
            chosen.append(rest.pop())
        tpl += [(r, 0) for r in singles if r in chosen]
        self.tpl_slots = tpl

        # placeholders with no counterpart in the design (never the background)
        self.nulls: set[tuple[str, int]] = set()
        if rng.random() < cfg.p_null:
            pool = [r for r, k in tpl if k == 0 and r not in FULL_ROLES and r != "title"]
            resembling = [r for r in pool if RESEMBLES.get(r) in chosen]  # an empty slot named like a filled one
            for _ in range(2 if self.category == "hard" and rng.random() < .3 else 1):
                if pool:
                    role = rng.choice(resembling) if resembling and rng.random() < .5 else rng.choice(pool)
                    pool.remove(role)
                    resembling = [r for r in resembling if r != role]
                    self.nulls.add((role, 0))
        self.n_psd = self.n_tpl  # the design may have one item fewer or one more than the template
        if self.n_tpl >= 2 and self.category != "easy":
            roll = rng.random()
            if self.n_tpl >= 3 and roll < .2:
                self.n_psd = self.n_tpl - 1
            elif self.n_tpl < th.items.count and roll > .7:
                self.n_psd = self.n_tpl + 1
        self.nulls |= {(r, k) for r in self.item_roles for k in range(self.n_psd + 1, self.n_tpl + 1)}

        psd = [s for s in tpl if s not in self.nulls]
        psd += [(r, k) for r in self.item_roles for k in range(self.n_tpl + 1, self.n_psd + 1)]
        null_kinds = {VOCAB[r].kind for r, _ in self.nulls}  # no extra role that could pass for an empty slot's
        extras = [r for r in singles if r not in chosen and VOCAB[r].kind not in null_kinds]
        if extras and rng.random() < cfg.p_extra:
            psd.append((rng.choice(extras), 0))
        self.psd_slots = psd

        # the template maker's habits
        self.tpl_style = rng.choice(TEMPLATE_STYLES)
        roles = sorted({r for r, _ in tpl})
        self.tpl_words = {r: rng.choice(VOCAB[r].placeholder) for r in roles}
        self.tpl_words.update({r: numbered_words(w) for r, w in self.tpl_words.items() if r in self.item_all})
        self.layer_styles = {} if rng.random() < .8 else {r: rng.choice(TEMPLATE_STYLES) for r in roles}
        self.generic_prefix = rng.choice([("Edit Text", "Replace Image"), ("Text", "Image")])
        self.generic_tpl = []
        if self.category == "hard" and rng.random() < .3:
            pool = [r for r, k in tpl if k == 0 and r not in FULL_ROLES]
            self.generic_tpl = sorted(rng.sample(pool, min(2, len(pool))))

    # ---------------------------------------------------------------- geometry

    def layout_box(self, role: str, k: int, orient: str) -> tuple[float, float, float, float]:
        x, y, w, h = self.theme.roles[role][1 if orient == "land" else 2]
        if k > 1:
            dx, dy = self.theme.items.land_step if orient == "land" else self.theme.items.port_step
            x, y = x + dx * (k - 1), y + dy * (k - 1)
        return x, y, w, h

    def psd_box(self, role: str, k: int) -> list[int]:
        """The layout box in the PSD: the whole design shifted a little, each layer jittered a few %."""
        rng, (W, H), (gx, gy, gs) = self.rng, self.psd_size, self.shift
        if role in FULL_ROLES:
            return [0, 0, W, H]
        x, y, w, h = self.layout_box(role, k, self.psd_orient)
        s = gs * rng.uniform(.87, 1.15)
        w2, h2 = w * s * rng.uniform(.96, 1.04), h * s * rng.uniform(.96, 1.04)
        cx = .5 + (x + w / 2 - .5) * gs + gx + rng.uniform(-.007, .007)
        cy = .5 + (y + h / 2 - .5) * gs + gy + rng.uniform(-.007, .007)
        return self.px((max(0.0, cx - w2 / 2), max(0.0, cy - h2 / 2), min(1.0, cx + w2 / 2), min(1.0, cy + h2 / 2)))

    def free_spot(self, w: float, h: float) -> tuple[float, float, float, float] | None:
        """A spot of the PSD layout that no role of the theme uses, so no slot sits there."""
        taken = []
        for role, (_, land, _) in self.theme.roles.items():
            if land != FULL:
                count = self.theme.items.count if role in self.item_all else 1
                for k in range(1, count + 1):
                    x, y, bw, bh = self.layout_box(role, k, self.psd_orient)
                    taken.append((x - .02, y - .02, x + bw + .02, y + bh + .02))
        for attempt in range(300):
            scale = .7 ** (attempt // 100)  # smaller when nothing fits
            x, y = self.rng.uniform(.005, .995 - w * scale), self.rng.uniform(.005, .995 - h * scale)
            box = (x, y, x + w * scale, y + h * scale)
            if all(iou(box, t) == 0 for t in taken):
                return box
        return None

    def px(self, box) -> list[int]:
        W, H = self.psd_size
        return [round(box[0] * W), round(box[1] * H), round(box[2] * W), round(box[3] * H)]

    # ---------------------------------------------------------------- PSD naming

    def default_name(self, kind: str, text: str | None = None, role: str = "") -> str:
        """What Photoshop calls a layer nobody renamed."""
        rng, c = self.rng, self.counters
        if kind == "type":
            return text_layer_name(text)
        if kind in ("group", "shape"):
            base = "Group" if kind == "group" else rng.choice(["Rectangle", "Ellipse", "Shape", "Polygon"])
            c[base] += rng.randint(1, 3)
            return f"{base} {c[base]}"
        if kind == "smartobject" and role not in MARKS and rng.random() < .6:  # a placed photo keeps its file name
            return rng.choice([f"IMG_{rng.randint(1000, 9999)}", f"DSC{rng.randint(0, 99999):05d}",
                               f"_MG_{rng.randint(1000, 9999)}", f"shutterstock_{rng.randint(10**8, 2 * 10**9)}",
                               f"pexels-photo-{rng.randint(10**5, 10**7)}", f"AdobeStock_{rng.randint(10**8, 10**9)}"])
        if kind == "smartobject":
            return "Vector Smart Object" + rng.choice(["", "", " copy"])
        c["Layer"] += rng.randint(1, 4)
        return f"Layer {c['Layer']}" + rng.choice(["", "", "", " copy", " copy 2"])

    def template_name(self, role: str, k: int) -> str:
        kind = VOCAB[role].kind
        if role in self.generic_tpl:
            return f"{self.generic_prefix[kind == 'image']} {self.generic_tpl.index(role) + 1}"
        return render(self.tpl_words[role], self.layer_styles.get(role, self.tpl_style), kind, k)

    def reformatted(self, role: str, ks: tuple[int, ...] = (0,)) -> dict[int, str]:
        """The template's words (or another set of the role's words) in one designer's style."""
        vocab, rng = VOCAB[role], self.rng
        words = self.tpl_words[role] if role in self.tpl_words and rng.random() > .3 else rng.choice(vocab.placeholder)
        words = numbered_words(words) if ks != (0,) else words
        for _ in range(6):
            style = rng.choice(DESIGNER_STYLES)
            names = {k: render(words, style, vocab.kind, k) for k in ks}
            if role not in self.tpl_words or all(names[k] != self.template_name(role, k) for k in ks):
                break
        return names

    def single_name(self, slot: tuple[str, int], kind: str, text: str | None) -> str:
        rng, role, vocab = self.rng, slot[0], VOCAB[slot[0]]
        habit = weighted(rng, self.cfg.habits)
        if role in FULL_ROLES and habit not in ("same", "reformat"):
            habit = "synonym"
        if habit == "same" and slot not in self.tpl_slots:
            habit = "reformat"
        if habit == "copyname" and (vocab.kind != "text" or role == "title" or self.copynamed
                                    or ("title", 0) not in self.layer_of):
            habit = "default"
        vague = vocab.kind == "image" and habit in ("default", "generic")
        if vague and self.relayout and self.vague_images:  # in another layout one unnamed picture at most
            habit, vague = "synonym", False
        self.vague_images += vague
        if habit == "copyname":  # the designer duplicated the headline to make this line
            self.copynamed = True
            return rng.choice(["Headline copy", "Title copy", "headline copy 2", "Title copy 3"])
        name = {"same": lambda: self.template_name(role, 0), "reformat": lambda: self.reformatted(role)[0],
                "synonym": lambda: rng.choice(vocab.designer),
                "generic": lambda: rng.choice(["Text", "text", "copy", "txt"] if vocab.kind == "text"
                                              else ["Image", "photo", "pic"]),
                "default": lambda: self.default_name(kind, text, role)}[habit]()
        return rng.choice(vocab.designer) if name == "Background" else name  # not Photoshop's own layer

    def item_names(self, role: str, kind: str, texts: dict[int, str], ks: list[int]) -> dict[int, str]:
        rng, vocab = self.rng, VOCAB[role]
        habit = weighted(rng, self.cfg.item_habits)
        if habit == "same" and role not in self.item_roles:
            habit = "numbered"
        if vocab.kind == "image" and habit == "default" and self.relayout:
            habit = "copies"  # pictures in another layout keep a name that says their role
        syn, fmt = rng.choice(vocab.designer), rng.choice(["{} {}", "{}{}", "{}_{:02d}", "{} #{}", "{}_{}"])
        reformatted = self.reformatted(role, tuple(ks))
        make = {"same": lambda k: self.template_name(role, k), "reformat": lambda k: reformatted[k],
                "numbered": lambda k: fmt.format(syn, k), "identical": lambda k: syn,
                "copies": lambda k: syn if k == 1 else f"{syn} copy" if k == 2 else f"{syn} copy {k - 1}",
                "default": lambda k: self.default_name(kind, texts.get(k), role)}[habit]
        return {k: make(k) for k in ks}

    # ---------------------------------------------------------------- PSD layers

    def new_layer(self, name: str, kind: str, bbox: list[int], **extra) -> dict:
        return {"id": self.ids.pop(), "name": name, "kind": kind, "bbox": bbox, "visible": True, "opacity": 1.0,
                **extra}

    def text_fields(self, role: str, text: str, bbox: list[int]) -> dict:
        size = max(6.0, round((bbox[3] - bbox[1]) / (1.2 * (text.count("\r") + 1)), 1))
        return {"text": text, "font": self.fonts[role not in DISPLAY_ROLES], "font_size": size}

    def pick_contents(self):
        rng = self.rng
        for role, k in self.psd_slots:
            if k == 0 and self.theme.roles[role][0]:
                self.content[(role, 0)] = rng.choice(self.theme.roles[role][0])
        for role in sorted(self.item_all):
            ks = sorted(k for r, k in self.psd_slots if r == role)
            if ks and self.theme.roles[role][0]:
                picked = rng.sample(self.theme.roles[role][0], len(ks))
                if role == "item_price" and len(ks) >= 2 and rng.random() < .5:
                    picked[1] = picked[0]  # two dishes at the same price
                self.content.update({(role, k): text for k, text in zip(ks, picked)})

    def build_psd(self) -> dict:
        rng, cfg, (W, H) = self.rng, self.cfg, self.psd_size
        self.fonts = (rng.choice(DISPLAY_FONTS), rng.choice(BODY_FONTS))
        self.pick_contents()
        blocks: list[tuple[float, dict]] = []  # (rank, layer): a smaller rank is higher in the stack
        default_bg = rng.random() < cfg.background
        bg_is_default = False
        for slot in sorted((s for s in self.psd_slots if s[1] == 0), key=lambda s: s[0] != "title"):
            role, text = slot[0], self.content.get(slot)
            kind = "type" if VOCAB[role].kind == "text" else rng.choice(VOCAB[role].psd_kinds)
            bbox = self.psd_box(role, 0)
            if role == "background" and default_bg and self.category != "hard" and rng.random() < .25:
                bg_is_default = True  # the default Background layer is the picture itself
                layer, rank = self.new_layer("Background", "pixel", [0, 0, W, H]), 4
            else:
                extra = self.text_fields(role, text, bbox) if kind == "type" else {}
                layer = self.new_layer(self.single_name(slot, kind, text), kind, bbox, **extra)
                if kind == "group":
                    layer["_children"] = self.logo_parts(bbox)
                rank = 3 if role in FULL_ROLES else 1 if kind == "type" else 1.8 if "logo" in role else 2
            self.layer_of[slot] = layer
            blocks.append((rank, layer))

        per_item: dict[int, list[dict]] = {}
        for role in [r for r in self.theme.items.roles if r in self.item_all] if self.theme.items else ():
            ks = sorted(k for r, k in self.psd_slots if r == role)
            if not ks:
                continue
            kind = "type" if VOCAB[role].kind == "text" else rng.choice(VOCAB[role].psd_kinds)
            names = self.item_names(role, kind, {k: self.content.get((role, k)) for k in ks}, ks)
            for k in ks:
                bbox = self.psd_box(role, k)
                extra = self.text_fields(role, self.content[(role, k)], bbox) if kind == "type" else {}
                self.layer_of[(role, k)] = layer = self.new_layer(names[k], kind, bbox, **extra)
                per_item.setdefault(k, []).append(layer)
        grouped = rng.random() < cfg.p_group and all(len(v) > 1 for v in per_item.values())
        group_name = rng.choice(["{} {}", "{}_{}", "{} {:02d}", ""])
        for k, layers in per_item.items():  # later items were duplicated from earlier ones: higher up
            if grouped:
                label = self.theme.items.label
                name = group_name.format(label, k) if group_name else self.default_name("group")
                blocks.append((1.2 - k / 100, self.group(name, layers)))
            else:
                blocks += [((1.1 if layer["kind"] == "type" else 2.1) - k / 100, layer) for layer in layers]

        if ("cta", 0) in self.layer_of and rng.random() < .5:  # a button plate under the call to action
            box, pad = self.layer_of[("cta", 0)]["bbox"], round(.01 * W)
            name = rng.choice(["Button BG", "btn", "Rounded Rectangle 1", self.default_name("shape")])
            plate = [box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad]
            blocks.append((1.5, self.new_layer(name, "shape", plate)))
        if default_bg and not bg_is_default:
            blocks.append((4, self.new_layer("Background", "pixel", [0, 0, W, H])))
        blocks = self.wrap_texts(blocks + self.distractors())
        blocks.sort(key=lambda b: (b[0], rng.random()))
        layers: list[dict] = []
        for _, layer in blocks:
            self.flatten(layer, layers, None)
        source = f"{self.theme.project}_{rng.choice(['final', 'v3', 'FINAL_v2', 'master', 'design'])}.psd"
        return {"source": source, "width": W, "height": H, "color_mode": "RGB", "depth": 8, "layers": layers}

    def logo_parts(self, bbox: list[int]) -> list[dict]:
        """A logo drawn in Photoshop: a folder holding a mark and a word mark."""
        left, top, right, bottom = bbox
        mid, quarter = left + (right - left) // 3, (bottom - top) // 4
        return [self.new_layer(self.default_name("shape"), "shape", [left, top, mid, bottom]),
                self.new_layer(self.rng.choice(["wordmark", "type outline", self.default_name("shape")]), "shape",
                               [mid + 2, top + quarter, right, bottom - quarter])]

    def group(self, name: str, children: list[dict]) -> dict:
        boxes = [c["bbox"] for c in children]
        bbox = [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]
        if any(c["name"] == name for c in children):
            name = self.default_name("group")
        return self.new_layer(name, "group", bbox, _children=sorted(children, key=lambda c: c["kind"] != "type"))

    def wrap_texts(self, blocks: list) -> list:
        """Sometimes the designer put a few text layers into a folder."""
        loose = sorted((b for b in blocks if b[0] == 1 and b[1]["kind"] == "type" and b[1]["visible"]),
                       key=lambda b: b[1]["bbox"][1])
        if len(loose) < 3 or self.rng.random() >= self.cfg.p_group:
            return blocks
        start = self.rng.randrange(len(loose) - 1)
        chosen = loose[start:start + self.rng.randint(2, 3)]  # neighbours, one above the other
        top, H = chosen[0][1]["bbox"][1], self.psd_size[1]
        if max(c[1]["bbox"][3] for c in chosen) - top > .3 * H:
            return blocks
        name = self.rng.choice(["Text", "Copy", "Info", "Header" if top < H / 2 else "Footer",
                                self.default_name("group")])
        return [b for b in blocks if all(b is not c for c in chosen)] + [(1, self.group(name, [c[1] for c in chosen]))]

    def flatten(self, layer: dict, out: list, parent: dict | None):
        children = layer.pop("_children", ())
        layer["path"] = f"{parent['path']}/{layer['name']}" if parent else layer["name"]
        layer["parent_id"] = parent["id"] if parent else None
        out.append(layer)
        for child in children:
            self.flatten(child, out, layer)

    def distractors(self) -> list[tuple[float, dict]]:
        """Layers no placeholder should take."""
        rng, (W, H) = self.rng, self.psd_size
        count = max(rng.randint(*self.cfg.distractors), self.category == "medium")
        labels = rng.sample(self.theme.labels.split("; "), len(self.theme.labels.split("; ")))
        if self.relayout and any(VOCAB[r].kind == "text" for r, _ in self.nulls):
            labels = []  # in another layout a stray label could pass for the empty text slot
        names = {"adjustment": rng.sample(ADJUSTMENTS, 3), "overlay": rng.sample(OVERLAYS, 3)}
        out, copied = [], set()
        for i in range(count):
            kinds = ["hidden_text", "hidden_image", "adjustment", "shape", "label", "overlay", "hidden_layer"]
            what = "hidden_text" if i == 0 and self.category == "medium" else rng.choice(kinds)  # one duplicate
            singles = [s for s in self.layer_of if s[1] == 0 and s not in copied and s[0] not in FULL_ROLES]
            texts = [s for s in singles if self.layer_of[s]["kind"] == "type"]
            images = [s for s in singles if self.layer_of[s]["kind"] in ("pixel", "smartobject")]
            if what == "hidden_text" and texts:  # an older version under the same or a copy's name
                slot = rng.choice(texts)
                src = self.layer_of[slot]
                older = [c for c in self.theme.roles[slot[0]][0] if c != src["text"]] or [src["text"] + " (old)"]
                text = rng.choice(older)
                name = rng.choice([src["name"], src["name"] + " copy", text_layer_name(text)])
                bbox = [v + rng.randint(-6, 6) for v in src["bbox"]]
                out.append((1.01, self.new_layer(name, "type", bbox, visible=False,
                                                 **self.text_fields(slot[0], text, bbox))))
                copied.add(slot)
            elif what == "hidden_image" and images:  # the picture used before
                slot = rng.choice(images)
                src = self.layer_of[slot]
                name = rng.choice([src["name"] + " copy", src["name"] + " old", self.default_name("pixel")])
                out.append((2.01, self.new_layer(name, src["kind"], list(src["bbox"]), visible=False)))
                copied.add(slot)
            elif what == "adjustment" and names[what]:
                out.append((rng.choice([0, 2.5]), self.new_layer(names[what].pop(), "adjustment", [0, 0, W, H])))
            elif what == "overlay" and names[what]:
                out.append((2.5, self.new_layer(names[what].pop(), "pixel", [0, 0, W, H], opacity=.6)))
            elif what == "shape":
                side = rng.uniform(.02, .05)
                line = rng.random() < .5
                box = self.free_spot(rng.uniform(.1, .4), .004) if line else self.free_spot(side, side * W / H)
                name = rng.choice(["Line 1", "divider", "rule"]) if line and rng.random() < .5 \
                    else self.default_name("shape")
                if box:
                    out.append((1.6, self.new_layer(name, "shape", self.px(box))))
            elif what == "label" and labels:
                text = labels.pop()
                box = self.free_spot(min(.3, .012 * len(text) + .04), .035)
                name = rng.choice([text_layer_name(text), text_layer_name(text), "label", "badge", "tag"])
                if box:
                    out.append((1, self.new_layer(name, "type", self.px(box),
                                                  **self.text_fields("label", text, self.px(box)))))
            elif what == "hidden_layer":
                box = self.free_spot(rng.uniform(.06, .15), rng.uniform(.06, .15))
                if box:
                    out.append((2, self.new_layer(self.default_name("pixel"), "pixel", self.px(box), visible=False)))
        return out

    # ---------------------------------------------------------------- template

    def source_for(self, role: str, name: str, box: list[int]) -> dict:
        """The placeholder's footage item: one per layer, numbered, or one file shared by all."""
        rng = self.rng
        if self.footage_style == "shared" and self.footage_items:
            return self.footage_items[0]
        n = len(self.footage_items) + 1
        stem = {"named": name.replace(" ", "_").lower(), "numbered": f"image_{n:02d}", "shared": "placeholder"}
        stem = stem[self.footage_style]
        ext = ".png" if "logo" in role or role == "cover" else rng.choice([".jpg", ".png"])
        w, h = (1920, 1080) if self.footage_style == "shared" else (max(64, box[2] - box[0]), max(64, box[3] - box[1]))
        source = {"id": 500 + n, "name": stem + ext, "width": w, "height": h, "path": f"{self.footage_dir}/{stem}{ext}",
                  "missing": rng.random() < .85, "kind": "file"}
        self.footage_items.append(source)
        return source

    def build_comp(self, name: str, size: tuple[int, int], orient: str, slots: list) -> tuple[dict, dict]:
        rng, (W, H) = self.rng, size
        entries = []
        for role, k in slots:
            x, y, w, h = self.layout_box(role, k, orient)
            box = [round(x * W), round(y * H), round((x + w) * W), round((y + h) * H)]
            layer = {"name": self.template_name(role, k), "bbox": box, "_slot": (role, k)}
            if VOCAB[role].kind == "text":
                layer.update(type="text", text=self.samples[role])
            else:
                layer.update(type="footage", source=self.source_for(role, layer["name"], box))
            rank = 1 if VOCAB[role].kind == "text" else 3 if role in FULL_ROLES else 2
            entries.append((rank + k / 100, layer))
        for kind, decor_name, rank in self.decor:  # layers that are not placeholders
            layer = {"name": decor_name, "type": kind, "bbox": [0, 0, W, H]}
            if kind == "solid":
                layer["source"] = {"id": 490, "name": decor_name, "kind": "solid", "width": W, "height": H,
                                   "color": [round(rng.random(), 3) for _ in range(3)]}
            elif kind == "precomp":
                layer["source"] = {"id": 480, "name": decor_name, "kind": "composition", "width": W, "height": H}
            elif kind == "shape":
                layer["bbox"] = [round(.05 * W), round(.95 * H), round(.4 * W), round(.955 * H)]
            elif kind == "null":
                layer.pop("bbox")
            entries.append((rank, layer))
        entries.sort(key=lambda e: (e[0], rng.random()))
        layers, expected, seen = [], {}, set()
        for index, (_, layer) in enumerate(entries, start=1):
            slot = layer.pop("_slot", None)
            while layer["name"] in seen:
                layer["name"] += " 2"
            seen.add(layer["name"])
            layers.append({"index": index, **layer})
            if slot is not None:
                answer = None if slot in self.nulls else self.layer_of.get(slot)
                expected[f"{name}/{index}"] = answer["id"] if answer else None
        comp = {"name": name, "width": W, "height": H, "frame_rate": rng.choice([25, 29.97, 30, 30, 60]),
                "duration": float(rng.choice([6, 8, 10, 10, 15])), "layers": layers}
        return comp, expected

    def build_template(self) -> tuple[dict, dict]:
        rng, project = self.rng, self.theme.project
        self.samples = {r: rng.choice(VOCAB[r].sample) for r in self.tpl_words if VOCAB[r].kind == "text"}
        self.footage_style, self.footage_items = rng.choice(["named", "named", "numbered", "shared"]), []
        user = rng.choice(["anna", "jmiller", "studio", "mograph"])
        self.footage_dir = rng.choice([f"/Users/{user}/Projects/{project}/Footage", f"D:/Templates/{project}/(Footage)",
                                       f"/Volumes/Work/{project}/assets"])
        self.decor = rng.sample([("null", rng.choice(["Null 1", "CONTROL", "Master Null"]), 0),
                                 ("adjustment", rng.choice(["Adjustment Layer 1", "CC", "Grade"]), 0),
                                 ("precomp", rng.choice(["Logo Reveal", "Transition IN", "Outro"]), 1.5),
                                 ("shape", rng.choice(["Shape Layer 1", "Accent Line", "Bar"]), 2.5),
                                 ("solid", rng.choice(["BG Solid", "Dark Gray Solid 1", "White Solid 2"]), 4)],
                                rng.randint(0, 3))
        names = ["Main", "MAIN", "Final Comp", "Render", "Main Comp"]
        names += {(1920, 1080): ["Landscape 16x9", "MAIN_16x9"], (1080, 1920): ["Vertical 9x16", "Story"],
                  (1080, 1350): ["Social 4x5", "IG_Portrait"]}[self.comp_size]
        comp, expected = self.build_comp(rng.choice(names), self.comp_size, self.tpl_orient, self.tpl_slots)
        comps = [comp]
        if rng.random() < self.cfg.p_second:  # the same slots, copied into another aspect
            other = "port" if self.tpl_orient == "land" else "land"
            size, names = ((1080, 1920), ["Story 9x16", "Vertical", "IG_Story"]) if other == "port" \
                else ((1920, 1080), ["Landscape", "YT 16x9"])
            singles = [s for s in self.tpl_slots if s[1] == 0]
            drop = set(rng.sample(singles, min(len(singles), rng.randint(0, 2))))
            comp, more = self.build_comp(rng.choice(names), size, other, [s for s in self.tpl_slots if s not in drop])
            comps.append(comp)
            expected.update(more)
        source = f"{project}_{rng.choice(['v2', '2024', 'template', 'final'])}.aepx"
        return {"source": source, "format": "aepx", "compositions": comps, "footage": self.footage_items}, expected


# --------------------------------------------------------------------------------------------
# Checks


def check_case(case: dict) -> None:
    """Loads with the project's descriptions; every answer fits, can be told apart, sits where it should."""
    from jobs.formats.descriptions import PsdDocument, TemplateDocument

    psd = PsdDocument.from_dict(case["psd"])
    template = TemplateDocument.from_dict(case["template"])
    by_id = {layer.id: layer for layer in psd.layers}
    assert len(by_id) == len(psd.layers), "duplicate PSD ids"
    W, H = psd.width, psd.height
    assert {f"{c.name}/{la.index}" for c in template.compositions for la in c.layers
            if la.type in ("text", "footage")} == set(case["expected"]), "answers and placeholders differ"

    def norm(box, w=W, h=H, fit=((1.0, 0.0), (1.0, 0.0))):
        (ax, bx), (ay, by) = fit
        return ((box[0] / w - bx) / ax, (box[1] / h - by) / ay, (box[2] / w - bx) / ax, (box[3] / h - by) / ay)

    def line(pairs):  # least squares v = a * u + b: the design's own small shift and scale
        n, su, sv = len(pairs), sum(u for u, _ in pairs), sum(v for _, v in pairs)
        var = n * sum(u * u for u, _ in pairs) - su * su
        a = (n * sum(u * v for u, v in pairs) - su * sv) / var if var > 1e-6 else 1.0
        return (a, (sv - a * su) / n) if .8 < a < 1.2 else (1.0, (sv - su) / n)

    for comp in template.compositions:
        slots = [(f"{comp.name}/{la.index}", la) for la in comp.layers if la.type in ("text", "footage")]
        same_aspect = abs(comp.width / comp.height - W / H) < .01
        centres = []  # (slot centre, answer centre) in x and y
        for key, layer in slots:
            fits = TEXT_KINDS if layer.type == "text" else FOOTAGE_KINDS
            right = by_id.get(case["expected"][key])
            if right is None:
                assert case["expected"][key] is None, f"{key}: no such layer"
                continue
            assert right.kind in fits and right.visible, f"{key}: a {right.kind} layer cannot fill a {layer.type} layer"
            assert [case["expected"][k] for k, _ in slots].count(right.id) == 1, f"{key}: {right.id} used twice"
            box, slot = norm(right.bbox), norm(layer.bbox, comp.width, comp.height)
            centre = [((slot[i] + slot[i + 2]) / 2, (box[i] + box[i + 2]) / 2) for i in (0, 1)]
            if same_aspect and right.width < .9 * W:  # in the same layout the answer sits about where the slot is
                assert sum(abs(u - v) for u, v in centre) < .08, f"{key}: answer {right.name!r} is far from the slot"
                centres.append(centre)
            for other in psd.layers:  # no twin: same name, text, visibility and place
                if other.id != right.id and other.kind in fits and (other.name, other.text, other.visible) == \
                        (right.name, right.text, right.visible):
                    assert iou(norm(other.bbox), box) < .5, f"{key}: twin {other.id}"
        if not centres:
            continue
        fit = (line([c[0] for c in centres]), line([c[1] for c in centres]))
        for key, layer in slots:  # nothing visible of a fitting kind sits on an empty slot
            if case["expected"][key] is None:
                fits = TEXT_KINDS if layer.type == "text" else FOOTAGE_KINDS
                slot = norm(layer.bbox, comp.width, comp.height)
                for other in psd.layers:
                    if other.kind in fits and other.visible and other.width < .9 * W:
                        assert iou(slot, norm(other.bbox, fit=fit)) < .25, f"{key}: {other.name!r} sits there"


# --------------------------------------------------------------------------------------------


def generate(seed: int, count: int) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    themes, cases, numbers = [], [], Counter()
    for i in range(count):
        category = CATEGORY_NAMES[i % 4]
        if not themes:
            themes = list(THEMES)
            rng.shuffle(themes)
        theme = themes.pop()
        case = CaseBuilder(random.Random(rng.randrange(2**32)), category, theme).build()
        check_case(case)
        numbers[category] += 1
        cases.append((f"{category}_{numbers[category]:02d}_{theme.key}.json", case))
    return cases


def summary(cases: list[tuple[str, dict]]) -> str:
    """Cases, placeholders (all compositions; per composition) and empty answers, per category."""
    head = ("category", "cases", "comps", "placeholders", "per comp", "null", "null share", "cases w/ null")
    lines = [f"{head[0]:10}" + "".join(f"{h:>14}" for h in head[1:])]
    for category in (*CATEGORY_NAMES, "all"):
        chosen = [c for _, c in cases if category in (c["category"], "all")]
        answers = [v for c in chosen for v in c["expected"].values()]
        comps = sum(len(c["template"]["compositions"]) for c in chosen)
        row = (len(chosen), comps, len(answers), f"{len(answers) / max(1, comps):.1f}", answers.count(None),
               f"{answers.count(None) / max(1, len(answers)):.1%}", sum(None in c["expected"].values() for c in chosen))
        lines.append(f"{category:10}" + "".join(f"{v!s:>14}" for v in row))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "matching_cases_b")
    parser.add_argument("--count", type=int, default=80)
    args = parser.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    cases = generate(args.seed, args.count)
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.json"):
        old.unlink()
    for filename, case in cases:
        text = json.dumps(case, indent=2, ensure_ascii=False)
        text = re.sub(r"\[\s+([-\d., \n]+?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
        (args.out / filename).write_text(text + "\n", encoding="utf-8")  # boxes on one line
    print(f"wrote {len(cases)} cases to {args.out}")
    print(summary(cases))
    return 0


if __name__ == "__main__":
    sys.exit(main())
