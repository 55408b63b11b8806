"""Third labelled layer-matching benchmark set, written independently of the first two and of the matcher.

Writes one JSON file per case: a PSD description, an After Effects template description and the expected
answer (placeholder "<comp>/<index>" -> PSD layer id, or null where the PSD has nothing for it). Nothing here
was tuned on what the matcher gets right or wrong; the set exists to measure it on data nobody tuned it on.
The cases are motion-graphics jobs (match-ups, line-ups, rosters, speakers, listings, sales, menus, concerts,
lower thirds, weather, quotes, awards, ...) and stress these failure families:

1. Photoshop's default full-canvas "Background" layer at the bottom while another layer is the real
   background ("BACKGROUND", "Backdrop", "Texture", "BG image", "bg_gradient", sometimes covering only
   ~70 % of the canvas), or the default Background as the only background;
2. numbered placeholders (player1_name, speaker2name, name3, "Nominee 1", p1_name, photos and roles too)
   against PSD layers without useful numbers ("Name", "Name copy 2" in any order, the people's names,
   "Player Name" three times, groups "Card copy"), in rows, columns, 2x2 grids (column-major too),
   right-to-left and podium (2-1-3) orders;
3. identical layer names or identical texts told apart only by position;
4. type layers named by their content (a discount phrase, an address, an agent's name, fine print, a URL);
5. placeholders without a counterpart (subhead, sponsor_logo, player4_name, ...) next to leftover layers
   (a decorative label, a hidden old version, a shape) a careless matcher could force into them;
6. designers' habits: "Layer 12", "Rectangle 3", "Group 2", "Vector Smart Object", camera file names,
   hidden old versions, adjustment layers, a "Logo" group of shapes that is the logo.

Categories, a quarter each: easy, medium, hard, relayout (the PSD has another aspect ratio and another
arrangement; numbered items keep their reading order). In the other categories the PSD has the template's
aspect ratio (maybe twice its resolution) and every counterpart sits at about the same normalised place.

    .venv/bin/python bench/make_matching_cases_c.py --seed 1 --out bench/matching_cases_c [--count 80]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
from collections import namedtuple
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATS = ("easy", "medium", "hard", "relayout")

FIRST = ("Jalen", "Marcus", "Tariq", "Elena", "Sofia", "Priya", "Dana", "Owen", "Malik", "Hana", "Lucas", "Amara",
         "Noah", "Isla", "Diego", "Keiko", "Ravi", "Chloe", "Mateo", "Zara", "Femi", "Lena", "Theo", "Aisha")
LAST = ("Brooks", "Okafor", "Lindqvist", "Moreau", "Castillo", "Nakamura", "Whitaker", "Reyes", "Haddad",
        "Kowalski", "Fischer", "Osei", "Park", "Delgado", "Ivanova", "Mensah", "Laurent", "Quinn", "Sato", "Barros")
TEAMS = ("Riverside Rovers", "Northside Hawks", "Harbor City FC", "Eastfield United", "Kingsport Lions",
         "Valley Wolves", "Metro Titans", "Lakeshore Storm")
HEAD_FONTS = ("Montserrat-Bold", "BebasNeue-Regular", "Oswald-Bold", "Anton-Regular", "PlayfairDisplay-Bold")
BODY_FONTS = ("Montserrat-Regular", "Roboto-Regular", "OpenSans-Regular", "Lato-Regular", "Poppins-Medium")
ADJUSTMENTS = ("Curves 1", "Hue/Saturation 1", "Levels 1", "Color Balance 1", "Brightness/Contrast 1",
               "Gradient Map 1", "Vibrance 1")
BG_NAMES_EASY = ("Background Image", "BG image", "background", "BACKGROUND", "Background photo")
BG_NAMES = ("BACKGROUND", "background", "Backdrop", "Texture", "Wallpaper", "Background Image", "BG image",
            "bg_gradient", "bg-photo", "bg texture", "Backdrop photo")
BG_PARTIAL = ((0, 0, 1, 0.72), (0.3, 0, 1, 1), (0, 0.28, 1, 1), (0, 0, 0.7, 1), (0.08, 0.08, 0.92, 0.92))
LAND, PORT = ((1920, 1080), (3840, 2160)), ((1080, 1920), (1080, 1350), (2160, 3840), (2160, 2700))
SQUARE = ((1080, 1080), (2160, 2160), (2000, 2000))
P_NULL = {"easy": 0.25, "medium": 0.8, "hard": 0.7, "relayout": 0.45}
TAKES = {"text": {"type"}, "footage": {"pixel", "smartobject", "shape", "group"}}


def camera_name(rng: random.Random) -> str:
    return rng.choice(("IMG_{}", "DSC0{}", "_MG_{}", "DJI_0{}", "PXL_2024{}")).format(rng.randint(1000, 9999))


def people(rng: random.Random, k: int) -> list[str]:
    return [f"{a} {b}" for a, b in zip(rng.sample(FIRST, k), rng.sample(LAST, k))]


def copy_suffix(p: int) -> str:
    return "" if p == 0 else " copy" if p == 1 else f" copy {p}"


def slug(text: str) -> str:
    return "_".join(p for p in "".join(c.lower() if c.isalnum() else "_" for c in text).split("_") if p)


def tup(value: str | tuple | None) -> tuple[str, ...] | None:
    return tuple(value.split(",")) if isinstance(value, str) else value


# --------------------------------------------------------------------------------------------------------------
# Roles and themes

Role = namedtuple("Role", "ttype zone fs lines tnames sample clear syn")  # fs: fraction of the canvas' short side
# role | type | zone | font size | lines | template names | sample text | clear PSD names | synonyms
ROLE_TABLE = """
headline|text|head|.08|2|headline,Headline,title_text,HEADLINE,txt_title,Title|HEADLINE TEXT|Headline,Title|
    Main Title,Header,Heading
subhead|text|head|.04|1|subhead,Subheadline,sub_title,subtitle|Subheadline goes here|Subhead,Subtitle|
    Strapline,Secondary line,Sub copy
tagline|text|head|.036|1|tagline,Tagline,slogan|Your tagline here|Tagline|Slogan,Claim
body|text|head|.03|2|body,body_text,description,Copy|Body copy goes here. Lorem ipsum dolor sit amet.|Body,Description|
    Body copy,Paragraph,Blurb
date|text|head|.036|1|date,Date,event_date,date_text|DD.MM.YYYY|Date|Event date,When
time|text|head|.032|1|time,Time,start_time|00:00 PM|Time|Start time,Hours
address|text|head|.03|1|address,Address,location,venue|123 Street Name, City|Address,Location|Venue,Where
price|text|head|.07|1|price,Price,price_text,offer_price|$000|Price|Cost,Amount
cta|text|head|.034|1|cta,call_to_action,CTA_text|CALL TO ACTION|CTA,Button|Call to action,Button label
quote|text|head|.06|3|quote,quote_text,Quote|“Quote text goes here.”|Quote|Quote text,Statement
agent|text|sidetext|.034|1|agent,agent_name,realtor|Agent Name|Agent Name,Agent|Realtor,Contact name
author|text|sidetext|.034|1|author,quote_author,attribution|Author Name|Author|Attribution,Credit
phone|text|sidetext|.028|1|phone,Phone,phone_number,tel|(000) 000-0000|Phone|Tel,Contact number
website|text|foot|.024|1|website,url,web,website_url|www.website.com|Website,URL|Web address,Link
disclaimer|text|foot|.016|2|disclaimer,legal,fine_print,Disclaimer|*Terms and conditions apply. See store for details.|
    Disclaimer,Legal|Fine print,Small print
caption|text|head|.028|1|caption,Caption,photo_caption|Caption text|Caption|Photo caption,Description line
background|footage|bg|0|1|background,BG,bg_image,Background Plate,BG Image,backplate,Background||Background|Background
hero|footage|hero|0|1|hero_image,main_image,Image,Main Photo||Photo,Main Image|Hero shot,Key visual
logo|footage|corner|0|1|logo,Logo,client_logo,brand_logo||Logo|Brand mark,Company logo,logo_final
sponsor_logo|footage|foot|0|1|sponsor_logo,Sponsor Logo,sponsor,partner_logo||Sponsor Logo,Sponsor|
    Partner logo,Presenting partner
