"""The matcher's vocabulary: the word tables layer names and texts are read with.

The synonym table (``_CONCEPTS``: canonical concept -> words for it), opposite qualifiers
(home/away, was/now, ...), weak, noise and generic words, and the word lists that tell a
person's name, a team, a place, a job title or a call to action from other text; the month and
weekday patterns; and the tables derived from them (word -> concept, the whole vocabulary that
glued names are split into).

Data only (and ``re``): every other module of the package reads these tables.
"""

from __future__ import annotations

import re

#: Synonym table: canonical concept -> words that mean it in layer names.
_CONCEPTS: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "heading", "header", "hed", "maintitle"),
    "subtitle": (
        "subtitle", "subhead", "subheadline", "subheading", "tagline", "strapline", "dek",
        "kicker", "slogan", "sub",
    ),
    "body": (
        "body", "description", "desc", "details", "detail", "info", "paragraph", "blurb",
        "caption", "bio", "story", "message", "msg", "content", "summary", "ticker", "crawl",
    ),
    "quote": ("quote", "testimonial", "quotation", "saying", "review"),
    "legal": ("legal", "disclaimer", "terms", "copyright", "fineprint", "smallprint"),
    "rating": ("rating", "ratings", "stars", "reviews"),
    "author": ("author", "attribution", "byline", "credit", "quotee", "cite", "by"),
    "name": (
        "name", "fullname", "player", "athlete", "person", "speaker", "presenter", "host",
        "guest", "performer", "agent", "realtor", "instructor", "coach", "firstname",
        "lastname", "surname", "who", "mvp", "honoree", "member", "people", "panelist",
        "panellist", "talent", "star", "artist", "dj", "names", "players", "speakers", "headliner",
        "act", "band", "nominee", "nominees", "finalist", "winner", "candidate", "contestant",
    ),
    "image": (
        "image", "photo", "picture", "pic", "img", "photograph", "shot", "cutout", "headshot",
        "portrait", "hero", "visual", "still", "media", "thumbnail", "thumb", "packshot",
        "imagery", "images", "photos", "pics", "render", "mugshot", "face", "avatar",
        "snapshot", "gallery", "mockup", "mock", "screenshot", "screengrab",
    ),
    "logo": (
        "logo", "brand", "brandmark", "crest", "emblem", "wordmark", "logotype", "seal",
        "monogram", "logos", "branding",
    ),
    "cta": ("cta", "button", "btn", "action", "calltoaction"),
    "background": (
        "bg", "background", "backdrop", "bkg", "bgd", "bkgd", "backplate", "texture",
        "wallpaper", "bgimage", "textures",
    ),
    "price": ("price", "cost", "amount", "fee", "pricing", "rate", "prices", "msrp"),
    "date": ("date", "day", "when", "dates", "weekday", "month"),
    "time": ("time", "kickoff", "tipoff", "doors", "hour", "hours", "clock", "start", "starts"),
    "location": (
        "location", "venue", "place", "where", "stadium", "arena", "city", "town", "loc",
        "ground", "field", "court", "hall", "theater", "theatre",
    ),
    "address": ("address", "street", "addr"),
    "team": ("team", "club", "squad", "franchise", "school", "teams"),
    "score": ("score", "result", "points", "pts", "goals", "scores", "tally"),
    "number": ("number", "num", "jersey", "shirt", "nbr", "no", "nr"),
    "role": ("role", "position", "pos", "job", "jobtitle", "occupation", "designation"),
    "phone": ("phone", "tel", "telephone", "mobile", "cell", "contact"),
    "url": ("url", "website", "web", "site", "link", "www", "domain", "weblink"),
    "email": ("email", "mail"),
    "social": ("handle", "instagram", "insta", "ig", "twitter", "social", "tiktok", "hashtag"),
    "discount": (
        "discount", "off", "sale", "save", "savings", "percent", "deal", "offer", "percentage",
    ),
    "code": ("code", "coupon", "promocode", "voucher"),
    "product": ("product", "item", "merch", "merchandise", "sku", "goods"),
    "sponsor": ("sponsor", "partner", "presented", "sponsored", "sponsors", "partners"),
    "event": ("event", "show", "concert", "gig", "festival", "tour", "episode", "match", "game"),
    "beds": ("beds", "bed", "bedrooms", "bedroom", "br", "bd"),
    "baths": ("baths", "bath", "bathrooms", "bathroom", "ba"),
    "area": ("sqft", "sq", "ft", "area", "squarefeet", "sqm", "size"),
    "stats": ("stat", "stats", "statistic", "statistics", "average", "ppg", "record"),
    "ticket": ("ticket", "tickets", "admission", "entry"),
    "dish": ("dish", "meal", "menu", "food", "plate", "special", "recipe"),
    "property": ("property", "house", "listing", "exterior", "interior", "room"),
    "home": ("home", "hometeam"),
    "away": ("away", "opponent", "opp", "visitor", "visitors", "visiting", "rival", "opposition"),
}

