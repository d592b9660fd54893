"""The disk cache of travel matrices: hits across runs, misses when roads, conditions or places change.

Each test points the cache at a folder of its own (the session's folder, from conftest, is never the
user's), and forgets the in-process memo of :func:`planner.pipeline.place_travel`, as a new run would.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from planner import pipeline, travel_cache
from planner.errors import InputError
from planner.loading import load_inputs, load_scenario
from planner.network import LazyTravelMatrix

#: hq -- a -- b on one road, 1 km apart at 60 km/h (60 s a leg).
NEAR = [("hq", 0.0), ("a", 0.009), ("b", 0.018)]
EDGES = [("hq", "a", 1.0, 60.0), ("a", "b", 1.0, 60.0)]


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Counter[str]:
    """Counts of the computations behind the cache, in a cache folder of this test."""
    monkeypatch.setenv(travel_cache.CACHE_DIR_ENV, str(tmp_path / "cache"))
    counts: Counter[str] = Counter()
    for name in ("apply_road_conditions", "travel_matrix"):
        original: Callable[..., Any] = getattr(travel_cache, name)

        def counted(
            *args: Any, _name: str = name, _original: Callable[..., Any] = original, **kw: Any
        ) -> Any:
            counts[_name] += 1
            return _original(*args, **kw)

        monkeypatch.setattr(travel_cache, name, counted)
    return counts


def tiny(instance: Callable[..., Path], **changes: Any) -> Path:
    """hq (store and base) with sites a and b, with ``changes`` to the instance's arguments."""
    arguments: dict[str, Any] = {
        "nodes": NEAR,
        "edges": EDGES,
        "sites": [{"site_id": "a", "population": 100}, {"site_id": "b", "population": 100}],
        "stores": [{"store_id": "hq"}],
        "stock": [("hq", "X", 1000)],
        "pools": [{"pool_id": "p", "base_id": "hq"}],
    }
    return instance(**{**arguments, **changes})


def travel(path: Path) -> LazyTravelMatrix:
    """A new run's travel between places (the in-process memo forgotten)."""
    pipeline._TRAVEL_CACHE.clear()
    return pipeline.place_travel(load_inputs(load_scenario(path)))[1]


def test_a_second_run_is_served_from_the_cache(instance: Callable[..., Path], computed: Counter[str]) -> None:
    first = travel(tiny(instance))
    assert computed == {"apply_road_conditions": 1, "travel_matrix": 1}
    second = travel(tiny(instance))  # another folder, the same content
    assert computed == {"apply_road_conditions": 1, "travel_matrix": 1}
    assert second.time_s("hq", "b") == first.time_s("hq", "b") == pytest.approx(120.0)
    assert second.path("hq", "b") == first.path("hq", "b") == ((0.0, 0.0), (0.009, 0.0), (0.018, 0.0))
    assert any(travel_cache.cache_dir().rglob("output.pkl"))


def test_changed_roads_conditions_or_places_miss_the_cache(
    instance: Callable[..., Path], computed: Counter[str]
) -> None:
    base = travel(tiny(instance))
    slower = travel(tiny(instance, edges=[("hq", "a", 1.0, 30.0), ("a", "b", 1.0, 60.0)]))
    assert slower.time_s("hq", "b") == pytest.approx(180.0) != base.time_s("hq", "b")
    rainy = travel(tiny(instance, extra={"network": {"travel_time_factor": {"*": 2.0}}}))
    assert rainy.time_s("hq", "b") == pytest.approx(240.0)
    closed = travel(tiny(instance, extra={"network": {"closures": [{"between": ["a", "b"]}]}}))
    assert closed.time_s("hq", "b") == float("inf")
    moved = travel(tiny(instance, sites=[{"site_id": "a", "population": 100, "at": "b"}]))
    assert moved.time_s("hq", "a") == pytest.approx(120.0)
    assert computed == {"apply_road_conditions": 5, "travel_matrix": 5}


def test_a_new_version_of_the_network_code_misses_the_cache(
    instance: Callable[..., Path], computed: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Speeds or shortest paths changed in planner.network (or osmnx upgraded): old entries are not served."""
    travel(tiny(instance))
    travel(tiny(instance))
    assert computed == {"apply_road_conditions": 1, "travel_matrix": 1}
    monkeypatch.setattr(travel_cache, "code_version", lambda: "another version of the code")
    travel(tiny(instance))
    assert computed == {"apply_road_conditions": 2, "travel_matrix": 2}


def test_an_unwritable_cache_folder_computes_every_time(
    instance: Callable[..., Path], computed: Counter[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The folder's parent is a file: no folder can be made there, so nothing is cached and nothing fails."""
    (tmp_path / "not_a_folder").write_text("", encoding="utf-8")
    monkeypatch.setenv(travel_cache.CACHE_DIR_ENV, str(tmp_path / "not_a_folder" / "cache"))
    for _ in range(2):
        assert travel(tiny(instance)).time_s("hq", "b") == pytest.approx(120.0)
    assert computed == {"apply_road_conditions": 2, "travel_matrix": 2}


def test_the_cache_folder_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(travel_cache.CACHE_DIR_ENV, str(tmp_path / "mine"))
    assert travel_cache.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv(travel_cache.CACHE_DIR_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert travel_cache.cache_dir() == tmp_path / "xdg" / "microplanner"


def test_errors_are_not_cached(instance: Callable[..., Path], computed: Counter[str]) -> None:
    """An unknown closure is reported on every run, not remembered as an answer."""
    path = tiny(instance, extra={"network": {"closures": [{"between": ["a", "nowhere"]}]}})
    for _ in range(2):
        with pytest.raises(InputError, match="nowhere"):
            travel(path)
    assert computed["apply_road_conditions"] == 2