agent_photo|footage|side|0|1|agent_photo,agent_headshot,realtor_photo||Agent Photo,Headshot|Portrait,Agent pic
author_photo|footage|side|0|1|author_photo,portrait,author_image||Author Photo,Portrait|Headshot,Face
"""
ROLES = {row[0]: Role(row[1], row[2], float(row[3]), int(row[4]), tup(row[5]), row[6] or None, tup(row[7]),
                      tup(row[8])) for row in (line.split("|") for line in
                                               ROLE_TABLE.replace("|\n    ", "|").strip().splitlines())}
DROPPABLE = {"subhead", "tagline", "date", "time", "website", "phone", "cta", "caption", "body", "address",
             "disclaimer"}

# Texts are "a|b|c" (one is drawn per case) or "@people", "@PEOPLE", "@TEAMS", "@days" (drawn per case).
Single = namedtuple("Single", "role text tnames clear syn sample zone", defaults=(None,) * 6)
Field = namedtuple("Field", "key ttype tfields bases sample texts", defaults=(None, None))
Items = namedtuple("Items", "label short psd_label counts fields identical extra_ok", defaults=(0.0, True))
Theme = namedtuple("Theme", "name singles items sizes badges mode",
                   defaults=(None, ((1920, 1080), (1920, 1080), (1080, 1080), (1080, 1920), (1080, 1350)), ("NEW",),
                             "top"))


def S(role: str, text: str | None = None, **kw) -> Single:
    return Single(role, text, **{k: tup(v) if k in ("tnames", "clear", "syn") else v for k, v in kw.items()})


def F(key: str, ttype: str, tfields: str, bases: str, sample: str | None = None, texts: str | None = None) -> Field:
    return Field(key, ttype, tup(tfields), tup(bases), sample, texts)


def draw(rng: random.Random, spec: str, n: int) -> list[str]:
    if spec == "@days":
        start = rng.randrange(7)
        return [("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")[(start + i) % 7] for i in range(n)]
    if spec.lower() == "@people":
        return [p.upper() if spec == "@PEOPLE" else p for p in people(rng, n)]
    return [t.upper() for t in rng.sample(TEAMS, n)] if spec == "@TEAMS" else rng.sample(spec.split("|"), n)


PHOTO = F("photo", "footage", "photo,img,headshot", "Photo,Headshot,Portrait")
THEMES = (
    Theme("sports_matchup",
          [S("headline", "SATURDAY NIGHT DERBY|RIVALRY WEEK|MATCHDAY|SEMI-FINAL SHOWDOWN"), S("background"),
           S("logo", tnames="league_logo,logo,competition_logo", clear="League Logo,Logo"),
           S("date", "SAT 14 SEPT • 7:30 PM|FRIDAY 8PM|Sun, Oct 5 – 3:00 PM"),
           S("address", "Riverside Stadium, Leeds|Harbor Arena, Portland OR", tnames="venue,stadium,location",
             clear="Venue,Stadium"), S("cta", "WATCH LIVE ON CHANNEL 5|STREAM IT ON SPORTSNET"), S("sponsor_logo")],
          Items("team", "t", "Team", (2,),
                [F("crest", "footage", "logo,crest,badge", "Crest,Team Logo,Badge"),
                 F("name", "text", "name,team", "Team Name,Team", "TEAM NAME", "@TEAMS")], extra_ok=False),
          badges=("VS",)),
    Theme("player_lineup",
          [S("headline", "STARTING LINEUP|GAME DAY SQUAD|MEET THE TEAM|TONIGHT'S FIVE"), S("background"),
           S("logo", tnames="team_logo,logo,club_crest", clear="Team Logo,Logo"),
           S("date", "FRI 21 MARCH • 7PM|Saturday, Nov 8|Tip-off 8:00 PM"),
           S("subhead", "Round 12 vs Northside Hawks|Season opener|Quarter-final, away"), S("sponsor_logo")],
          Items("player", "p", "Player", (3, 4, 5),
                [PHOTO, F("name", "text", "name", "Name,Player Name", "PLAYER NAME", "@PEOPLE"),
                 F("pos", "text", "position,pos,role", "Position,Role", "POSITION",
                   "GUARD|FORWARD|CENTER|CAPTAIN|GOALKEEPER|DEFENDER|STRIKER")], identical=0.25), badges=("#1", "★")),
    Theme("esports_roster",
          [S("headline", "MEET THE ROSTER|CHAMPIONS SQUAD|NEW SEASON LINEUP"), S("background"),
           S("logo", tnames="team_logo,logo,org_logo", clear="Team Logo,Logo"),
           S("subhead", "Season 7 • Valorant Champions Tour|Spring Split 2025"),
           S("website", "twitch.tv/vortexgg|www.nightowl.gg"), S("sponsor_logo")],
          Items("player", "p", "Player", (3, 4, 5),
                [F("photo", "footage", "photo,img,render", "Render,Player Render,Photo"),
                 F("name", "text", "name,handle,tag", "Handle,Name,Gamertag", "GAMERTAG",
                   "Vortex|NightOwl|Kr4ken|Blitz|Sable|Echo|Rook|Nova"),
                 F("role", "text", "role", "Role", "ROLE", "Entry Fragger|Support|IGL|AWPer|Lurker|Coach")]),
          badges=("GG", "★")),
    Theme("conference_speakers",
          [S("headline", "FUTURE OF WORK SUMMIT 2025|DESIGN WEEK LIVE|CLIMATE TECH FORUM"), S("background"),
           S("logo"), S("date", "March 18–20, 2025|12 JUNE 2025|Oct 3 • 9:00 AM"),
           S("address", "Moscone West, San Francisco|ExCeL London, Royal Victoria Dock"),
           S("website", "www.futureofwork.com|designweek.live/tickets")],
          Items("speaker", "s", "Speaker", (3, 4),
                [PHOTO, F("name", "text", "name", "Name,Speaker Name", "Speaker Name", "@people"),
                 F("title", "text", "title,job,company", "Title,Job Title", "Job Title, Company",
                   "CTO, Lumen Labs|Head of Design, Pixelcraft|Founder, GreenGrid|VP Product, Northwind|"
                   "Research Lead, Aurora AI|Editor, The Weekly Ledger")])),
    Theme("panel_talk",
          [S("headline", "Can AI Be Creative?|The Future of Cities|Breaking Barriers in Tech"), S("background"),
           S("logo"), S("subhead", "A live panel discussion|Moderated by Aisha Mensah|Q&A to follow"),
           S("date", "Thursday 22 May|APRIL 9, 2025"), S("time", "6:30 PM|18:00 BST")],
          Items("panelist", "p", "Panelist", (2, 3, 4),
                [PHOTO, F("name", "text", "name", "Name,Guest Name", "Full Name", "@people"),
                 F("title", "text", "title,role", "Title,Role", "Title / Organisation",
                   "Professor, Kingsbridge University|Urban Planner, CityLab|Author & Curator|Founder, Open Streets|"
                   "Data Scientist, Meridian")]), badges=("LIVE",)),
    Theme("real_estate_listing",
          [S("headline", "JUST LISTED|OPEN HOUSE SUNDAY|NEW ON THE MARKET|PRICE REDUCED"), S("background"),
           S("hero", tnames="property_photo,house_image,main_photo", clear="House Photo,Property",
             syn="Exterior,Front elevation"),
           S("logo", tnames="logo,brokerage_logo,agency_logo", clear="Logo,Brokerage Logo"),
           S("price", "$849,000|$1,250,000|$615,500"),
           S("address", "1420 Maple Avenue, Austin TX|88 Harbor View Rd, Seattle WA|27 Orchard Lane, Denver CO"),
           S("agent", "@people"), S("agent_photo"), S("phone", "(512) 555-0142|206.555.0198|+1 303 555 0110"),
           S("body", "4 Beds • 3 Baths • 2,450 sq ft|Corner lot with mountain views"),
           S("website", "www.northgaterealty.com|harborhomes.com/listing/88")]),
    Theme("car_dealership_offer",
          [S("headline", "THE ALL-NEW 2025 TRAILBLAZER|SUMMER SALES EVENT|CERTIFIED PRE-OWNED"), S("background"),
           S("hero", tnames="car_image,vehicle_shot,hero_car", clear="Car,Vehicle", syn="Hero car,Car render"),
           S("logo", tnames="dealer_logo,logo,brand_logo", clear="Dealer Logo,Logo"),
           S("price", "$289/mo|$24,995|$0 DOWN"),
           S("subhead", "0% APR for 60 months|Lease for $289/month|Save up to $5,000 off MSRP"),
           S("disclaimer",
             "*Offer valid until 12/31. Terms apply.|"
             "*With approved credit. See dealer for details. Tax, title and license extra."),
           S("website", "www.route9automall.com|drivecitymotors.com"),
           S("address", "Route 9 Auto Mall, Albany NY|4100 Industrial Pkwy, Fresno CA")]),
    Theme("retail_sale",
          [S("headline", "BIG SUMMER SALE|BLACK FRIDAY DEALS|END OF SEASON SALE|FLASH SALE"), S("background"),
           S("logo"), S("subhead", "Save 30% on all jackets|Up to 50% off storewide|Buy one, get one half price"),
           S("disclaimer", "*Offer valid until 12/31. Terms apply.|*While stocks last. Excludes gift cards."),
           S("website", "www.urbanthreads.com|shop.northfolk.co"), S("cta", "SHOP NOW")],
          Items("product", "prod", "Product", (2, 3, 4),
                [F("photo", "footage", "image,photo,shot", "Product,Product Shot,Packshot"),
                 F("name", "text", "name,title", "Product Name,Name", "Product name",
                   "Denim Jacket|Canvas Sneakers|Wool Scarf|Leather Tote|Linen Shirt"),
                 F("price", "text", "price", "Price", "$00.00", "$9.99|$49.99|$24.99|$79.00|$12.50|$35.00")],
                identical=0.5), badges=("HOT",)),
    Theme("restaurant_special",
          [S("headline", "TACO TUESDAY|CHEF'S SPECIAL|BRUNCH IS BACK|PIZZA FRIDAY"), S("background"),
           S("hero", tnames="dish_photo,food_image,hero_image", clear="Dish,Food Photo", syn="Plate shot,Hero dish"),
           S("logo"), S("price", "$12|$9.99|$15.50"),
           S("body",
             "Three tacos, rice and a drink|Wood-fired margherita with fresh basil|Bottomless mimosas with any main"),
           S("time", "Every Tuesday 4–9 PM|Sat & Sun 10am–2pm"),
           S("address", "212 Mission Street, San Diego|9 Canal Walk, Manchester"),
           S("phone", "(619) 555-0173|0161 555 0456", zone="foot")], badges=("NEW", "★")),
    Theme("concert",
          [S("headline", "THE MIDNIGHT ECHOES|NOVA & THE TIDES|LUNA PARK"), S("background"),
           S("hero", tnames="artist_photo,band_image,hero", clear="Artist,Band Photo", syn="Band shot,Artist cutout"),
           S("date", "FRIDAY, JUNE 13|SAT 09.08.25|Nov 21 & 22"),
           S("address", "The Roxy Theatre, Los Angeles|Brixton Academy, London"),
           S("subhead", "with special guest Lena Park|The Farewell Tour|Live in concert"),
           S("website", "tickets.roxyla.com|www.livenation.com/midnight"),
           S("logo", tnames="promoter_logo,logo", clear="Promoter Logo,Logo"), S("sponsor_logo"),
           S("time", "Doors 7PM")], badges=("LIVE", "★")),
    Theme("community_event",
          [S("headline", "Community Harvest Festival|Easter Sunday Service|Christmas Carol Night|Youth Summer Camp"),
           S("background"),
           S("hero", tnames="event_photo,photo,hero_image", clear="Event Photo,Photo", syn="Crowd shot,Main picture"),
           S("logo"), S("date", "Sunday, April 20|Saturday 13 September|DEC 14"), S("time", "10:30 AM|6 PM – 9 PM"),
           S("address", "St. Mark's Church, 12 Elm Street|Grace Community Hall, 400 Oak Blvd"),
           S("body", "Food, music and games for the whole family|All are welcome – bring a friend!"),
           S("website", "www.stmarks-elm.org|gracecommunity.org/events")], badges=("♥",)),
    Theme("university_open_day",
          [S("headline", "OPEN DAY|DISCOVER YOUR FUTURE|POSTGRAD OPEN EVENING"), S("background"),
           S("logo", tnames="university_logo,logo,crest", clear="Uni Logo,Logo"),
           S("date", "Saturday 18 October, 10am–3pm|Wed 5 March • 5–8pm"),
           S("subhead", "Meet our lecturers and tour the campus|Talks, tours and taster lectures"),
           S("website", "www.northbridge.ac.uk/openday|kingsbridge.edu/visit"), S("cta", "BOOK YOUR PLACE")],
          Items("tile", "t", "Tile", (2, 3, 4),
                [F("photo", "footage", "photo,image", "Campus photo,Photo,Image"),
                 F("caption", "text", "caption,label", "Caption,Label", "Caption",
                   "Science Labs|Student Union|Main Library|Sports Centre|Art Studios")])),
    Theme("app_launch",
          [S("headline", "Meet Flowly|Introducing Tempo 2.0|Say hello to Nestly"), S("background"),
           S("logo", tnames="app_icon,logo,icon", clear="App Icon,Icon", syn="Logo mark,Launcher icon"),
           S("tagline", "Your day, beautifully organised|Budgeting without the stress"),
           S("cta", "Download now|Available on iOS & Android"), S("website", "www.flowly.app|tempo.io/download")],
          Items("screen", "scr", "Screen", (2, 3, 4),
                [F("image", "footage", "image,shot,ui", "Screen,Screenshot,iPhone mockup"),
                 F("caption", "text", "caption,feature", "Feature,Caption", "Feature text",
                   "Track every habit|Smart reminders|Weekly insights|Sync across devices|Dark mode")])),
    Theme("news_lower_third",
          [S("headline", "@people", tnames="name,lower_third_name,Name_Text", clear="Name", syn="Guest name,Speaker",
             sample="FIRSTNAME LASTNAME"), S("background", tnames="background,bg_video,Background Plate,BG"),
           S("subhead", "Chief Economist, Meridian Bank|Mayor of Springfield|Climate Correspondent",
             tnames="title,lower_third_title,role", clear="Title,Job title", syn="Role,Position",
             sample="Title / Role"),
           S("logo", tnames="channel_logo,network_bug,logo", clear="Channel Logo,Logo", syn="Bug"),
           S("caption", "Markets rally as central bank holds rates|Storm warning extended to Sunday",
             tnames="ticker,ticker_text,crawl", clear="Ticker", syn="Crawl,News ticker",
             sample="Breaking news ticker text", zone="foot"),
           S("address", "LONDON|WASHINGTON, D.C.|NAIROBI", tnames="location,dateline", clear="Location",
             syn="Dateline,Place", sample="LOCATION")],
          sizes=((1920, 1080), (1920, 1080), (1920, 1080), (1080, 1920)), badges=("LIVE",), mode="lower"),
    Theme("weather_card",
          [S("headline", "DENVER|SEATTLE|MIAMI|CHICAGO", tnames="city,city_name,location", clear="City",
             syn="Location,Place name", sample="CITY"), S("background"),
           S("logo", tnames="station_logo,logo", clear="Station Logo,Logo"),
           S("price", "68°F|21°C|75°", tnames="current_temp,temperature", clear="Temperature,Temp",
             syn="Current temp,Big number", sample="00°"),
           S("subhead", "Partly cloudy|Sunny spells|Light rain", tnames="condition,forecast_text", clear="Condition",
             syn="Forecast,Summary", sample="Condition"), S("date", "Tuesday, May 6|Friday 12 July")],
          Items("day", "d", "Day", (3, 4, 5),
                [F("icon", "footage", "icon,symbol", "Icon,Weather Icon"),
                 F("name", "text", "name,label", "Day,Day name", "DAY", "@days"),
                 F("temp", "text", "temp,high", "Temp,High", "00°", "72°|68°|75°|64°|70°|59°")], identical=0.35),
          sizes=((1920, 1080), (1920, 1080), (1080, 1080), (1080, 1920)), badges=("LIVE",)),
    Theme("quote_card",
          [S("quote",
             "“Creativity is intelligence having fun.”|“The best way to predict the future is to create it.”|"
             "“Small steps every day add up to big change.”"), S("background"), S("author", "@people"),
           S("author_photo"), S("logo"), S("website", "www.dailyspark.co|dailyspark.co/quotes"),
           S("tagline", "Monday motivation|Words to live by")],
          sizes=((1080, 1080), (1080, 1350), (1920, 1080), (1080, 1920)), badges=("❝",)),
    Theme("award_nominees",
          [S("headline", "BEST NEW ARTIST|ALBUM OF THE YEAR|BEST DOCUMENTARY"), S("background"), S("logo"),
           S("subhead", "2025 Harbor Music Awards|The Golden Reel Awards"),
           S("date", "Live Sunday 8/7c|February 2, 2025")],
          Items("nominee", "n", "Nominee", (3, 4, 5),
                [PHOTO, F("name", "text", "name", "Name,Nominee Name", "NOMINEE NAME", "@people"),
                 F("work", "text", "work,title,project", "Work,Title", "Work title",
                   "“Northern Lights” – Album|“Paper Boats” – Single|“Low Tide” – Album|“Glass City” – EP|"
                   "“Ember” – Single|“Salt Roads” – Album")]), badges=("★",)),
)


# --------------------------------------------------------------------------------------------------------------
# Layout: frames in normalised canvas coordinates


Frame = namedtuple("Frame", "x0 y0 x1 y1 align fs lines", defaults=("center", 0.0, 1))  # fs as in Role


@dataclass
class Slot:
    key: str
    role: str
    ttype: str
    zone: str
    fs: float
    lines: int
    tname: str = ""
    sample: str | None = None
    text: str | None = None
    clear: tuple[str, ...] = ()
    syn: tuple[str, ...] = ()
    null: bool = False
    num: int | None = None  # item number in the template's numbering
    fld: str | None = None
    psd_name: str = ""
    psd_kind: str = "pixel"


def aclass(w: int, h: int) -> str:
    return "land" if w / h > 1.2 else "port" if w / h < 0.85 else "square"


def text_width(text: str, fs: float) -> float:
    return fs * sum(0.3 if c == " " else 0.64 if c.isupper() or c.isdigit() else 0.5 for c in text)


def stack(out: dict, group: list[Slot], x: tuple, y0: float, y1: float, align: str, m: int, ht: int):
    """Text frames one under the other between y0 and y1, smaller when they would not fit."""
    if not group:
        return
    hs = [s.fs * m * 1.25 * s.lines / ht for s in group]
    k = min(1.0, (y1 - y0) / (sum(hs) + 0.02 * (len(group) - 1)))
    for s, h in zip(group, hs):
        out[s.key] = Frame(x[0], y0, x[1], y0 + h * k, align, s.fs * k, s.lines)
        y0 += (h + 0.02) * k


def cell_boxes(band: tuple, arr: str, n: int) -> list[tuple]:
    """Item cells in reading order."""
    x0, y0, x1, y1 = band
    g = 0.02
    if arr == "column":
        ch = (y1 - y0 - g * (n - 1)) / n
        return [(x0, y0 + i * (ch + g), x1, y0 + i * (ch + g) + ch) for i in range(n)]
    if arr == "grid":
        cols = math.ceil(n / 2)
        cw, ch = (x1 - x0 - g * (cols - 1)) / cols, (y1 - y0 - g) / 2
        return [(x0 + c * (cw + g), y0 + r * (ch + g), x0 + c * (cw + g) + cw, y0 + r * (ch + g) + ch)
                for r in range(2) for c in range(cols)][:n]
    cw = (x1 - x0 - g * (n - 1)) / n
    boxes = [(x0 + i * (cw + g), y0, x0 + i * (cw + g) + cw, y1) for i in range(n)]
    if arr == "podium":  # the middle card stands higher
        d = 0.1 * (y1 - y0)
        boxes = [(a, b + (0 if i == 1 else d), c, e - (d if i == 1 else 0)) for i, (a, b, c, e) in enumerate(boxes)]
    return boxes


def positions(order: str, n: int) -> list[int]:
    """Cell (index in reading order) of item number 1..n."""
    if order == "rtl":
        return list(range(n))[::-1]
    if order == "podium":
        return [1, 0, 2]
    if order == "colmajor":
        return [(k % 2) * math.ceil(n / 2) + k // 2 for k in range(n)]
    return list(range(n))


def cell_frames(cell: tuple, group: list[Slot], wd: int, ht: int, out: dict):
    x0, y0, x1, y1 = (cell[0] * wd, cell[1] * ht, cell[2] * wd, cell[3] * ht)
    cw, ch, m = x1 - x0, y1 - y0, min(wd, ht)
    imgs, texts = [s for s in group if s.ttype == "footage"], [s for s in group if s.ttype == "text"]
    if cw > 1.8 * ch:  # wide card: picture left, texts right
        side, ix, iy = ch * 0.84, x0 + ch * 0.08, y0 + ch * 0.08
        for s in imgs:
            out[s.key] = Frame(ix / wd, iy / ht, (ix + side) / wd, (iy + side) / ht)
        tx0 = ix + side + 0.05 * cw if imgs else x0 + 0.06 * cw
        tx1, ty0, ty1, align = x1 - 0.03 * cw, y0 + 0.12 * ch, y1 - 0.1 * ch, "left"
    else:  # tall card: picture on top, texts below
        top = y0 + 0.04 * ch
        for s in imgs:
            iw = cw * 0.8
            ih = min(ch * 0.6, iw * 1.2)
            if s.fld in ("icon", "crest"):
                iw = ih = min(iw, ch * 0.5)
            ix = (x0 + x1) / 2 - iw / 2
            out[s.key] = Frame(ix / wd, top / ht, (ix + iw) / wd, (top + ih) / ht)
            top += ih + 0.05 * ch
        tx0, tx1, ty0, ty1, align = x0 + 0.05 * cw, x1 - 0.05 * cw, top, y1 - 0.03 * ch, "center"
    if texts:
        fs = min(0.045 * m, (ty1 - ty0) / (1.25 + (len(texts) - 1) * (0.62 * 1.25 + 0.25)))
        for i, s in enumerate(texts):
            f = fs if i == 0 else fs * 0.62
            out[s.key] = Frame(tx0 / wd, ty0 / ht, tx1 / wd, (ty0 + f * 1.25) / ht, align, f / m, 1)
            ty0 += f * 1.25 + 0.25 * fs


def compute_frames(slots: list[Slot], wd: int, ht: int, mode: str, arr: str, order: str, n_items: int,
                   flip: bool) -> dict[str, Frame]:
    """Where each slot sits on a canvas of this size, by zone; items numbered 1..n_items."""
    cls, m, out = aclass(wd, ht), min(wd, ht), {}

    def zone(z: str) -> list[Slot]:
        return [s for s in slots if s.num is None and s.zone == z]

    items = [s for s in slots if s.num is not None and s.num <= n_items]
    hero, side = bool(zone("hero")), bool(zone("side") or zone("sidetext"))
    lw = 1.6 * ht / wd  # a logo's width per unit of normalised height
    if cls == "land":
        col = ((0.55, 0.95) if flip else (0.05, 0.46)) if hero else (0.06, 0.62) if mode == "lower" else (0.05, 0.74)
        hero_box = (0.05, 0.1, 0.5, 0.82) if flip else (0.5, 0.1, 0.95, 0.82)
        head = (0.08, 0.28) if items else (0.66, 0.86) if mode == "lower" else (0.18, 0.56 if side else 0.82)
        side_y, band, foot, align = (0.6, 0.82), (0.05, 0.33, 0.95, 0.84), (0.89, 0.96), "left"
        logo = (0.95 - 0.1 * lw, 0.05, 0.95, 0.15)
    elif cls == "port":
        col, hero_box = (0.08, 0.92), (0.06, 0.33, 0.94, 0.64)
        head = (0.1, 0.3) if items or hero else (0.66, 0.84) if mode == "lower" else (0.1, 0.62 if side else 0.82)
        side_y, band, foot, align = (0.67, 0.8), (0.06, 0.32, 0.94, 0.85), (0.87, 0.97), "center"
        logo = (0.5 - 0.025 * lw, 0.03, 0.5 + 0.025 * lw, 0.08)
    else:
        col, hero_box = (0.07, 0.76), (0.07, 0.33, 0.93, 0.68 if side else 0.84)
        head = (0.07, 0.3) if items or hero else (0.62, 0.84) if mode == "lower" else (0.1, 0.62 if side else 0.84)
        side_y = (0.71, 0.86) if hero else (0.66, 0.84)
        band, foot, align, logo = (0.07, 0.33, 0.93, 0.85), (0.89, 0.96), "left", (0.93 - 0.08 * lw, 0.05, 0.93, 0.13)
    for s in zone("bg"):
        out[s.key] = Frame(0, 0, 1, 1)
    for s in zone("hero"):
        out[s.key] = Frame(*hero_box)
    for s in zone("corner"):
        out[s.key] = Frame(*logo)
    stack(out, zone("head"), col, head[0], head[1], align, m, ht)
    tx0 = col[0]
    for s in zone("side"):
        w = (side_y[1] - side_y[0]) * ht / wd
        out[s.key] = Frame(col[0], side_y[0], col[0] + w, side_y[1])
        tx0 = col[0] + w + 0.02
    stack(out, zone("sidetext"), (tx0, col[1]), side_y[0] + 0.01, side_y[1], "left", m, ht)
    feet = zone("foot")
    if cls == "port":
        logos = [s for s in feet if s.ttype == "footage"]
        stack(out, [s for s in feet if s.ttype == "text"], (0.08, 0.92), foot[0], 0.915 if logos else foot[1],
              "center", m, ht)
        for s in logos:
            out[s.key] = Frame(0.5 - 0.02 * lw, 0.925, 0.5 + 0.02 * lw, 0.965)
    elif feet:  # one row of cells
        weights = [2.2 if s.role == "disclaimer" else 0.7 if s.ttype == "footage" else 1.0 for s in feet]
        unit, x = (0.9 - 0.02 * (len(feet) - 1)) / sum(weights), 0.05
        for s, wt in zip(feet, weights):
            cx1, h = x + wt * unit, foot[1] - foot[0]
            if s.ttype == "footage":
                out[s.key] = Frame(max(x, cx1 - h * lw), foot[0], cx1, foot[1])
            else:
                h = min(h, s.fs * m * 1.25 * s.lines / ht)
                out[s.key] = Frame(x, foot[0], cx1, foot[0] + h, "left", h * ht / (1.25 * s.lines * m), s.lines)
            x = cx1 + 0.02
    if items:
        cells, pos = cell_boxes(band, arr, n_items), positions(order, n_items)
        for k in range(1, n_items + 1):
            cell_frames(cells[pos[k - 1]], [s for s in items if s.num == k], wd, ht, out)
    return out


def choose_arrangement(rng: random.Random, cls: str, n: int, special: float) -> tuple[str, str]:
    """(arrangement, numbering); ``special`` is the chance of a numbering other than reading order."""
    odd = rng.random() < special
    podium = ["podium"] if n == 3 and odd and cls != "port" else []
    grid = ["grid"] if n == 4 else []
    arrs = {"land": ["row"], "port": ["column"]}.get(cls, ["row"] if n <= 3 else ["column"]) + grid + podium
    arr = "podium" if podium and rng.random() < 0.7 else rng.choice(arrs)
    return arr, {"podium": "podium", "grid": "colmajor", "row": "rtl"}.get(arr, "reading") if odd else "reading"


def clamp(box: list[float], wd: int, ht: int) -> list[int]:
    l, t, r, b = (round(v) for v in box)
    l, t = min(max(0, l), wd - 2), min(max(0, t), ht - 2)
    return [l, t, max(l + 2, min(wd, r)), max(t + 2, min(ht, b))]


def px(fr: Frame, wd: int, ht: int) -> list[int]:
    return clamp([fr.x0 * wd, fr.y0 * ht, fr.x1 * wd, fr.y1 * ht], wd, ht)


def fit_text(fr: Frame, text: str, wd: int, ht: int) -> tuple[list[int], float]:
    """Box and font size of ``text`` set in a frame (wrapped, shrunk when it needs more lines than the frame)."""
    fs, avail = fr.fs * min(wd, ht), max(1.0, (fr.x1 - fr.x0) * wd)
    w = text_width(text, fs)
    lines = max(1, math.ceil(w / avail))
    if lines > fr.lines:
        fs *= fr.lines * avail / (w * 1.05)
        w = text_width(text, fs)
        lines = max(1, min(fr.lines, math.ceil(w / avail)))
    width = min(w, avail)
    left = fr.x0 * wd if fr.align == "left" else (fr.x0 + fr.x1) / 2 * wd - width / 2
    return clamp([left, fr.y0 * ht, left + width, fr.y0 * ht + lines * fs * 1.2], wd, ht), round(fs, 1)


def jitter(rng: random.Random, frames: dict[str, Frame], slots: list[Slot], a: float) -> dict[str, Frame]:
    """The designer's version of a layout: moved by up to ``a`` of the canvas, pictures and type resized."""
    out, per_item = {}, {}
    for s in slots:
        fr = frames[s.key]
        if s.zone == "bg":
            out[s.key] = fr
            continue
        dx, dy = per_item.setdefault(s.num, (rng.uniform(-a, a), rng.uniform(-a, a))) if s.num else (0, 0)
        dx, dy = dx + rng.uniform(-a, a) / (4 if s.num else 1), dy + rng.uniform(-a, a) / (4 if s.num else 1)
        if s.ttype == "footage":
            sc = rng.uniform(0.85, 1.15)
            cx, cy, hw, hh = (fr.x0 + fr.x1) / 2, (fr.y0 + fr.y1) / 2, (fr.x1 - fr.x0) / 2 * sc, (fr.y1 - fr.y0) / 2 * sc
            out[s.key] = Frame(cx - hw + dx, cy - hh + dy, cx + hw + dx, cy + hh + dy)
        else:
            out[s.key] = fr._replace(x0=fr.x0 + dx, y0=fr.y0 + dy, x1=fr.x1 + dx, y1=fr.y1 + dy,
                                     fs=fr.fs * rng.uniform(0.88, 1.12))
    return out