#: Qualifiers that contradict each other: a "home logo" is not an "away logo".
_OPPOSITES: tuple[tuple[frozenset[str], frozenset[str]], ...] = (
    (frozenset({"home", "host", "hometeam"}),
     frozenset({"away", "visitor", "visitors", "visiting", "opponent", "opp", "rival", "guest"})),
    (frozenset({"was", "old", "original", "regular", "compare", "before", "rrp", "list"}),
     frozenset({"now", "new", "sale", "after", "current", "special"})),
    (frozenset({"left", "l"}), frozenset({"right", "r"})),
    (frozenset({"top", "upper"}), frozenset({"bottom", "lower"})),
    (frozenset({"first"}), frozenset({"last", "second"})),
)

#: Words that qualify more than they identify: they count less in name similarity.
_WEAK_WORDS = frozenset(
    {
        "main", "primary", "secondary", "big", "large", "small", "top", "bottom", "left",
        "right", "center", "centre", "new", "final", "my", "the", "of", "and", "for", "full",
        "featured", "feature", "hero", "current", "upper", "lower", "alt", "mini", "short",
        "long", "line", "box", "card", "info", "detail", "details", "label", "overlay", "hi",
        "res", "version", "edit", "v", "ae", "comp", "lt", "l3", "texture", "textures",
        "l", "r",
    }
)

#: Words that carry no meaning in a layer name.
_NOISE_WORDS = frozenset(
    {
        "text", "txt", "tx", "layer", "lyr", "placeholder", "ph", "replace", "rep", "edit",
        "editable", "here", "your", "goes", "insert", "enter", "copy", "the", "a", "an", "of",
        "precomp", "pre", "src", "source", "tmp", "temp", "dummy", "sample", "lorem", "ipsum",
        "xxx", "xx", "change", "this", "put", "add", "type", "field", "ae", "psd", "png",
        "jpg", "jpeg", "tif", "tiff", "mov", "mp4", "file",
    }
)

#: Photoshop's default layer names ("Layer 3", "Rectangle 1 copy", "Group 2"): no meaning.
_GENERIC_WORDS = frozenset(
    {
        "layer", "group", "shape", "rectangle", "rect", "ellipse", "polygon", "line", "path",
        "vector", "smart", "object", "color", "colour", "fill", "gradient", "pattern",
        "artboard", "untitled", "frame", "copy", "rounded", "star", "custom", "merged",
        "stamp", "solid", "adjustment", "null", "new", "clipping", "mask", "effects",
    }
)

_EXTENSIONS = re.compile(
    r"\.(png|jpe?g|psd|psb|tiff?|ai|eps|svg|mov|mp4|gif|webp|heic|pdf|exr|dpx|bmp)$", re.I
)

