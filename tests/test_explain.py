"""Shortfall reasons: their words on plans set by hand, and the work of explaining a plan twice as large.

The plans here are not solved: each test builds the model of a tiny instance and sets the variables
by hand (:func:`hand_plan`), so the reasons pinned are those of a plan the reader can check, whatever
the solver would choose. Unless a test says otherwise: one antigen X (10-dose vials of 1 cm3 a dose,
no wastage), one group, mobile teams, 1 minute a contact.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from models import Shortfall
from planner.allocation import AllocationModel, SolveOutcome, build_model
from planner.explain import explain_shortfalls
from planner.figures import PlanFigures
from planner.pipeline import validate
from planner.render import shortfall_reason

#: hq, a and b 1 km apart on a road that takes no time; "far" 200 km on at 60 km/h (3.3 h); "island"
#: has no road.
NODES = [("hq", 0.0), ("a", 0.01), ("b", 0.02), ("far", 1.8), ("island", 3.0)]
EDGES = [("hq", "a", 1.0, 1e9), ("a", "b", 1.0, 1e9), ("b", "far", 200.0, 60.0)]

Values = Mapping[tuple[str, tuple[str, ...]], float]


def hand_plan(model: AllocationModel, values: Values, gap: float | None = None) -> PlanFigures:
    """The figures of a plan set by hand: ``values[(family, key)]`` for model.<family>[key], else 0."""
    names = {getattr(model, family)[key].name: value for (family, key), value in values.items()}
    outcome = SolveOutcome("optimal", "highs", 0.0, None, None, gap, names)
    return PlanFigures(model, outcome)


def words(shortfalls: tuple[Shortfall, ...]) -> list[tuple[str, str, int, tuple[str, ...], str]]:
    return [(s.site_id, s.antigen, s.people, s.causes, shortfall_reason(s)) for s in shortfalls]


def explain(figures: PlanFigures, gap: float | None = None) -> tuple[Shortfall, ...]:
    return explain_shortfalls(figures, SolveOutcome("optimal", "highs", 0.0, None, None, gap, {}))


def test_reasons_of_a_plan_set_by_hand(instance: Callable[..., Path]) -> None:
    """One team (800 people a day, 2 days, 2 h reach), 800 doses of X, four sites of 1000, 500, 100, 100.

    The plan: a team-day at a and one at b, 80 vials to a, 800 people vaccinated at a. Then a is short
    of 200 for want of team-days (both used; its day is full) and of doses (none left); b is short
    of all its 500 for want of doses, and its fridge (4 mL) holds less than a vial; "far" is 3.3 h
    away and "island" has no road.
    """
    path = instance(
        nodes=NODES,
        edges=EDGES,
        stores=[{"store_id": "depot", "at": "hq"}],
        stock=[("depot", "X", 800)],
        sites=[
            {"site_id": "a", "population": 1000},
            {"site_id": "b", "population": 500, "fridge_net_volume_l": 0.004},
            {"site_id": "far", "population": 100},
            {"site_id": "island", "population": 100},
        ],
        pools=[{"pool_id": "team", "base_id": "depot", "output_per_day": 800, "max_travel_time_min": 120}],
        campaign={"days": 2},
    )
    model = build_model(validate(path))
    figures = hand_plan(
        model,
        {
            ("n", ("team", "a")): 1,
            ("n", ("team", "b")): 1,
            ("v", ("depot", "a", "X")): 80,
            ("y", ("a", "all", "X")): 800,
        },
    )
    assert words(explain(figures)) == [
        (
            "a",
            "X",
            200,
            ("team_days", "stock"),
            "Teams: every pool within reach has used all its team-days (team 2/2); about 1 more team-day "
            "would be needed. Stock: depot lacks about 200 doses of X for this site (no store within reach "
            "has any left).",
        ),
        (
            "b",
            "X",
            500,
            ("cold_chain_site", "stock"),
            "Cold chain: the site's fridge is full (0.004 L net, filled 1 time). Stock: depot lacks about "
            "500 doses of X for this site (no store within reach has any left).",
        ),
        (
            "far",
            "X",
            100,
            ("no_team", "stock"),
            "No team pool can reach it: the nearest, team, is 3.3 h away one way (limit 2.0 h, and teams "
            "returning daily need 2 h of session time). Stock: depot lacks about 100 doses of X for this "
            "site (no store within reach has any left).",
        ),
        (
            "island",
            "X",
            100,
            ("no_team", "no_store"),
            "No team pool is connected to this site by road, there and back. Stock: no store is joined to "
            "this site by road, there and back.",
        ),
    ]


def test_reasons_under_nearest_supply_set_by_hand(instance: Callable[..., Path]) -> None:
    """Each site is supplied by its nearest store (``supply.mode: nearest``): north at a, south at b.

    North holds no X, south 1000 doses. The plan: a team-day at b and at c (the model has none at a,
    where no linked store can hold X: :func:`planner.allocation.workable_sites`), 50 people at b from
    5 vials. a is short of 300: its store cannot hold X, while south still holds
    950 doses (the reason says so). b is short of 250: its teams' carriers (50 mL) are full with 5
    vials. c, supplied by south too, is short of its 100 though teams and doses are left: the solver
    stopped within its gap.
    """
    path = instance(
        nodes=NODES,
        edges=EDGES,
        stores=[{"store_id": "north", "at": "a"}, {"store_id": "south", "at": "b"}],
        stock=[("south", "X", 1000)],
        sites=[
            {"site_id": "a", "population": 300},
            {"site_id": "b", "population": 300},
            {"site_id": "c", "population": 100, "at": "b"},
        ],
        pools=[{"pool_id": "team", "base_id": "north", "teams": 3, "carrier_net_volume_l": 0.05}],
        campaign={"days": 1},
        extra={"supply": {"mode": "nearest"}},
    )
    model = build_model(validate(path))
    figures = hand_plan(
        model,
        {
            ("n", ("team", "b")): 1,
            ("n", ("team", "c")): 1,
            ("v", ("south", "b", "X")): 5,
            ("y", ("b", "all", "X")): 50,
        },
    )
    assert words(explain(figures, gap=0.01)) == [
        (
            "a",
            "X",
            300,
            ("no_store",),
            "Stock: north, which supplies this site, and the stores above it hold no X. south still hold "
            "950 doses of X but supply other areas (supply.mode nearest); supply.outside_area (hierarchy) "
            "or supply.mode any would let them serve this site.",
        ),
        (
            "b",
            "X",
            250,
            ("carrier",),
            "Carriers: the teams' carriers are full (0.1 of 0.1 L over the campaign).",
        ),
        (
            "c",
            "X",
            100,
            ("solver",),
            "No single limit binds here: the solver stopped before proving optimality (gap 1.00%), or "
            "resources went to sites of higher priority.",
        ),
    ]


class CountingDict(dict[Any, Any]):
    """A dict that adds to ``visits[name]`` the entries of every pass over it (lookups are free)."""

    def __init__(self, table: Mapping[Any, Any], visits: dict[str, int], name: str) -> None:
        super().__init__(table)
        self.visits = visits
        self.name = name

    def _pass(self) -> None:
        self.visits[self.name] = self.visits.get(self.name, 0) + len(self)

    def __iter__(self) -> Iterator[Any]:
        self._pass()
        return super().__iter__()

    def keys(self) -> Any:
        self._pass()
        return super().keys()

    def values(self) -> Any:
        self._pass()
        return super().values()

    def items(self) -> Any:
        self._pass()
        return super().items()


#: The plan's tables: the variables' values and the links the model was built on.
FIGURE_TABLES = ("vaccinated", "reachable", "team_days", "trips", "vials", "transfer_vials")
LINK_TABLES = ("team_links", "supply_links", "resupply_links")


def copies_instance(instance: Callable[..., Path], copies: int) -> Path:
    """``copies`` disjoint copies of the first test's instance (no road between them), 10 degrees apart."""
    nodes, edges, sites, stores, stock, pools = [], [], [], [], [], []
    for i in range(copies):
        nodes += [(f"{name}{i}", lon + 10.0 * i) for name, lon in NODES if name != "island"]
        edges += [(f"{u}{i}", f"{v}{i}", km, kph) for u, v, km, kph in EDGES]
        sites += [
            {"site_id": f"a{i}", "population": 1000},
            {"site_id": f"b{i}", "population": 500, "fridge_net_volume_l": 0.004},
            {"site_id": f"far{i}", "population": 100},
        ]
        stores.append({"store_id": f"depot{i}", "at": f"hq{i}"})
        stock.append((f"depot{i}", "X", 800))
        pools.append(
            {"pool_id": f"team{i}", "base_id": f"depot{i}", "output_per_day": 800, "max_travel_time_min": 120}
        )
    return instance(
        nodes=nodes, edges=edges, sites=sites, stores=stores, stock=stock, pools=pools, campaign={"days": 2}
    )