def free_spot(rng: random.Random, frames: dict[str, Frame], w: float, h: float, taken: list[tuple]) -> tuple:
    """A small normalised box away from every slot of the layout (null ones included)."""
    spots = [(0.03, 0.03), (0.97 - w, 0.03), (0.5 - w / 2, 0.02), (0.03, 0.45), (0.97 - w, 0.45),
             (0.5 - w / 2, 0.5 - h / 2), (0.03, 0.86), (0.97 - w, 0.86), (0.3, 0.5), (0.7 - w, 0.3)]
    rng.shuffle(spots)
    boxes = [(f.x0, f.y0, f.x1, f.y1) for f in frames.values() if (f.x0, f.y0, f.x1, f.y1) != (0, 0, 1, 1)] + taken

    def overlap(a: tuple, b: tuple) -> float:
        return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))

    best = min(spots, key=lambda p: sum(overlap((p[0], p[1], p[0] + w, p[1] + h), b) for b in boxes))
    return (best[0], best[1], best[0] + w, best[1] + h)


# --------------------------------------------------------------------------------------------------------------
# Naming


def item_tname(scheme: str, it: Items, k: int, tfield: str, primary: bool) -> str:
    names = {"snake": f"{it.label}{k}_{tfield}", "short": f"{it.short}{k}_{tfield}", "concat": f"{it.label}{k}{tfield}",
             "field": f"{tfield}{k}", "pad": f"{tfield}_{k:02d}", "title": f"{it.label.title()} {k} {tfield.title()}"}
    if scheme == "title_primary":
        return f"{it.label.title()} {k}" if primary else names["title"]
    return names[scheme]


