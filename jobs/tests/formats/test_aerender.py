"""Tests of jobs.formats.aerender: aerender argv lists and their display quoting."""

from __future__ import annotations

import shlex

import pytest

from jobs.formats.aerender import aerender_command, aerender_script_command, shell_quote

AERENDER = "/Applications/Adobe After Effects 2024/aerender"

# Flags of aerender (Adobe's "Automated rendering and network rendering" page, `aerender -help`)
# plus -r from nexrender's patched commandLineRenderer.jsx.
KNOWN_FLAGS = {
    "-help", "-version", "-v", "-reuse", "-mem_usage", "-project", "-teamproject", "-comp", "-rqindex",
    "-RStemplate", "-OMtemplate", "-output", "-log", "-s", "-e", "-i", "-sound", "-close", "-mp", "-mfr",
    "-continueOnMissingFootage", "-r",
}


def test_render_command_has_the_documented_flags_in_pairs():
    argv = aerender_command(
        aerender_path=AERENDER,
        project_path="Z:\\jobs\\out\\test001_final.aep",
        composition="Split Screen",
        output_path="Z:\\renders\\test001.mov",
        render_settings="Best Settings",
        output_module="Lossless",
    )
    assert argv == [
        AERENDER,
        "-project", "Z:\\jobs\\out\\test001_final.aep",
        "-comp", "Split Screen",
        "-RStemplate", "Best Settings",
        "-OMtemplate", "Lossless",
        "-output", "Z:\\renders\\test001.mov",
    ]


def test_every_option_and_switch():
    argv = aerender_command(
        aerender_path="aerender", project_path="/p.aep", composition="Main", script_path="/s.jsx",
        log_path="/r.log", start_frame=0, end_frame=10, increment=2, verbose="ERRORS", close="DO_NOT_CLOSE",
        reuse=True, continue_on_missing_footage=True, extra=("-mfr", "ON", "90"),
    )
    assert argv == [
        "aerender", "-project", "/p.aep", "-r", "/s.jsx", "-comp", "Main", "-s", "0", "-e", "10", "-i", "2",
        "-log", "/r.log", "-v", "ERRORS", "-close", "DO_NOT_CLOSE", "-reuse", "-continueOnMissingFootage",
        "-mfr", "ON", "90",
    ]
    assert {arg for arg in argv if arg.startswith("-")} <= KNOWN_FLAGS


def test_script_command_uses_r_and_may_leave_the_project_to_the_script():
    assert aerender_script_command(aerender_path="aerender", script_path="C:\\jobs\\populate.jsx") == [
        "aerender", "-r", "C:\\jobs\\populate.jsx"]
    argv = aerender_script_command(aerender_path="aerender", script_path="/s.jsx", project_path="/t.aep",
                                   log_path="/l.log")
    assert argv == ["aerender", "-project", "/t.aep", "-r", "/s.jsx", "-log", "/l.log"]


@pytest.mark.parametrize("option", ["output_path", "render_settings", "output_module", "start_frame", "end_frame"])
def test_options_aerender_ignores_without_a_composition_are_refused(option):
    value = 1 if option.endswith("frame") else "x"
    with pytest.raises(ValueError, match="need a composition"):
        aerender_command(aerender_path="aerender", project_path="/p.aep", **{option: value})


def test_a_project_or_a_script_is_required():
    with pytest.raises(ValueError, match="project_path is required"):
        aerender_command(aerender_path="aerender", project_path=None, composition="Main")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"composition": '"Main"'}, "strip its enclosing quotes"),
        ({"composition": "Ma\x00in"}, "NUL"),
        ({"composition": ""}, "must not be empty"),
        ({"composition": "Main", "start_frame": 5, "end_frame": 1}, "after end_frame"),
        ({"composition": "Main", "start_frame": -1}, "non-negative"),
        ({"composition": "Main", "start_frame": True}, "non-negative"),
        ({"composition": "Main", "increment": 101}, "between 1 and 100"),
        ({"verbose": "LOUD"}, "verbose must be"),
        ({"close": "SAVE"}, "close must be"),
        ({"extra": ("-sound", 1)}, "strings"),
    ],
)
def test_bad_values_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        aerender_command(aerender_path="aerender", project_path="/p.aep", **kwargs)


def test_values_are_passed_as_single_arguments_whatever_they_hold():
    name = "Main; rm -rf / && echo $HOME `x` 'q' \"d\" \n \u05e2\u05d1\u05e8\u05d9\u05ea"
    argv = aerender_command(aerender_path="aerender", project_path="/p q.aep", composition=name)
    assert argv[argv.index("-comp") + 1] == name


def test_shell_quote_posix_round_trips():
    argv = [AERENDER, "-comp", "a b", "it's", "$HOME", "x;y", "new\nline", "\u00fc\U0001F600", ""]
    assert shlex.split(shell_quote(argv)) == argv


def test_shell_quote_windows_follows_the_ms_c_runtime_rules():
    argv = ["C:\\Program Files\\Adobe\\aerender.exe", "-comp", "Split Screen", 'say "hi"', "C:\\out dir\\"]
    assert shell_quote(argv, windows=True) == (
        '"C:\\Program Files\\Adobe\\aerender.exe" -comp "Split Screen" "say \\"hi\\"" "C:\\out dir\\\\"'
    )