def explain_counting(path: Path, copies: int) -> tuple[int, dict[str, int]]:
    """Explain the first test's plan in each copy; return the shortfalls and each table's entries visited."""
    model = build_model(validate(path))
    values: dict[tuple[str, tuple[str, ...]], float] = {}
    for i in range(copies):
        values |= {
            ("n", (f"team{i}", f"a{i}")): 1,
            ("n", (f"team{i}", f"b{i}")): 1,
            ("v", (f"depot{i}", f"a{i}", "X")): 80,
            ("y", (f"a{i}", "all", "X")): 800,
        }
    figures = hand_plan(model, values)
    visits: dict[str, int] = {}
    for name in FIGURE_TABLES:
        setattr(figures, name, CountingDict(getattr(figures, name), visits, name))
    counted: dict[str, Any] = {
        name: CountingDict(getattr(figures.data, name), visits, name) for name in LINK_TABLES
    }
    figures.data = dataclasses.replace(figures.data, **counted)
    return len(explain(figures)), visits


def test_explaining_a_plan_twice_as_large_visits_twice_as_many_entries(instance: Callable[..., Path]) -> None:
    """Twice the sites, links and shortfalls: every table is passed over as often, so twice the work.

    Scanning the links once per shortfall (as explaining once did) would visit four times as many.
    """
    one_shortfalls, one = explain_counting(copies_instance(instance, 1), 1)
    two_shortfalls, two = explain_counting(copies_instance(instance, 2), 2)
    assert (one_shortfalls, two_shortfalls) == (3, 6)
    assert one["team_links"] > 0 and one["vaccinated"] > 0
    assert two == {name: 2 * entries for name, entries in one.items()}