def text_name(rng: random.Random, cat: str, s: Slot) -> str:
    w = {"easy": (85, 0, 15, 0), "medium": (20, 30, 50, 0), "hard": (10, 10, 65, 15), "relayout": (20, 30, 50, 0)}
    how = rng.choices(("clear", "syn", "content", "copy"), w[cat])[0]
    if how == "syn" and s.syn:
        return rng.choice(s.syn)
    if how == "copy":
        return f"{rng.choice(s.clear).lower()} copy{rng.choice(['', ' 2', ' 3'])}"
    return s.text[:60] if how == "content" else rng.choice(s.clear)


def footage_name(rng: random.Random, cat: str, s: Slot, used: set[str]) -> tuple[str, str]:
    """(name, kind) of the PSD layer of a single footage slot other than the background."""
    if s.role in ("logo", "sponsor_logo"):
        how = rng.choice({"easy": "clear clear group", "medium": "clear syn group", "hard": "vso vso groupn group shape",
                          "relayout": "clear syn group"}[cat].split())
        if s.role == "sponsor_logo" and how.startswith("group"):
            how = "clear"
        if how == "vso":
            return "Vector Smart Object" + (" copy" if "Vector Smart Object" in used else ""), "smartobject"
        if how in ("groupn", "group"):
            return (f"Group {rng.randint(30, 39)}" if how == "groupn" else "Logo"), "group"
        if how == "shape":
            return f"Shape {rng.randint(2, 14)}", "shape"
        return rng.choice(s.syn if how == "syn" and s.syn else s.clear), "smartobject"
    how = rng.choices(("clear", "syn", "default"), {"easy": (90, 10, 0), "medium": (40, 40, 20),
                                                     "hard": (15, 20, 65), "relayout": (45, 35, 20)}[cat])[0]
    kind = rng.choice(("pixel", "smartobject"))
    if how == "default":
        return (f"Layer {rng.randint(1, 30)}", "pixel") if cat == "hard" and rng.random() < 0.5 else \
            (camera_name(rng), kind)
    return rng.choice(s.syn if how == "syn" else s.clear), kind