#: First names, for telling a person's name from other short capitalised text.
_FIRST_NAMES = frozenset(
    """
    aaron abby abigail adam adrian aiden alan albert alex alexa alexander alexis alice alicia
    alison amanda amber amelia amy ana andrea andrew andy angela anna anne anthony antonio
    april aria ariana arthur ashley aubrey audrey austin ava avery bailey barbara beatrice
    bella ben benjamin beth bethany bill billy blake bob bobby brad bradley brandon brenda
    brian brianna brittany brooke bruce bryan caleb cameron camila carl carla carlos carmen
    carol caroline carter casey catherine cecilia charles charlie charlotte chase chelsea
    chloe chris christian christina christine christopher claire clara cody cole colin connor
    cooper courtney craig crystal cynthia daisy dakota dale damian dan daniel daniela danielle
    danny david dean deborah dennis derek destiny devin diana diane diego dominic donald donna
    dorothy douglas dylan eddie edward elena eli elijah elisa eliza elizabeth ella ellie
    eloise emily emma eric erica erin ethan eva evan evelyn faith felix fernando fiona frances
    francesco frank gabriel gabriella gary gavin george georgia gerald gina grace grant greg
    gregory hailey haley hannah harold harper harry hayden heather helen henry holly hudson
    hunter ian isaac isabel isabella isaiah ivan jack jackson jacob jade jake james jamie jane
    janet jared jasmine jason javier jayden jeff jeffrey jenna jennifer jeremy jerry jesse
    jessica jesus jill jim jimmy joan joe joel john johnny jon jonathan jordan jorge jose
    joseph josh joshua joy juan judith julia julian julie justin kaitlyn karen kate katherine
    kathleen kathryn katie kayla keith kelly kenneth kevin kim kimberly kyle laura lauren
    layla leah leo leon liam lily linda lisa logan louis louise lucas lucia lucy luis luke
    luna lydia madison maria mariah marie marco mark martin mary mason matthew maya megan
    melissa mia michael michelle miguel mila miles molly morgan nancy naomi natalie nathan
    nathaniel nicholas nicole noah nora olivia oliver omar oscar owen paige pamela patricia
    patrick paul paula peter philip rachel rafael ralph raymond rebecca riley robert robin
    roger ronald rose ruby russell ruth ryan sabrina sadie samantha samuel sandra sara sarah
    scarlett scott sean sebastian serena seth sharon sofia sophia sophie stella stephanie
    stephen steven susan sydney tanya taylor teresa theo theodore thomas tiffany timothy tina
    todd tom tony travis trevor tristan troy tyler valentina vanessa victor victoria vincent
    violet walter wayne william wyatt xavier yasmin zachary zoe zion marcus darius jamal
    malik andre tyrone deshawn keisha aaliyah imani kwame kofi amara chidi ngozi wei li
    mei chen hiroshi yuki kenji sakura priya raj arjun anil sanjay deepa aisha fatima ahmed
    mohammed ali hassan omar leila yusuf ivan olga dmitri sergei anya katya pierre camille
    lucien margot hans klaus greta lars ingrid sven astrid mateo santiago valeria ximena
    marta pablo lorenzo giulia matteo alessandro chiara siobhan declan niamh cormac aoife
    """.split()
)

#: Words in team names (mascots and club suffixes).
_TEAM_WORDS = frozenset(
    """
    eagles tigers lions bears wolves hawks falcons panthers bulldogs wildcats knights warriors
    titans spartans trojans vikings pirates raiders rams broncos mustangs chargers rockets
    comets storm thunder lightning hurricanes cyclones sharks dolphins jets giants kings royals
    cardinals orioles cubs sox dodgers united fc sc afc athletic athletics rovers wanderers
    rangers celtic hornets bees jaguars cougars lynx foxes owls ravens seahawks gators longhorns
    ducks beavers badgers wolverines buckeyes huskies bobcats grizzlies pumas stallions colts
    patriots saints packers steelers bengals browns texans titans vipers cobras dragons
    phoenix suns heat magic nets bucks bulls pistons pacers pelicans spurs rockets jazz
    nuggets blazers clippers lakers warriors mavericks timberwolves thunder knicks celtics
    raptors wizards hawks flames oilers canucks senators canadiens bruins capitals penguins
    flyers islanders devils sabres blackhawks predators avalanche blues coyotes kraken
    wolfpack crusaders gladiators monarchs sentinels generals marauders hurricanes rebels
    bombers blizzard icemen express fury surge blaze force city rovers albion hotspur wednesday
    county academy tech state varsity juniors seniors
    """.split()
)

#: Words that make a club's name whatever else it holds.
_CLUB_WORDS = frozenset({"fc", "afc", "sc", "cf", "united", "athletic", "rovers", "wanderers", "hotspur"})

#: Words naming a place (a venue, not a person).
_PLACE_WORDS = frozenset(
    """
    stadium arena field park center centre hall theatre theater ballroom pavilion gardens
    garden dome coliseum colosseum room lounge bar cafe venue court gym gymnasium
    fieldhouse complex club auditorium amphitheater amphitheatre square plaza pier beach
    church cathedral museum gallery library hotel resort studio studios warehouse grounds
    ground track rink ballpark speedway campus school university college terrace rooftop
    """.split()
)

#: Words of job titles and sports positions.
_ROLE_WORDS = frozenset(
    """
    ceo cto cfo coo cmo founder cofounder director manager coach chief president vp designer
    engineer developer editor producer author poet meteorologist anchor reporter analyst
    captain realtor broker chef owner instructor trainer specialist officer professor dr
    doctor nurse teacher principal curator writer correspondent economist scientist
    researcher consultant architect photographer intern associate assistant coordinator
    strategist executive chairman chairwoman chairperson commissioner mayor governor senator
    secretary treasurer composer singer songwriter drummer guitarist bassist comedian actor
    actress dancer
    """.split()
)

