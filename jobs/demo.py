"""The project's own demo inputs: gameday player cards, written by our PSD and .aepx writers.

``python manage.py make_demo_fixtures`` writes them into ``fixtures/``; tests and benchmarks
write them into temporary input roots. Plain Python (no Django), deterministic output.

The PSDs are what a designer hands over: a background, a player cut-out, a team logo, the
player's name, the match-up and the game time as type layers (named after their text, as
Photoshop does), and a hidden leftover layer. The template has one composition with text and
footage placeholders whose names differ from the PSD's (``player1fullname``, ``featuredimage``,
``teamlogo``, ``matchup``, ``gametime``) plus a background solid, as a motion designer builds it.
Its footage points at the template's own folder on the render machines (missing here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image, ImageDraw

from .formats.aepx_writer import CompSpec, FootageLayerSpec, SolidLayerSpec, TextLayerSpec, write_template
from .formats.psd_writer import PixelLayerSpec, TypeLayerSpec, write_psd

WIDTH, HEIGHT = 1200, 1500
TEMPLATE_FOOTAGE = "/Volumes/Templates/gameday"  # where the template's own footage lives


@dataclass(frozen=True)
class Player:
    slug: str
    name: str
    matchup: str
    game_time: str
    colour: tuple[int, int, int]


PLAYERS = (
    Player("avery", "JORDAN AVERY", "THUNDER vs ROCKETS", "SAT 7:30 PM", (234, 88, 12)),
    Player("chen", "MAYA CHEN", "COMETS vs LYNX", "SUN 2:00 PM", (37, 99, 235)),
)


@dataclass(frozen=True)
class DemoInputs:
    psd: Path  # the first player's PSD
    template: Path
    psds: tuple[Path, ...]


def _background(colour) -> Image.Image:
    image = Image.new("RGBA", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    r, g, b = colour
    for y in range(HEIGHT):
        t = y / HEIGHT
        draw.line([(0, y), (WIDTH, y)], fill=(int(r * (1 - t) + 10 * t), int(g * (1 - t) + 10 * t),
                                              int(b * (1 - t) + 30 * t), 255))
    return image


def _cutout(colour) -> Image.Image:
    """A player silhouette: head and shoulders on transparency."""
    image = Image.new("RGBA", (640, 980))
    draw = ImageDraw.Draw(image)
    fill = (min(255, colour[0] + 60), min(255, colour[1] + 60), min(255, colour[2] + 60), 255)
    draw.ellipse((200, 40, 440, 300), fill=fill)
    draw.rounded_rectangle((60, 320, 580, 980), radius=160, fill=fill)
    draw.rectangle((250, 280, 390, 340), fill=fill)
    return image


def _logo(colour) -> Image.Image:
    image = Image.new("RGBA", (260, 260))
    draw = ImageDraw.Draw(image)
    draw.ellipse((0, 0, 259, 259), fill=(255, 255, 255, 255))
    draw.ellipse((24, 24, 235, 235), fill=colour + (255,))
    draw.polygon([(130, 50), (160, 120), (235, 125), (175, 170), (195, 240), (130, 200), (65, 240),
                  (85, 170), (25, 125), (100, 120)], fill=(255, 255, 255, 255))
    return image


def write_player_psd(path: Path, player: Player) -> Path:
    layers = [
        TypeLayerSpec(player.name, font="Futura-Bold", size=72, color=(255, 255, 255), left=80, top=1180),
        TypeLayerSpec(player.matchup, font="Futura-Medium", size=40, color=(255, 255, 255), left=80, top=1290),
        TypeLayerSpec(player.game_time, font="Futura-Medium", size=36, color=(253, 224, 71), left=80, top=1360),
        PixelLayerSpec("Team Logo", _logo(player.colour), left=880, top=60),
        PixelLayerSpec("Player Cutout", _cutout(player.colour), left=280, top=160),
        PixelLayerSpec("old cutout (unused)", _cutout((90, 90, 90)), left=300, top=200, visible=False),
        PixelLayerSpec("Background", _background(player.colour)),
    ]
    return write_psd(path, width=WIDTH, height=HEIGHT, layers=layers, background=(0, 0, 0))


def write_template_file(path: Path, *, all_caps: bool = False, in_points: Mapping[str, float] | None = None) -> Path:
    """The gameday template; ``all_caps`` sets All Caps on its match-up line (a style variant);
    ``in_points`` (layer name → seconds) makes layers start later (a template that changes over time)."""
    comp = CompSpec(
        name="Gameday Card",
        width=WIDTH,
        height=HEIGHT,
        fps=30.0,
        duration=10.0,
        bg_color=(0.05, 0.05, 0.1),
        layers=[
            TextLayerSpec(name="player1fullname", text="PLAYER NAME", font="Futura-Bold", font_size=72,
                          position=(360, 1215)),
            TextLayerSpec(name="matchup", text="HOME vs AWAY", font="Futura-Medium", font_size=40,
                          position=(300, 1310), all_caps=all_caps),
            TextLayerSpec(name="gametime", text="DAY 0:00 PM", font="Futura-Medium", font_size=36,
                          position=(200, 1378)),
            FootageLayerSpec(name="teamlogo", path=f"{TEMPLATE_FOOTAGE}/logo-placeholder.png",
                             width=260, height=260, position=(1010, 190)),
            FootageLayerSpec(name="featuredimage", path=f"{TEMPLATE_FOOTAGE}/player-placeholder.png",
                             width=640, height=980, position=(600, 650)),
            SolidLayerSpec(name="BG Solid", color=(0.1, 0.1, 0.2)),
        ],
    )
    if in_points:
        comp = replace(comp, layers=[replace(layer, in_point=in_points.get(layer.name, layer.in_point))
                                     for layer in comp.layers])
    write_template(path, compositions=[comp])
    return path


def write_demo_inputs(folder: Path) -> DemoInputs:
    """Write the demo PSDs and template into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    psds = tuple(write_player_psd(folder / f"gameday-{p.slug}.psd", p) for p in PLAYERS)
    template = write_template_file(folder / "gameday-card.aepx")
    return DemoInputs(psd=psds[0], template=template, psds=psds)