def copy_names(rng: random.Random, base: str, n: int) -> list[str]:
    """Photoshop duplicate names, in an order that does not follow the items' order."""
    perm = list(range(n))
    for _ in range(4):
        rng.shuffle(perm)
        if perm != sorted(perm):
            break
    return [base + copy_suffix(p) for p in perm]


def name_items(rng: random.Random, cat: str, it: Items, fields: list[Field], n: int, texts: dict) -> tuple:
    """Per item: its group's name (or None), and per field the items' layer names."""
    gmode = rng.choices(("none", "numbered", "copy", "groupn"), {"easy": (60, 40, 0, 0), "medium": (50, 15, 35, 0),
                                                                 "hard": (35, 0, 40, 25),
                                                                 "relayout": (45, 5, 40, 10)}[cat])[0]
    groups = {"none": [None] * n, "numbered": [f"{it.psd_label} {k + 1}" for k in range(n)],
              "copy": copy_names(rng, rng.choice((it.psd_label, "Card", "Profile", "Block")), n),
              "groupn": [f"Group {g}" for g in rng.sample(range(2, 30), n)]}[gmode]
    text_keys = [f.key for f in fields if f.ttype == "text"]
    primary = texts[text_keys[0]] if text_keys else None
    names: dict[str, list[str]] = {}
    for f in fields:
        base = rng.choice(f.bases)
        if f.ttype == "text":
            how = rng.choices(("numbered", "content", "same", "copy"), {
                "easy": (50, 40, 10, 0), "medium": (0, 40, 25, 35), "hard": (0, 30, 30, 40),
                "relayout": (0, 35, 30, 35)}[cat])[0]
        else:
            how = rng.choices(("numbered", "same", "copy", "layer", "camera", "file"), {
                "easy": (80, 0, 0, 0, 0, 20), "medium": (0, 20, 40, 0, 20, 20), "hard": (0, 15, 30, 30, 25, 0),
                "relayout": (0, 15, 35, 0, 30, 20)}[cat])[0]
            if f.key in ("icon", "crest") and how == "camera":
                how = "vso"
            if how == "file" and (not primary or f.key == "icon"):
                how = "copy"
        if gmode in ("copy", "groupn") and how in ("numbered", "copy", "layer") and rng.random() < 0.7:
            how = "same"  # a duplicated group keeps its children's names
        if how == "numbered":
            names[f.key] = [f"{base} {k + 1}" for k in range(n)]
        elif how == "content":
            names[f.key] = [t[:60] for t in texts[f.key]]
        elif how == "same":
            names[f.key] = [base] * n
        elif how in ("copy", "layer", "vso"):
            names[f.key] = copy_names(rng, {"copy": base, "layer": f"Layer {rng.randint(2, 40)}",
                                            "vso": "Vector Smart Object"}[how], n)
        elif how == "camera":
            names[f.key] = [camera_name(rng) for _ in range(n)]
        else:
            names[f.key] = [slug(t) + rng.choice((".jpg", ".png", "")) for t in primary]
    return groups, names