#: Sports positions: a job title only when they are (nearly) all the text ("POINT GUARD").
_POSITION_WORDS = frozenset(
    """
    forward guard midfielder striker goalkeeper keeper defender quarterback pitcher catcher
    winger center centre linebacker receiver cornerback safety point shooting power small
    running back tight end left right wing
    """.split()
)

#: Verbs that start a call to action.
_CTA_VERBS = frozenset(
    """
    shop buy order book get learn sign join register subscribe watch listen download apply
    call visit reserve swipe tap click discover explore start try claim grab see find follow
    stream rsvp donate enroll enrol view read play tune
    """.split()
)

#: One-word stickers on a design ("NEW", "LIVE"): badges, not headlines or subheads.
_BADGE_WORDS = frozenset(
    """
    new hot live sale free now soon top best vip gg wow hd 4k exclusive limited sold open
    only deal promo beta pro plus lite bonus gift premiere tonight
    """.split()
)

#: Common words of short graphic text that are not people's names.
_COMMON_WORDS = frozenset(
    """
    the a an and or of in on at to for with from by vs versus new now just listed sold open
    house game day night week weekend season final finals round match live tonight today
    tomorrow summer winter spring fall autumn sale off free big grand opening special edition
    limited time only best all our your my we us you it is are be this that here there more
    less up down out over under next last first second third home away welcome back coming
    soon save the date join celebrate happy birthday anniversary thank thanks love life good
    great amazing top hot deals deal offer exclusive premium luxury modern classic fresh
    starting lineup line roster players team series championship cup league division conference
    playoffs playoff semi quarter semifinal quarterfinal tournament derby rivalry showdown
    kickoff tipoff world tour festival concert music jazz rock night party gala dinner lunch
    brunch breakfast menu chef table kitchen collection arrivals arrival black friday cyber
    monday holiday christmas easter halloween valentine clearance event events hiring were
    we're now hiring careers job jobs position apply today more info details learn story
    player of the month year mvp stats results score scores recap highlights preview breaking
    news update alert weather forecast edition issue episode podcast live show studio
    """.split()
)

_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|"
    "july|august|september|october|november|december"
)
_WEEKDAYS = (
    "mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|"
    "saturday|sunday"
)
_RELATIVE_DAYS = "tonight|today|tomorrow|tonights|todays"
#: Named days that are events rather than dates.
_DAY_EVENTS = re.compile(r"\b(black friday|cyber monday|good friday|super sunday|super bowl sunday)\b")

#: Concept of each word of the synonym table.
_WORD_TO_CONCEPT: dict[str, str] = {w: c for c, words in _CONCEPTS.items() for w in words}

_OPPOSITE_WORDS = frozenset(w for pair in _OPPOSITES for side in pair for w in side)

#: Every word the matcher knows: glued tokens are split into these.
_VOCABULARY = frozenset(
    set(_WORD_TO_CONCEPT)
    | _WEAK_WORDS
    | _NOISE_WORDS
    | _GENERIC_WORDS
    | _OPPOSITE_WORDS
    | {
        "full", "first", "last", "main", "call", "to", "action", "featured", "team", "home",
        "away", "game", "day", "night", "event", "player", "speaker", "photo", "name", "image",
        "logo", "title", "date", "time", "price", "old", "new", "was", "now", "sale", "top",
        "bottom", "lower", "third", "thirds", "head", "line", "sub", "product", "shot", "pack",
        "square", "feet", "job", "promo", "ticket", "web", "site", "sponsor", "partner", "key",
        "art", "cover", "poster", "flyer", "banner", "card", "badge", "sticker", "icon", "box",
        "frame", "strip", "bar", "panel", "side", "front", "secondary", "group",
        "agent", "brand", "big", "small", "alt", "mini", "hi", "res", "open", "opening",
        "kick", "off", "tip", "start", "end", "ends", "expiry", "expires", "valid", "until",
        "deadline", "offer", "coach", "host", "guest", "co", "cast", "crew", "list",
        "opponent", "visitor", "quote", "author", "role", "stat", "number", "jersey", "shirt",
        "season", "record", "venue", "city", "state", "country", "zip", "postcode", "info",
    }
)
