"""The explorer's session state: the scenario being edited, the plans solved, the language, cached loaders.

Every page reads and writes the state through :data:`session` (Streamlit's per-browser-tab
``st.session_state``). What lives there:

``scenario``
    The scenario being edited (a :class:`models.Scenario`); ``source_name`` the name it was loaded as;
    ``generation`` counts loads (see :func:`widget_key`).
``results``
    The plans solved, :class:`Solved` by scenario name, in the order solved; ``current`` the one shown.
``job``, ``job_scenario``, ``last_values``, ``solve_error``
    The running solve, the scenario it solves, the values a next solve starts from, and why the last
    solve failed (see :mod:`explorer.solve_panel`).
``language``, ``quick_mode``
    The sidebar's choices.

Resources shared by every session (the solver processes, validated tables, map outlines) are kept once
per server by ``st.cache_resource``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from models import Plan, Scenario
from planner.i18n import Lang, t
from planner.jobs import SolveService, default_workers
from planner.loading import CampaignInputs, load_inputs, load_scenario
from planner.mapview import load_provinces
from planner.network import road_graph, road_refs, road_sections

if TYPE_CHECKING:
    from planner.engine import PlanResult

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "scenarios"
DEFAULT_SCENARIO = SCENARIOS / "burundi_baseline.yaml"

session = st.session_state


@dataclass(frozen=True)
class Solved:
    """A finished solve kept for the pages: the scenario as solved and its result."""

    scenario: Scenario
    result: PlanResult[Plan]

    @property
    def plan(self) -> Plan:
        """The plan of this solve."""
        return self.result.plan


def upload_folder() -> Path:
    """A new folder for one upload, inside this session's own temporary folder.

    The session's folder is a :class:`tempfile.TemporaryDirectory` kept in its state: when Streamlit
    forgets a closed session, its state goes and the folder with it (the object's finalizer removes
    it; and every such folder at the server's exit).
    """
    if "uploads" not in session:
        session.uploads = tempfile.TemporaryDirectory(prefix="explorer-uploads-")
    return Path(tempfile.mkdtemp(prefix="upload-", dir=session.uploads.name))


# ---------------------------------------------------------------------------------------------------
# Resources shared by every session


@st.cache_resource
def solve_service() -> SolveService:
    """One pool of solver processes per server; its workers keep road networks and travel times."""
    return SolveService(workers=default_workers())


@st.cache_resource(max_entries=16)
def inputs_for(scenario_json: str) -> CampaignInputs:
    """The scenario's validated tables, once per scenario version."""
    return load_inputs(Scenario.model_validate_json(scenario_json))


def inputs_of(scenario: Scenario) -> CampaignInputs:
    """The scenario's validated tables (cached)."""
    return inputs_for(scenario.model_dump_json())


@st.cache_resource(max_entries=4)
def provinces_for(path: str) -> Any:
    """Province outlines for the map, once per file."""
    return load_provinces(Path(path))


@st.cache_resource(max_entries=4)
def sections_for(roads: str) -> list[Any]:
    """Closable road sections of a road file, for the closures picker."""
    return road_sections(road_graph(Path(roads)))


@st.cache_resource(max_entries=4)
def refs_for(roads: str) -> list[str]:
    """Road references of a road file, for closing a whole road."""
    return road_refs(road_graph(Path(roads)))


# ---------------------------------------------------------------------------------------------------
# Language


def lang() -> Lang:
    """The language picked in the sidebar."""
    return session.get("language", "en")  # type: ignore[no-any-return]


def _(key: str) -> str:
    """A label in the picked language (named as gettext names it)."""
    return t(key, lang())


def labels() -> Callable[[str], str]:
    """Label keys -> text in the language of this run, for widgets' ``format_func``.

    Bound now rather than read at call time: Streamlit may format options outside the script run.
    """
    language = lang()
    return lambda key: t(key, language)


def widget_key(name: str) -> str:
    """A widget key tied to the loaded scenario and the language.

    Loading another scenario gives fresh widgets that show it; so does switching language, because
    widgets whose options are translated cannot keep a value from the other language.
    """
    return f"{name}_{session.generation}_{lang()}"


# ---------------------------------------------------------------------------------------------------
# The scenario and its plans


def open_default_scenario() -> bool:
    """On a session's first run, open the Burundi baseline; True if this was the first run."""
    if "scenario" in session:
        return False
    load_into_state(DEFAULT_SCENARIO)
    session.results = {}
    session.job = None
    session.last_values = None
    return True


def load_into_state(path: Path) -> None:
    """Make a scenario file the one being edited."""
    scenario = load_scenario(path)
    session.scenario = scenario
    session.source_name = scenario.name
    session.generation = session.get("generation", 0) + 1  # fresh widget keys: widgets show the new scenario


def set_scenario(new: Scenario) -> None:
    """Keep an edited scenario; a variant of a loaded file gets its own name so both can be compared."""
    if new == session.scenario:
        return
    if new.name == session.source_name and new.name in session.results:
        new = new.model_copy(update={"name": f"{new.name}_edited"})
    session.scenario = new


def current() -> Solved | None:
    """The plan picked in the sidebar, if any."""
    name = session.get("current")
    return session.results.get(name) if name else None