# --------------------------------------------------------------------------------------------------------------
# One case


def node(name, kind, box, *, text=None, font=None, fs=None, visible=True, opacity=1.0, pri=5.0, key=None,
         children=None) -> dict:
    return {"name": name, "kind": kind, "box": box, "text": text, "font": font, "fs": fs, "visible": visible,
            "opacity": opacity, "pri": pri, "key": key, "children": children}


def union(boxes: list[list[int]]) -> list[int]:
    return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]


def logo_group(rng: random.Random, box: list[int], name: str, key: str) -> dict:
    """A logo drawn as a group: an icon shape and a wordmark (a shape, or sometimes live type)."""
    l, t, r, b = box
    cut, q = round(l + (r - l) * rng.uniform(0.3, 0.45)), (b - t) // 4
    mark = rng.choice(("NORTHGATE", "ACME", "LUMEN"))
    inner = [node("Shape 2", "shape", [cut + 4, t + q, r, b - q]) if rng.random() < 0.65 else
             node(mark, "type", [cut + 4, t + q, r, b - q], text=mark, font="Montserrat-Bold", fs=round(2 * q / 1.2, 1)),
             node("Shape 1", "shape", [l, t, cut, b])]
    return node(name, "group", box, pri=1.0, key=key, children=inner)


def pick_content(rng: random.Random, cat: str, th: Theme, kinds_out: list[str]) -> tuple:
    """Which items (fields, template count, PSD count) and singles a case has, and its kinds of nulls."""
    target, it = rng.randint(5, 10), th.items
    fields, nt = [], 0
    if it is not None:
        fields = list(it.fields)
        ok = [c for c in it.counts if c * len(fields) <= target - 3]
        while not ok and len(fields) > 2:
            fields = fields[:-1]
            ok = [c for c in it.counts if c * len(fields) <= target - 3]
        nt = rng.choice(ok) if ok else min(it.counts)
    nsingle = max(3, target - nt * len(fields))
    rest = list(range(2, len(th.singles)))  # headline and background first, the rest at random
    rng.shuffle(rest)
    chosen = {0, 1, *rest[:max(0, nsingle - 2)]}
    singles = [s for i, s in enumerate(th.singles) if i in chosen]
    bg_mode = rng.choices(("default", "named", "none"), {"easy": (45, 40, 15), "medium": (20, 70, 10),
                                                         "hard": (15, 85, 0), "relayout": (25, 65, 10)}[cat])[0]
    singles = [s for s in singles if s.role != "background"]
    if bg_mode != "none":
        singles.insert(1, next((s for s in th.singles if s.role == "background"), S("background")))
    if rng.random() < P_NULL[cat]:
        avail = ["drop", "drop"] if any(s.role in DROPPABLE for s in singles) else []
        avail += ["sponsor"] if any(s.role == "logo" for s in singles) else []
        avail += ["extra"] if it is not None and it.extra_ok and (nt + 1) * len(fields) <= 8 and nt >= 2 else []
        if avail:
            kinds_out.append(rng.choice(avail))
            left = [k for k in avail if k not in kinds_out]
            if cat == "hard" and left and rng.random() < 0.35:
                kinds_out.append(rng.choice(left))
    n_psd, nt = nt, nt + ("extra" in kinds_out)
    if "sponsor" in kinds_out and not any(s.role == "sponsor_logo" for s in singles):
        singles.append(S("sponsor_logo"))
    if "sponsor" not in kinds_out:
        singles = [s for s in singles if s.role != "sponsor_logo" or rng.random() < 0.6]
    if "sponsor" in kinds_out and "extra" in kinds_out and nt * len(fields) + 4 > 10:
        kinds_out.remove("sponsor")
        singles = [s for s in singles if s.role != "sponsor_logo"]
    keep = {"headline", "background", "quote"} | ({"logo", "sponsor_logo"} if "sponsor" in kinds_out else set())
    while len(singles) + nt * len(fields) > 10 and any(s.role not in keep for s in singles):
        singles.remove([s for s in singles if s.role not in keep][-1])
    if "drop" in kinds_out and not any(s.role in DROPPABLE for s in singles):
        kinds_out.remove("drop")
    return fields, nt, n_psd, singles, bg_mode


