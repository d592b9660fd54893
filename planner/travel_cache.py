"""A disk cache of road graphs and travel matrices, shared by the CLI, the explorer's worker and sweeps.

Two layers, both :class:`joblib.Memory` (pickles of numpy arrays under a hash of the arguments, safe
for several processes at once, already a dependency of scikit-learn and kept by the same people):

- :func:`conditioned_road`: the road file's *content* (SHA-256 of its bytes, not its name or date),
  the road conditions and the places -> the compiled, conditioned graph and each place's node. A hit
  skips loading the GraphML (16 s for a 20,000-node national graph), applying closures and snapping.
- :func:`cached_travel_matrix`: the conditioned graph's arrays (:attr:`RoadArrays.content_hash`) and
  the source and target nodes -> their :class:`~planner.network.TravelMatrix`, with its trees.

The folder is ``$MICROPLANNER_CACHE_DIR``, else ``$XDG_CACHE_HOME/microplanner``, else
``~/.cache/microplanner``. A folder that cannot be written is no error: everything is computed.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import joblib
import osmnx as ox

from models import Network
from planner import network, roads
from planner.network import (
    RoadArrays,
    TravelMatrix,
    apply_road_conditions,
    road_arrays,
    road_graph,
    snap_places,
    travel_matrix,
)

#: Environment variable naming the cache folder.
CACHE_DIR_ENV = "MICROPLANNER_CACHE_DIR"
#: Bumped whenever what a cached function returns changes shape: old entries are then ignored.
CACHE_VERSION = 2


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """What cached results depend on besides their inputs, as one key part.

    This cache's version, osmnx's version and the source of :mod:`planner.network` and
    :mod:`planner.roads` (speeds, road conditions, shortest paths): a change to any of them misses the
    old entries instead of serving stale travel times.
    """
    source = Path(network.__file__).read_bytes() + Path(roads.__file__).read_bytes()
    return f"{CACHE_VERSION}-{ox.__version__}-{hashlib.sha256(source).hexdigest()[:16]}"


Result = TypeVar("Result")


def cache_dir() -> Path:
    """The cache folder: ``$MICROPLANNER_CACHE_DIR``, else the user's cache folder."""
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    user_cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(user_cache) / "microplanner"


def _memory() -> joblib.Memory | None:
    """A joblib cache in :func:`cache_dir`, or ``None`` where that folder cannot be written."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError:
        return None
    return joblib.Memory(folder, verbose=0)


def _through_cache(function: Callable[..., Result], ignore: list[str], **arguments: Any) -> Result:
    """``function(**arguments)`` from the disk cache where there is one, else computed."""
    memory = _memory()
    if memory is None:
        return function(**arguments)
    cached = memory.cache(function, ignore=ignore)
    try:
        with warnings.catch_warnings():
            # joblib warns (and computes) when an entry cannot be read or written: the answer is the same.
            warnings.simplefilter("ignore")
            result: Result = cached(**arguments)
    except OSError:
        return function(**arguments)
    return result


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _condition_and_snap(
    roads: Path,
    content: str,
    version: str,
    network_json: str,
    places: Mapping[str, tuple[float, float]],
    scenario_file: str,
    areas: list[str],
) -> tuple[dict[str, int], dict[str, float], RoadArrays]:
    # ``areas``: the closed areas' content, so that a file edited in place misses the cache.
    network = Network.model_validate_json(network_json)
    graph = apply_road_conditions(road_graph(roads), network, scenario_file)
    nodes, distances_m = snap_places(graph, places)
    return nodes, distances_m, road_arrays(graph)


def conditioned_road(
    roads: Path,
    network_json: str,
    places: Mapping[str, tuple[float, float]],
    scenario_file: str = "scenario",
    areas: Sequence[Path] = (),
) -> tuple[dict[str, int], dict[str, float], RoadArrays]:
    """Each place's node and its distance (m), and the road graph compiled under ``network_json``'s roads.

    Keyed by the road file's content, the conditions and the places (ids and coordinates); errors
    (unknown closures) are raised every time, never cached.

    Raises
    ------
    InputError
        If a closure is unknown.
    """
    return _through_cache(
        _condition_and_snap,
        ["roads", "scenario_file"],
        roads=roads,
        content=file_sha256(roads),
        version=code_version(),
        network_json=network_json,
        areas=[file_sha256(area) if area.is_file() else "" for area in areas],
        places=dict(places),
        scenario_file=scenario_file,
    )


def _travel_matrix(
    road: RoadArrays,
    road_hash: str,
    version: str,
    source_nodes: Mapping[str, int],
    target_nodes: Mapping[str, int],
) -> TravelMatrix:
    return travel_matrix(road, source_nodes, target_nodes, with_paths=True)


def cached_travel_matrix(
    road: RoadArrays, source_nodes: Mapping[str, int], target_nodes: Mapping[str, int]
) -> TravelMatrix:
    """:func:`~planner.network.travel_matrix` with paths, keyed by the graph's arrays and the nodes."""
    return _through_cache(
        _travel_matrix,
        ["road"],
        road=road,
        road_hash=road.content_hash,
        version=code_version(),
        source_nodes=dict(source_nodes),
        target_nodes=dict(target_nodes),
    )
