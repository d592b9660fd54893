"""The bad-input corpus (tests/data/bad_inputs, :mod:`bad_inputs`) through the command line and the
explorer's upload path: every case is refused with exit 2 and the message it must give, no traceback,
nothing written; an upload of the same file is refused with the same words and leaves the scenario as
it was.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from models import Scenario
from planner.cli import app
from planner.edits import checked_uploads
from planner.errors import InputError
from planner.loading import load_scenario

from bad_inputs import CORPUS, BadInput, bad_inputs, case_scenario

CASES = bad_inputs()
runner = CliRunner()


def shown(text: str, folder: Path) -> str:
    """Output with the case's folder written as the corpus writes it (``run`` and file names alone)."""
    return text.replace(f"{folder}/", "").replace(str(folder), "run")


def test_the_corpus_has_sixty_cases_or_more_each_with_its_file_and_message() -> None:
    assert len(CASES) >= 60
    assert len({case.file for case in CASES}) == len(CASES)
    for case in CASES:
        assert case.path.is_file(), case.file
        assert case.expect, f"{case.file}: no message to expect"
    assert {p.name for p in (CORPUS / "cases").iterdir()} == {case.file for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=[case.file for case in CASES])
def test_a_bad_input_is_refused_by_name(case: BadInput, tmp_path: Path) -> None:
    folder = tmp_path / "run"
    scenario = case_scenario(case, folder)
    result = runner.invoke(app, ["validate", str(scenario)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    for line in case.expect:
        assert line in shown(result.stderr, folder), f"{case.what}: {line!r} not in\n{result.stderr}"
    out = tmp_path / "plan"
    solved = runner.invoke(app, ["solve", str(scenario), "--out", str(out)])
    assert solved.exit_code == 2 and case.expect[0] in shown(solved.stderr, folder)
    assert not out.exists()


UPLOADS = [case for case in CASES if case.replaces != "scenario"]


@pytest.mark.parametrize("case", UPLOADS, ids=[case.file for case in UPLOADS])
def test_an_upload_of_a_bad_file_is_refused_with_the_same_words(case: BadInput, tmp_path: Path) -> None:
    """The explorer's upload path (:func:`planner.edits.checked_uploads`) on the corpus's files."""
    base = load_scenario(case_scenario(BadInput("", "scenario", "", ()), tmp_path / "run"))
    before = base.model_dump()
    uploads = {case.replaces: (case.file, case.path.read_bytes())}
    with pytest.raises(InputError) as caught:
        checked_uploads(base, uploads, tmp_path / "upload")
    text = str(caught.value)
    for line in case.expect:
        # The file is named as uploaded; a row number and the words are the command line's.
        assert re.sub(r"^run\b", "", line) in text or line.split(": ", 1)[-1] in text, text
    assert str(tmp_path) not in text, "a server path in a message the explorer shows"
    assert base.model_dump() == before
    assert isinstance(base, Scenario)