def test_stock_held_elsewhere_counts_the_stores_it_does_not_name(instance: Callable[..., Path]) -> None:
    """Four stores at b hold 400, 300, 200 and 100 doses of X and supply other areas; north, the
    nearest to a, holds none. a's reason names three of them and counts the fourth, whose doses are
    in the 1,000 it cites (it named three stores and counted four stores' doses)."""
    path = instance(
        nodes=NODES,
        edges=EDGES,
        stores=[{"store_id": "north", "at": "a"}, *({"store_id": f"s{i}", "at": "b"} for i in range(1, 5))],
        stock=[(f"s{i}", "X", 100 * (5 - i)) for i in range(1, 5)],
        sites=[{"site_id": "a", "population": 300}],
        pools=[{"pool_id": "team", "base_id": "north"}],
        campaign={"days": 1},
        extra={"supply": {"mode": "nearest"}},
    )
    model = build_model(validate(path))
    (shortfall,) = explain(hand_plan(model, {}), gap=0.01)
    assert shortfall_reason(shortfall) == (
        "Stock: north, which supplies this site, and the stores above it hold no X. s1, s2, s3 and "
        "1 other store still hold 1,000 doses of X but supply other areas (supply.mode nearest); "
        "supply.outside_area (hierarchy) or supply.mode any would let them serve this site."
    )


def test_a_few_vials_left_do_not_hide_a_stock_shortfall(instance: Callable[..., Path]) -> None:
    """The hand plan of the first test with 830 doses in stock: a (1000 people) gets its 80 vials and
    the depot keeps 30 doses, 3 vials. a is still short of 200, for want of team-days and of doses:
    3 vials cannot cover 200 people, so stock limits it as surely as none would (the reason said
    "team-days" alone, and a planner adding teams would have found no vaccine for them). With 300
    doses left, enough for the 200, stock is not a reason."""

    def reasons(doses: int) -> list[tuple[str, str, int, tuple[str, ...], str]]:
        path = instance(
            nodes=NODES,
            edges=EDGES,
            stores=[{"store_id": "depot", "at": "hq"}],
            stock=[("depot", "X", doses)],
            sites=[{"site_id": "a", "population": 1000}],
            pools=[{"pool_id": "team", "base_id": "depot", "output_per_day": 800}],
            campaign={"days": 1},
        )
        model = build_model(validate(path))
        plan = {("n", ("team", "a")): 1, ("v", ("depot", "a", "X")): 80, ("y", ("a", "all", "X")): 800}
        return words(explain(hand_plan(model, plan)))

    assert reasons(830) == [
        (
            "a",
            "X",
            200,
            ("team_days", "stock"),
            "Teams: every pool within reach has used all its team-days (team 1/1); about 1 more team-day "
            "would be needed. Stock: depot lacks about 170 doses of X for this site (the stores within "
            "reach, and the stores above them, have only 30 doses left).",
        )
    ]
    ((_, _, _, causes, _),) = reasons(1100)
    assert causes == ("team_days",)


def test_a_store_and_its_parent_both_in_reach_are_counted_once(instance: Callable[..., Path]) -> None:
    """depot (at a) and its parent prov (at hq) both supply a; after the hand plan depot keeps 30 doses
    and prov 90: 120 in all for a's 200 people short, so stock limits it. Counted once as a store in
    reach and again as depot's parent, prov's 90 made it 210 and hid the stock reason."""
    path = instance(
        nodes=NODES,
        edges=EDGES,
        stores=[
            {"store_id": "prov", "at": "hq", "parent_store_id": ""},
            {"store_id": "depot", "at": "a", "parent_store_id": "prov"},
        ],
        stock=[("depot", "X", 830), ("prov", "X", 90)],
        sites=[{"site_id": "a", "population": 1000}],
        pools=[{"pool_id": "team", "base_id": "depot", "output_per_day": 800}],
        campaign={"days": 1},
    )
    model = build_model(validate(path))
    assert {d for d, _s in model.data.supply_links} == {"depot", "prov"}
    plan = {("n", ("team", "a")): 1, ("v", ("depot", "a", "X")): 80, ("y", ("a", "all", "X")): 800}
    ((_, _, people, causes, reason),) = words(explain(hand_plan(model, plan)))
    assert (people, causes) == (200, ("team_days", "stock"))
    assert "lack about 80 doses of X" in reason and "have only 120 doses left" in reason
