"""Invariants every plan must honour, checked from the plan's own tables against the input data."""

from __future__ import annotations

from collections import defaultdict

from models import Plan
from planner.allocation import AllocationData

TOL = 1e-3


def check_plan_invariants(plan: Plan, data: AllocationData) -> None:
    inputs = data.inputs
    scenario = inputs.scenario
    vaccines = inputs.vaccines

    # Stock: shipments and transfers out never exceed stock plus transfers in.
    out: dict[tuple[str, str], int] = defaultdict(int)
    for sh in plan.shipments:
        assert sh.doses == sh.vials * vaccines[sh.antigen].doses_per_vial
        out[sh.store_id, sh.antigen] += sh.doses
    received: dict[tuple[str, str], int] = defaultdict(int)
    for tr in plan.transfers:
        assert inputs.stores[tr.to_store_id].parent_store_id == tr.from_store_id
        out[tr.from_store_id, tr.antigen] += tr.doses
        received[tr.to_store_id, tr.antigen] += tr.doses
    for (store, antigen), doses in out.items():
        assert doses <= inputs.stock.get((store, antigen), 0) + received[store, antigen], (store, antigen)

    # Team-days within what each pool has; only pairs within the travel limit.
    days_used: dict[str, int] = defaultdict(int)
    capacity: dict[str, float] = defaultdict(float)
    carried_l: dict[str, float] = defaultdict(float)
    campaign = scenario.campaign
    for row in plan.team_days:
        pool = inputs.pools[row.pool_id]
        days_used[row.pool_id] += row.team_days
        assert row.base_id == pool.base_id
        assert row.travel_time_s <= pool.max_travel_time_min * 60 + TOL
        if pool.team_type.returns_daily:
            session_h = campaign.working_day_h - 2 * row.travel_time_s / 3600
            assert session_h >= campaign.min_session_h - TOL
        capacity[row.site_id] += row.people_per_team_day * row.team_days
        carried_l[row.site_id] += pool.carrier_net_volume_l * row.team_days
    for pool_id, used in days_used.items():
        assert used <= inputs.pools[pool_id].teams * campaign.days, pool_id
    assert plan.kpis.team_days_used == sum(days_used.values())

    # Deliveries only within reach; litres within fridges and carriers.
    litres: dict[str, float] = defaultdict(float)
    shipped: dict[tuple[str, str], int] = defaultdict(int)
    for sh in plan.shipments:
        assert sh.travel_time_s <= scenario.network.max_delivery_time_h * 3600 + TOL
        litres[sh.site_id] += sh.doses * vaccines[sh.antigen].packed_volume_cm3 / 1000
        shipped[sh.site_id, sh.antigen] += sh.doses
    for site_id, volume in litres.items():
        fridge = inputs.sites[site_id].fridge_net_volume_l
        if fridge > 0:
            assert volume <= fridge * scenario.cold_chain.site_fridge_refills + 1e-4, site_id
        assert volume <= carried_l[site_id] + 1e-4, site_id
    inflow_l: dict[str, float] = defaultdict(float)
    for tr in plan.transfers:
        inflow_l[tr.to_store_id] += tr.doses * vaccines[tr.antigen].packed_volume_cm3 / 1000
    for store_id, volume in inflow_l.items():
        held = sum(
            inputs.stock.get((store_id, a), 0) * v.packed_volume_cm3 / 1000 for a, v in vaccines.items()
        )
        assert volume <= max(0.0, inputs.stores[store_id].net_volume_l - held) + 1e-4, store_id

    # People: vaccinated <= reachable <= target; doses cover the vaccinated with wastage.
    for row in plan.site_antigens:
        vaccine = vaccines[row.antigen]
        assert 0 <= row.people_vaccinated <= row.reachable_people <= row.target_people
        needed = row.people_vaccinated * vaccine.doses_per_person * vaccine.wastage_factor
        assert shipped[row.site_id, row.antigen] + TOL >= needed, (row.site_id, row.antigen)
        assert row.doses_shipped == shipped[row.site_id, row.antigen]
    for site in plan.sites:
        assert 0 <= site.people_vaccinated <= site.target_people
        assert site.people_vaccinated <= capacity[site.site_id] + 1e-4, site.site_id
    k = plan.kpis
    assert k.people_vaccinated <= k.target_people
    assert k.vaccinations <= k.target_vaccinations
    assert k.doses_wasted >= 0
    assert k.doses_shipped == sum(sh.doses for sh in plan.shipments)