def build_case(rng: random.Random, cat: str, th: Theme, nn: int) -> dict:
    relayout = cat == "relayout"
    tw, tht = rng.choice(th.sizes)
    if relayout:
        pw, ph = rng.choice([s for s in LAND + PORT + SQUARE if aclass(*s) != aclass(tw, tht)])
    else:
        f = rng.choice((1, 1, 2))
        pw, ph = tw * f, tht * f
    head_font, body_font = rng.choice(HEAD_FONTS), rng.choice(BODY_FONTS)
    kinds: list[str] = []
    fields, nt, n_psd, singles, bg_mode = pick_content(rng, cat, th, kinds)
    it = th.items

    # ---- slots: the template's placeholders and what the PSD has for them ----------------------------------------
    slots: list[Slot] = []
    used_tnames: set[str] = set()
    for s in singles:
        role = ROLES[s.role]
        tname = rng.choice([n for n in (s.tnames or role.tnames) if n not in used_tnames] or [s.role])
        used_tnames.add(tname)
        slots.append(Slot(s.role, s.role, role.ttype, s.zone or role.zone, role.fs, role.lines, tname,
                          s.sample or role.sample, draw(rng, s.text, 1)[0] if s.text else None,
                          s.clear or role.clear, s.syn or role.syn))
    if "drop" in kinds:
        cands = [s for s in slots if s.role in DROPPABLE]
        pick = next((s for s in cands if s.role == "subhead"), None) if rng.random() < 0.5 else None
        (pick or rng.choice(cands)).null = True
    if "sponsor" in kinds:
        next(s for s in slots if s.role == "sponsor_logo").null = True
    texts: dict[str, list[str]] = {}
    if it is not None:
        scheme = rng.choice(("snake", "short", "concat", "field", "pad", "title", "title_primary"))
        text_keys = [f.key for f in fields if f.ttype == "text"]
        for f in fields:
            if f.ttype == "text":
                same = f.key == text_keys[-1] and len(text_keys) > 1 and rng.random() < it.identical
                texts[f.key] = draw(rng, f.texts, nt)
                texts[f.key] = [texts[f.key][0]] * nt if same else texts[f.key]
        for f in fields:
            tf = rng.choice(f.tfields)
            for k in range(1, nt + 1):
                slots.append(Slot(f"{it.label}{k}.{f.key}", f.key, f.ttype, "item", 0.04, 1,
                                  item_tname(scheme, it, k, tf, f.key == text_keys[0]), f.sample,
                                  texts[f.key][k - 1] if f.ttype == "text" else None, num=k, fld=f.key, null=k > n_psd))
    used: set[str] = set()
    for s in slots:
        if s.role == "background":
            named = bg_mode == "named"
            s.psd_name = rng.choice(BG_NAMES_EASY if cat == "easy" else BG_NAMES) if named else "Background"
            s.psd_kind = rng.choice(("pixel", "smartobject")) if named else "pixel"
        elif s.num is None and not s.null:
            s.psd_name, s.psd_kind = (text_name(rng, cat, s), "type") if s.ttype == "text" else \
                footage_name(rng, cat, s, used)
            used.add(s.psd_name)
    live_text = [s for s in slots if s.num is None and s.ttype == "text" and not s.null]
    if len(live_text) >= 2 and rng.random() < {"easy": 0.1, "medium": 0.5, "hard": 0.5, "relayout": 0.35}[cat]:
        a, b = (live_text[0], live_text[1]) if rng.random() < 0.6 else tuple(rng.sample(live_text, 2))
        a.psd_name = b.psd_name = "Title" if {a.role, b.role} <= {"headline", "subhead"} else \
            rng.choice(("Text", "Info", "Copy"))
    logos = [s for s in slots if s.role in ("logo", "sponsor_logo") and not s.null]
    if len(logos) == 2 and not relayout and rng.random() < 0.4:
        for s in logos:
            s.psd_name, s.psd_kind = "Logo", "smartobject"

    # ---- geometry -------------------------------------------------------------------------------------------------
    special = {"easy": 0.0, "medium": 0.3, "hard": 0.65, "relayout": 0.0}[cat]
    arr, order = choose_arrangement(rng, aclass(tw, tht), nt, special) if it else ("row", "reading")
    tframes = compute_frames(slots, tw, tht, th.mode, arr, order, nt, rng.random() < 0.4)
    if relayout:
        parr, porder = choose_arrangement(rng, aclass(pw, ph), n_psd, 0.0) if it else ("row", "reading")
        pframes = compute_frames(slots, pw, ph, th.mode, parr, porder, n_psd, rng.random() < 0.4)
        pframes = jitter(rng, pframes, [s for s in slots if s.key in pframes], 0.006)
    else:
        pframes = jitter(rng, tframes, slots, 0.008 if cat == "easy" else 0.018)

    # ---- PSD layers -----------------------------------------------------------------------------------------------
    nodes: list[dict] = []
    by_key: dict[str, dict] = {}
    groups, item_names = name_items(rng, cat, it, fields, n_psd, texts) if it else ([], {})
    item_groups: dict[int, dict] = {}
    for s in slots:
        if s.null or s.key not in pframes:
            continue
        fr = pframes[s.key]
        if s.ttype == "text":
            box, fs = fit_text(fr, s.text, pw, ph)
            big = s.role in ("headline", "quote", "price") or (s.num and s.fld == next(iter(texts), None))
            n = node(item_names[s.fld][s.num - 1] if s.num else s.psd_name, "type", box, text=s.text,
                     font=head_font if big else body_font, fs=fs, pri=2.0, key=s.key)
        elif s.role == "background":
            box = px(Frame(*rng.choice(BG_PARTIAL)), pw, ph) if bg_mode == "named" and rng.random() < 0.35 else \
                [0, 0, pw, ph]
            n = node(s.psd_name, s.psd_kind, box, pri=8.0 if bg_mode == "named" else 99.0, key=s.key)
        elif s.num is not None:
            kind = rng.choice(("smartobject", "shape") if s.fld == "icon" else ("pixel", "smartobject"))
            n = node(item_names[s.fld][s.num - 1], kind, px(fr, pw, ph), pri=3.5, key=s.key)
        elif s.psd_kind == "group":
            n = logo_group(rng, px(fr, pw, ph), s.psd_name, s.key)
        else:
            n = node(s.psd_name, s.psd_kind, px(fr, pw, ph), pri={"hero": 4.0, "side": 3.0}.get(s.zone, 1.0), key=s.key)
        by_key[s.key] = n
        if s.num is not None and groups[s.num - 1]:
            if s.num not in item_groups:
                item_groups[s.num] = node(groups[s.num - 1], "group", None, pri=3.0, children=[])
                nodes.append(item_groups[s.num])
            item_groups[s.num]["children"].append(n)
        else:
            nodes.append(n)
    for g in item_groups.values():
        g["children"].sort(key=lambda c: (c["kind"] != "type", c["box"][1]))
        g["box"] = union([c["box"] for c in g["children"]])
    if (bg_mode == "named" and (cat == "hard" or rng.random() < 0.85)) or (bg_mode == "none" and rng.random() < 0.85):
        nodes.append(node("Background", "pixel", [0, 0, pw, ph], pri=99.0))
    add_distractors(rng, cat, th, slots, pframes, by_key, nodes, pw, ph, head_font, bg_mode)

    nodes.sort(key=lambda n: (n["pri"], rng.random()))
    flat = []
    for n in nodes:
        flat += [(n, n["name"], None)] + [(c, f"{n['name']}/{c['name']}", n) for c in n["children"] or []]
    for (n, _, _), i in zip(flat, rng.sample(range(2, 900), len(flat))):
        n["id"] = i
    layers = []
    for n, path, parent in flat:
        d = {"id": n["id"], "name": n["name"], "kind": n["kind"], "bbox": n["box"], "visible": n["visible"],
             "opacity": n["opacity"], "path": path}
        if n["kind"] == "type":
            d.update(text=n["text"], font=n["font"], font_size=n["fs"])
        if parent is not None:
            d["parent_id"] = parent["id"]
        layers.append(d)
    base = f"{th.name}_{cat}_{nn:02d}"
    psd = {"source": f"{base}.psd", "width": pw, "height": ph, "color_mode": "RGB", "depth": 8, "layers": layers}

    # ---- template -------------------------------------------------------------------------------------------------
    maker = TemplateMaker(rng, th.name, nn, by_key)
    comps = [maker.comp("Main", [(s, tframes[s.key]) for s in slots], tw, tht, float(rng.choice((6, 8, 10, 15))))]
    logo = next((s for s in slots if s.role == "logo" and not s.null), None)
    if logo is not None and "logo" in by_key[logo.key]["name"].lower() and th.mode == "top" and rng.random() < 0.5:
        lw = 0.3 * tht / tw * 1.6  # a second composition: the end card
        end = [(replace(logo, tname=rng.choice(("end_logo", "Logo END", "endcard_logo"))),
                Frame(0.5 - lw / 2, 0.28, 0.5 + lw / 2, 0.58))]
        for s in slots:
            if s.role in ("headline", "tagline", "cta", "date", "address", "phone", "website") and \
                    (not s.null or rng.random() < 0.5) and len(end) < 4:
                y = 0.64 + 0.09 * (len(end) - 1)
                end.append((replace(s, tname=f"end_{s.tname.lower().replace(' ', '_')}"),
                            Frame(0.15, y, 0.85, y + 0.07, "center", 0.045, 1)))
        end += [(replace(s, tname="end_" + s.tname.lower().replace(" ", "_")), Frame(0, 0, 1, 1)) for s in slots
                if s.role == "background"]
        if len(end) >= 4:
            comps.append(maker.comp("End Card", end, tw, tht, 4.0))
    return {"category": cat, "theme": th.name, "psd": psd,
            "template": {"source": f"{base}.aepx", "format": "aepx", "compositions": comps}, "expected": maker.expected}