def batch_csv(rows: list[tuple[str, str, str, str, str]], *, folder: str) -> str:
    """A batch CSV over the demo inputs: rows of (job_id, psd name, client, project, priority)."""
    lines = ["job_id,psd_path,aepx_path,output_name,client_name,project_name,priority,notes"]
    for job_id, psd, client, project, priority in rows:
        lines.append(f"{job_id},{folder}/{psd},{folder}/gameday-card.aepx,{job_id.lower()}_final.aep,"
                     f"{client},{project},{priority},")
    return "\n".join(lines) + "\n"


SAMPLE_ROWS = [
    ("SAMPLE-001", "gameday-avery.psd", "Thunder Sports", "Gameday Week 12", "high"),
    ("SAMPLE-002", "gameday-chen.psd", "Comets FC", "Gameday Week 12", "medium"),
    ("SAMPLE-003", "gameday-avery.psd", "Thunder Sports", "Gameday Week 13", "low"),
]
DEMO_ROWS = [
    ("DEMO-001", "gameday-avery.psd", "Thunder Sports", "Season Launch", "high"),
    ("DEMO-002", "gameday-chen.psd", "Comets FC", "Season Launch", "high"),
    ("DEMO-003", "gameday-avery.psd", "Thunder Sports", "Playoffs", "medium"),
    ("DEMO-004", "gameday-chen.psd", "Comets FC", "Playoffs", "low"),
]


DEMO_FILES = tuple(f"gameday-{p.slug}.psd" for p in PLAYERS) + ("gameday-card.aepx",)


def write_demo_fixtures(root: Path) -> list[Path]:
    """Write ``root/demo/*`` and the sample and demo batch CSVs; return the files written."""
    inputs = write_demo_inputs(root / "demo")
    sample = root / "sample_batch.csv"
    sample.write_text(batch_csv(SAMPLE_ROWS, folder="demo"))
    demo = root / "demo_batch.csv"
    demo.write_text(batch_csv(DEMO_ROWS, folder="demo"))
    return [*inputs.psds, inputs.template, sample, demo]