def add_distractors(rng: random.Random, cat: str, th: Theme, slots: list[Slot], pframes: dict, by_key: dict,
                    nodes: list[dict], pw: int, ph: int, font: str, bg_mode: str) -> None:
    """Layers no placeholder takes: labels, adjustments, shapes, hidden old versions, stray bits."""
    count = {"easy": (0, 1), "medium": (1, 2), "hard": (2, 4), "relayout": (1, 3)}[cat]
    picks = [rng.choice(("badge", "adjust", "shape", "hidden_text", "hidden_photo", "stray"))
             for _ in range(rng.randint(*count))]
    if any(s.null and s.ttype == "text" for s in slots):
        picks.insert(0, rng.choice(("badge", "hidden_text")))
    if any(s.null and s.ttype == "footage" for s in slots):
        picks.insert(0, rng.choice(("shape", "stray")))
    pm, taken = min(pw, ph), []
    for what in picks:
        if what == "badge":
            label, fs = rng.choice(th.badges), 0.035 * pm
            spot = free_spot(rng, pframes, (text_width(label, fs) + 4) / pw, fs * 1.2 / ph, taken)
            taken.append(spot)
            nodes.append(node(label, "type", px(Frame(*spot), pw, ph), text=label, font=font, fs=round(fs, 1), pri=0.0,
                              opacity=rng.choice((1.0, 1.0, 0.9))))
        elif what == "adjust":
            nodes.append(node(rng.choice(ADJUSTMENTS), "adjustment", [0, 0, pw, ph], pri=6.0))
        elif what == "shape":
            heads = [by_key[s.key]["box"] for s in slots if s.zone == "head" and s.key in by_key]
            if heads and rng.random() < 0.6:  # a plate behind the headline block
                u, pad = union(heads), round(0.02 * pm)
                nodes.append(node(f"Rectangle {rng.randint(1, 9)}", "shape",
                                  clamp([u[0] - pad, u[1] - pad, u[2] + pad, u[3] + pad], pw, ph), pri=4.5))
            else:
                y = rng.uniform(0.3, 0.88)
                nodes.append(node(f"Line {rng.randint(1, 5)}", "shape", px(Frame(0.05, y, 0.35, y + 0.004), pw, ph),
                                  pri=4.5))
        elif what == "hidden_text":
            cands = [s for s in slots if s.num is None and s.ttype == "text" and s.key in by_key]
            if cands:
                s = rng.choice(cands)
                n = by_key[s.key]
                old = rng.choice((s.text.title() if s.text.isupper() else s.text.upper(), "DRAFT – " + s.text)
                                 + ((s.text + " 2024",) if s.role == "headline" else ()))
                hidden = dict(n, text=old, visible=False, key=None, children=None)
                if n["name"] == s.text[:60]:
                    hidden["name"] = old[:60]
                elif cat == "hard" and rng.random() < 0.6:  # the visible one is the newer duplicate
                    n["name"] += rng.choice((" copy", " copy 2"))
                else:
                    hidden["name"] = n["name"] + rng.choice((" old", " OLD", " v1"))
                nodes.append(hidden)
        elif what == "hidden_photo":
            cands = [s for s in slots if s.zone in ("hero", "side") and s.key in by_key]
            if cands:
                n = by_key[rng.choice(cands).key]
                nodes.append(dict(n, name=camera_name(rng), kind="pixel", visible=False, key=None, children=None))
        else:
            spot = free_spot(rng, pframes, 0.05 * pm / pw, 0.05 * pm / ph, taken)
            taken.append(spot)
            name, kind = rng.choice(((f"Layer {rng.randint(2, 40)}", "pixel"), (f"Ellipse {rng.randint(1, 6)}", "shape"),
                                     (f"Polygon {rng.randint(1, 3)}", "shape")))
            nodes.append(node(name, kind, px(Frame(*spot), pw, ph), pri=0.5))
    if cat == "hard" and bg_mode == "named" and rng.random() < 0.3:
        nodes.append(node(rng.choice(("Grain overlay", "Light Leak", "Dust")), "pixel", [0, 0, pw, ph], opacity=0.2,
                          pri=0.2))


class TemplateMaker:
    """Compositions of the template, with the expected answer for every placeholder."""

    def __init__(self, rng: random.Random, theme: str, nn: int, by_key: dict):
        self.rng, self.theme, self.nn, self.by_key = rng, theme, nn, by_key
        self.user = rng.choice(("mgraphics", "studio", "editor01", "jlee"))
        self.sid, self.expected, self.rate = rng.randint(300, 700), {}, rng.choice((23.976, 25, 29.97, 30, 60))

    def source(self, name: str, box: list[int]) -> dict:
        self.sid += 1
        return {"id": self.sid, "name": name, "width": box[2] - box[0], "height": box[3] - box[1],
                "path": f"/Users/{self.user}/Projects/{self.theme}/(Footage)/{name}", "missing": self.rng.random() < 0.6}

    def comp(self, name: str, entries: list[tuple[Slot, Frame]], wd: int, ht: int, duration: float) -> dict:
        rng, out, full = self.rng, [], [0, 0, wd, ht]
        if rng.random() < 0.3:
            out.append({"name": "Controller", "type": "null"})
        if rng.random() < 0.25:
            out.append({"name": rng.choice(("Color Grade", "Adjustment Layer 1", "Vignette")), "type": "adjustment"})
        for s, fr in [e for e in entries if e[0].ttype == "text"] + [e for e in entries if e[0].ttype == "footage"
                                                                     and e[0].role != "background"]:
            if s.ttype == "text":
                box, fs = fit_text(fr, s.sample, wd, ht)
                out.append({"name": s.tname, "type": "text", "bbox": box, "text": s.sample, "font_size": fs,
                            "font": rng.choice(("Montserrat-Bold", "Roboto-Regular", "ArialMT")), "key": s.key})
            else:
                box = px(fr, wd, ht)
                file = {"logo": "logo.png", "sponsor_logo": "sponsor_logo.png"}.get(
                    s.role, f"{s.tname.lower().replace(' ', '_')}.jpg" if s.num else "placeholder.jpg")
                out.append({"name": s.tname, "type": "footage", "bbox": box, "source": self.source(file, box),
                            "key": s.key})
        if rng.random() < 0.25:
            out.append({"name": rng.choice(("Light Leaks", "Particles", "Transition IN")), "type": "precomp",
                        "bbox": full, "source": {"id": 900 + self.nn, "name": "FX", "kind": "composition",
                                                 "width": wd, "height": ht}})
        if rng.random() < 0.2:
            out.append({"name": "Shape Layer 1", "type": "shape"})
        bgs = [s for s, _ in entries if s.role == "background"]
        for s in bgs:
            file = rng.choice(("background.jpg", "bg_placeholder.png", "backplate.mov"))
            out.append({"name": s.tname, "type": "footage", "bbox": full, "source": self.source(file, full),
                        "key": s.key})
        if not bgs:
            out.append({"name": "BG Solid", "type": "solid", "bbox": full})
        layers = []
        for i, layer in enumerate(out, 1):
            key = layer.pop("key", None)
            if key is not None:
                found = self.by_key.get(key)
                self.expected[f"{name}/{i}"] = found["id"] if found is not None else None
            layers.append({"index": i, **layer})
        return {"name": name, "width": wd, "height": ht, "frame_rate": self.rate, "duration": duration, "layers": layers}


# --------------------------------------------------------------------------------------------------------------
# Validation and entry point


def check(ok: bool, problem: str) -> None:
    if not ok:
        raise ValueError(problem)


def validate(case: dict) -> None:
    """Raise ValueError unless the case reads back and its expected answer is consistent."""
    from jobs.formats.descriptions import PsdDocument, TemplateDocument

    PsdDocument.from_dict(case["psd"])
    TemplateDocument.from_dict(case["template"])
    layers = {layer["id"]: layer for layer in case["psd"]["layers"]}
    check(len(layers) == len(case["psd"]["layers"]), "duplicate PSD ids")
    for i, layer in enumerate(case["psd"]["layers"]):
        if layer["name"] == "Background" and layer["kind"] == "pixel" and layer.get("parent_id") is None:
            check(i == len(layers) - 1, "Photoshop's Background must be the bottom layer")
    keys = set()
    for comp in case["template"]["compositions"]:
        seen: set[int] = set()
        for layer in comp["layers"]:
            if layer["type"] not in TAKES:
                continue
            key = f"{comp['name']}/{layer['index']}"
            keys.add(key)
            check(key in case["expected"], f"no expected entry for {key}")
            want = case["expected"][key]
            if want is None:
                continue
            check(want in layers, f"{key}: unknown id {want}")
            check(layers[want]["kind"] in TAKES[layer["type"]], f"{key}: kind {layers[want]['kind']}")
            check(layers[want]["visible"], f"{key}: hidden layer")
            check(want not in seen, f"{key}: id {want} expected twice")
            seen.add(want)
    check(keys == set(case["expected"]), "expected entries without a placeholder")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "matching_cases_c")
    parser.add_argument("--count", type=int, default=80)
    args = parser.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    args.out.mkdir(parents=True, exist_ok=True)
    for path in sorted(args.out.glob("*.json")):
        path.unlink()
    rng = random.Random(args.seed)
    decks: dict[str, list] = {c: [] for c in CATS}
    stats = {c: [0, 0, 0] for c in CATS}
    for i in range(args.count):
        cat = CATS[i % len(CATS)]
        if not decks[cat]:
            decks[cat] = list(THEMES)
            rng.shuffle(decks[cat])
        stats[cat][0] += 1
        case = build_case(random.Random(rng.randrange(2**32)), cat, decks[cat].pop(), stats[cat][0])
        validate(case)
        name = f"{cat}_{stats[cat][0]:02d}_{case['theme']}.json"
        text = re.sub(r"\[\s+([-\d.,\s]+?)\s+\]", lambda m: "[" + ", ".join(m.group(1).split()).replace(",,", ",") + "]",
                      json.dumps(case, indent=1, ensure_ascii=False))  # number lists on one line
        (args.out / name).write_text(text + "\n", encoding="utf-8")
        stats[cat][1] += len(case["expected"])
        stats[cat][2] += sum(v is None for v in case["expected"].values())
    print(f"{'category':10} {'cases':>5} {'placeholders':>12} {'nulls':>5}")
    for cat in CATS:
        print(f"{cat:10} {stats[cat][0]:5d} {stats[cat][1]:12d} {stats[cat][2]:5d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
