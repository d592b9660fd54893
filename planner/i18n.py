"""Labels in English and French, shared by the exports and the user interface.

A plain dict catalogue rather than gettext: there is no compiled ``.mo`` build step to forget, the
labels are data that the exports and the UI share (and tests can check that every key has every
language), and the vocabulary is a few dozen short words, not sentences with plural forms.
"""

from __future__ import annotations

from typing import Literal, get_args

import babel
import babel.numbers

Lang = Literal["en", "fr"]
LANGUAGES: tuple[Lang, ...] = get_args(Lang)

#: Label key -> text by language. Keys are generic so that every screen and file can reuse them.
LABELS: dict[str, dict[Lang, str]] = {
    # Things
    "scenario": {"en": "Scenario", "fr": "Scénario"},
    "title": {"en": "Title", "fr": "Titre"},
    "status": {"en": "Status", "fr": "Statut"},
    "summary": {"en": "Summary", "fr": "Résumé"},
    "indicator": {"en": "Indicator", "fr": "Indicateur"},
    "value": {"en": "Value", "fr": "Valeur"},
    "team": {"en": "Team", "fr": "Équipe"},
    "teams": {"en": "Teams", "fr": "Équipes"},
    "team_type": {"en": "Team type", "fr": "Type d'équipe"},
    "pool": {"en": "Team pool", "fr": "Groupe d'équipes"},
    "vehicle": {"en": "Vehicle", "fr": "Véhicule"},
    "site": {"en": "Site", "fr": "Site"},
    "sites": {"en": "Sites", "fr": "Sites"},
    "site_id": {"en": "Site id", "fr": "Id du site"},
    "store": {"en": "Store", "fr": "Dépôt"},
    "stores": {"en": "Stores", "fr": "Dépôts"},
    "store_id": {"en": "Store id", "fr": "Id du dépôt"},
    "place": {"en": "Place", "fr": "Lieu"},
    "place_id": {"en": "Place id", "fr": "Id du lieu"},
    "base": {"en": "Base", "fr": "Base"},
    "for_site": {"en": "For site", "fr": "Pour le site"},
    "for_site_id": {"en": "For site id", "fr": "Id du site destinataire"},
    "antigen": {"en": "Antigen", "fr": "Antigène"},
    "vials": {"en": "Vials", "fr": "Flacons"},
    "doses": {"en": "Doses", "fr": "Doses"},
    "diluent": {"en": "Diluent ampoules", "fr": "Ampoules de diluant"},
    "litres": {"en": "Litres", "fr": "Litres"},
    "people": {"en": "People", "fr": "Personnes"},
    "reason": {"en": "Reason", "fr": "Raison"},
    # Time and order
    "day": {"en": "Day", "fr": "Jour"},
    "pre_campaign_day": {"en": "Pre-campaign day D-{before}", "fr": "Jour de pré-campagne J-{before}"},
    "days": {"en": "Days", "fr": "Jours"},
    "first_day": {"en": "First day", "fr": "Premier jour"},
    "trip": {"en": "Trip", "fr": "Tournée"},
    "stop": {"en": "Stop", "fr": "Arrêt"},
    "stops": {"en": "Stops", "fr": "Arrêts"},
    "order": {"en": "No.", "fr": "N°"},
    "arrival": {"en": "Arrival", "fr": "Arrivée"},
    "departure": {"en": "Departure", "fr": "Départ"},
    "return": {"en": "Return", "fr": "Retour"},
    "leaves": {"en": "Leaves", "fr": "Quitte"},
    "back_at": {"en": "Back at", "fr": "Retour à"},
    "travel_time": {"en": "Travel time", "fr": "Temps de route"},
    "work_time": {"en": "Work time", "fr": "Temps de travail"},
    # Kit and cold chain
    "kit": {"en": "Kit", "fr": "Kit"},
    "kit_total": {"en": "Day's kit", "fr": "Kit du jour"},
    "pickup": {"en": "Picked up at", "fr": "Retiré à"},
    "pickup_place_id": {"en": "Pickup place id", "fr": "Id du lieu de retrait"},
    "more_places": {"en": "more places", "fr": "autres lieux"},
    # Kinds of pickup place (codes of models.PickupKind)
    "pickup_store": {"en": "team's store", "fr": "dépôt de l'équipe"},
    "pickup_site_fridge": {"en": "site fridge", "fr": "réfrigérateur du site"},
    "pickup_site_cold_box": {"en": "cold box left at the site", "fr": "caisse isotherme laissée au site"},
    "pickup_base": {"en": "delivered to base", "fr": "livré à la base"},
    "dry_goods": {"en": "Dry goods", "fr": "Matériel sec"},
    "ad_syringes": {"en": "AD syringes", "fr": "Seringues autobloquantes"},
    "mixing_syringes": {"en": "Mixing syringes", "fr": "Seringues de dilution"},
    "safety_boxes": {"en": "Safety boxes", "fr": "Boîtes de sécurité"},
    "cold_chain": {"en": "Cold chain", "fr": "Chaîne du froid"},
    "container": {"en": "Container", "fr": "Conteneur"},
    "containers": {"en": "Containers", "fr": "Conteneurs"},
    "vaccine_carrier": {"en": "vaccine carrier", "fr": "porte-vaccins"},
    "cold_box": {"en": "cold box", "fr": "caisse isotherme"},
    "ice_packs": {"en": "Ice packs", "fr": "Accumulateurs de froid"},
    # Plans and deliveries
    "microplan": {"en": "Microplan", "fr": "Microplan"},
    "deliveries": {"en": "Deliveries", "fr": "Livraisons"},
    "delivery_trips": {"en": "Delivery trips", "fr": "Tournées de livraison"},
    "load_l": {"en": "Load (L)", "fr": "Chargement (L)"},
    "collections": {"en": "Collected at base", "fr": "Retiré à la base"},
    "unscheduled": {"en": "Unscheduled", "fr": "Non planifié"},
    "team_days": {"en": "Team-days", "fr": "Jours-équipe"},
    "team_days_used": {"en": "Team-days used", "fr": "Jours-équipe utilisés"},
    "team_days_available": {"en": "Team-days available", "fr": "Jours-équipe disponibles"},
    "target_people": {"en": "Target people", "fr": "Population cible"},
    "people_vaccinated": {"en": "People vaccinated", "fr": "Personnes vaccinées"},
    "coverage": {"en": "Coverage", "fr": "Couverture"},
    "vaccinations": {"en": "Vaccinations", "fr": "Vaccinations"},
    "doses_shipped": {"en": "Doses shipped", "fr": "Doses expédiées"},
    "doses_wasted": {"en": "Doses wasted", "fr": "Doses perdues"},
    "cost_usd": {"en": "Cost (USD)", "fr": "Coût (USD)"},
    "total": {"en": "Total", "fr": "Total"},
    "team_days_scheduled": {"en": "Team-days scheduled", "fr": "Jours-équipe planifiés"},
    "unscheduled_team_days": {"en": "Team-days unscheduled", "fr": "Jours-équipe non planifiés"},
    "more_stops": {"en": "more stops", "fr": "autres arrêts"},
    "more_antigens": {"en": "more antigens", "fr": "autres antigènes"},
    # Team types (codes of models.TeamType)
    "fixed_post": {"en": "fixed post", "fr": "poste fixe"},
    "outreach": {"en": "outreach", "fr": "stratégie avancée"},
    "mobile": {"en": "mobile", "fr": "équipe mobile"},
    # Signatures
    "supervisor": {"en": "Supervisor", "fr": "Superviseur"},
    "signature": {"en": "Signature", "fr": "Signature"},
    "supervisor_signature": {"en": "Supervisor's signature", "fr": "Signature du superviseur"},
    # Plan and scenario comparison (planner.compare)
    "kind": {"en": "Kind", "fr": "Type de site"},
    "province": {"en": "Province", "fr": "Province"},
    "target_vaccinations": {"en": "Target vaccinations", "fr": "Vaccinations cibles"},
    "vaccination_coverage": {"en": "Vaccination coverage", "fr": "Couverture vaccinale (antigènes)"},
    "doses_needed": {"en": "Doses needed", "fr": "Doses nécessaires"},
    "shortfall_people": {"en": "Shortfall (people, per antigen)", "fr": "Manque (personnes, par antigène)"},
    "solver_gap": {"en": "Solver gap", "fr": "Écart du solveur"},
    # Target coverage (campaign.target_coverage) and what is still needed to reach it
    "target_coverage": {"en": "Target coverage", "fr": "Couverture visée"},
    "goal_people": {"en": "People at target coverage", "fr": "Personnes à la couverture visée"},
    "goal_reached": {"en": "Share of the target coverage", "fr": "Part de la couverture visée"},
    "expected_vaccinations": {
        "en": "Vaccinations expected (uptake)",
        "fr": "Vaccinations attendues (acceptation)",
    },
    "doses_expected_given": {"en": "Doses expected to be given", "fr": "Doses qu'on s'attend à administrer"},
    "people_still_needed": {"en": "People still needed", "fr": "Personnes encore à vacciner"},
    "doses_still_needed": {"en": "Doses still needed", "fr": "Doses encore nécessaires"},
    "team_days_still_needed": {"en": "Team-days still needed", "fr": "Jours-équipe encore nécessaires"},
    # Site kinds (codes of models.SiteKind)
    "border_post": {"en": "border post", "fr": "poste frontalier"},
    "transit_centre": {"en": "transit centre", "fr": "centre de transit"},
    "idp_site": {"en": "IDP site", "fr": "site de déplacés"},
    "refugee_camp": {"en": "refugee camp", "fr": "camp de réfugiés"},
    "returnee_centre": {"en": "returnee centre", "fr": "centre de rapatriés"},
    "host_community": {"en": "host community", "fr": "communauté d'accueil"},
    "health_facility": {"en": "health facility", "fr": "formation sanitaire"},
    "mining_site": {"en": "mining site", "fr": "site minier"},
    # Shortfall reasons (planner.explain renders them; fields follow str.format, numbers localised)
    "and": {"en": "and", "fr": "et"},
    "reason_other_stores": {"en": "{n} other stores", "fr": "{n} autres dépôts"},
    "reason_no_team_road": {
        "en": "No team pool is connected to this site by road.",
        "fr": "Aucun groupe d'équipes n'est relié à ce site par la route.",
    },
    "reason_no_team_far": {
        "en": "No team pool can reach it: the nearest, {pool}, is {hours:.1f} h away one way "
        "(limit {limit_h:.1f} h, and teams returning daily need {session_h:g} h of session time).",
        "fr": "Aucun groupe d'équipes ne peut l'atteindre : le plus proche, {pool}, est à {hours:.1f} h "
        "de route à l'aller (limite {limit_h:.1f} h, et les équipes qui rentrent chaque jour ont besoin "
        "de {session_h:g} h de séance).",
    },
    "reason_no_team_posts": {
        "en": "No team pool can reach it: {pools} could, but stay at their posts (border posts, transit "
        "centres; teams.csv stays_at_post; campaign.post_teams_may_leave lets them go).",
        "fr": "Aucun groupe d'équipes ne peut l'atteindre : {pools} le pourraient, mais restent à leur poste "
        "(postes frontaliers, centres de transit ; stays_at_post de teams.csv ; "
        "campaign.post_teams_may_leave les laisse partir).",
    },
    "reason_team_days_post": {
        "en": "Teams: the site is staffed {staffed} of its {days_open} open days, and the people who pass "
        "or arrive on the other days are missed; every pool within reach has used all its team-days "
        "({detail}).",
        "fr": "Équipes : le site est tenu {staffed} de ses {days_open} jours d'ouverture, et les personnes "
        "qui passent ou arrivent les autres jours sont manquées ; tous les groupes d'équipes à portée ont "
        "utilisé tous leurs jours-équipe ({detail}).",
    },
    "reason_team_days_post_hours": {
        "en": "Teams: the site is open {hours_open:g} h a day, longer than its teams are there, so its "
        "{staffed} team-days catch the people passing or arriving on about {covered:.1f} of its {days_open} "
        "open days; every pool within reach has used all its team-days ({detail}).",
        "fr": "Équipes : le site est ouvert {hours_open:g} h par jour, plus longtemps que ses équipes n'y "
        "sont, donc ses {staffed} jours-équipe touchent les personnes qui passent ou arrivent pendant "
        "environ {covered:.1f} de ses "
        "{days_open} jours d'ouverture ; tous les groupes d'équipes à portée ont utilisé tous leurs "
        "jours-équipe ({detail}).",
    },
    "reason_team_days": {
        "en": "Teams: every pool within reach has used all its team-days ({detail}); about {more_days} "
        "more team-days would be needed.",
        "fr": "Équipes : tous les groupes d'équipes à portée ont utilisé tous leurs jours-équipe "
        "({detail}) ; il faudrait environ {more_days} jours-équipe de plus.",
    },
    "reason_carrier": {
        "en": "Carriers: the teams' carriers are full ({litres:.1f} of {carried:.1f} L over the campaign).",
        "fr": "Porte-vaccins : les porte-vaccins des équipes sont pleins ({litres:.1f} sur {carried:.1f} L "
        "sur la campagne).",
    },
    "reason_cold_chain_site": {
        "en": "Cold chain: the site's fridge is full ({fridge:g} L net, filled {refills} time(s)).",
        "fr": "Chaîne du froid : le réfrigérateur du site est plein ({fridge:g} L nets, rempli {refills} "
        "fois).",
    },
    "reason_no_store": {
        "en": "Stock: no store holding {antigen} is within {hours:g} h drive.",
        "fr": "Stock : aucun dépôt détenant l'antigène {antigen} n'est à moins de {hours:g} h de route.",
    },
    "reason_cold_chain_store": {
        "en": "Cold chain: {stores} cannot take more {antigen} from its parent store, which still has "
        "some (no spare net litres).",
        "fr": "Chaîne du froid : plus aucun litre net libre à {stores} pour recevoir davantage de "
        "{antigen} du dépôt parent, qui en a encore.",
    },
    "reason_stock_one": {
        "en": "Stock: {stores} lacks about {lacking:,} doses of {antigen} for this site "
        "(no store within reach has any left).",
        "fr": "Stock : il manque environ {lacking:,} doses de {antigen} à {stores} pour ce site "
        "(aucun dépôt à portée n'en a plus).",
    },
    "reason_stock_many": {
        "en": "Stock: {stores} lack about {lacking:,} doses of {antigen} for this site "
        "(no store within reach has any left).",
        "fr": "Stock : il manque environ {lacking:,} doses de {antigen} à {stores} pour ce site "
        "(aucun dépôt à portée n'en a plus).",
    },
    "reason_stock_in_reserve": {
        "en": "Stock: the stores within reach have no {antigen} left, but {reserve:,} doses of it are "
        "held as reserve at other sites, placed only once no one the plan can reach could be given them.",
        "fr": "Stock : les dépôts à portée n'ont plus d'antigène {antigen}, mais {reserve:,} doses sont "
        "gardées en réserve sur d'autres sites, placées seulement quand personne que le plan peut "
        "atteindre ne pouvait les recevoir.",
    },
    "wastage_one_vial_per_session": {
        "en": "{sessions} sessions give {antigen} to {people} people ({per_session} a session); each session "
        "opens a {dpv}-dose vial that is discarded after it, so about {expected} of the doses opened are "
        "wasted against {planned} planned. A vial of fewer doses, or fewer sessions offering {antigen}, "
        "would waste less.",
        "fr": "{sessions} séances donnent {antigen} à {people} personnes ({per_session} par séance) ; chaque "
        "séance ouvre un flacon de {dpv} doses jeté après elle, donc environ {expected} des doses ouvertes "
        "sont perdues contre {planned} prévues. Un flacon de moins de doses, ou moins de séances offrant "
        "{antigen}, en perdrait moins.",
    },
    "input_pydantic_value_steps_not_diminishing": {
        "en": "fairness.value_steps must rise in 'above' and fall (or stay) in 'value'",
        "fr": "fairness.value_steps doit croître en « above » et décroître (ou rester égal) en « value »",
    },
    "reason_no_store_supply": {
        "en": "Stock: {stores}, which supplies this site, and the stores above it hold no {antigen}.",
        "fr": "Stock : {stores}, qui approvisionne ce site, et les dépôts au-dessus n'ont pas d'antigène "
        "{antigen}.",
    },
    "reason_stock_elsewhere": {
        "en": "{stores} still hold {doses:,} doses of {antigen} but supply other areas (supply.mode {mode}); "
        "supply.outside_area (hierarchy) or supply.mode any would let them serve this site.",
        "fr": "{stores} détiennent encore {doses:,} doses de {antigen} mais approvisionnent d'autres zones "
        "(supply.mode {mode}) ; supply.outside_area (hierarchy) ou supply.mode any leur permettrait de "
        "servir ce site.",
    },
    "reason_vehicles": {
        "en": "Vehicles: {stores} have no driving hours left for one more trip here ({hours:,.0f} h in all "
        "over the delivery days); more vehicles or pre-campaign days would relieve it.",
        "fr": "Véhicules : {stores} n'ont plus d'heures de route pour un trajet de plus vers ce site "
        "({hours:,.0f} h en tout sur les jours de livraison) ; plus de véhicules ou de jours de pré-campagne "
        "lèveraient cette limite.",
    },
    "reason_solver": {
        "en": "No single limit binds here: the solver stopped before proving optimality, "
        "or resources went to sites of higher priority.",
        "fr": "Aucune limite ne bloque seule ici : le solveur s'est arrêté avant de prouver l'optimalité, "
        "ou les ressources sont allées à des sites plus prioritaires.",
    },
    "reason_solver_gap": {
        "en": "No single limit binds here: the solver stopped before proving optimality (gap {gap:.2%}), "
        "or resources went to sites of higher priority.",
        "fr": "Aucune limite ne bloque seule ici : le solveur s'est arrêté avant de prouver l'optimalité "
        "(écart {gap:.2%}), ou les ressources sont allées à des sites plus prioritaires.",
    },
    # The solver's message (planner.allocation.solve_model; no fields)
    "solver_stopped": {
        "en": "stopped by the user: best plan found so far",
        "fr": "arrêté par l'utilisateur : meilleur plan trouvé jusqu'ici",
    },
    "solver_stopped_cost_not_minimised": {
        "en": "stopped by the user: best plan found so far; cost was not minimised",
        "fr": "arrêté par l'utilisateur : meilleur plan trouvé jusqu'ici ; le coût n'a pas été minimisé",
    },
    "solver_stopped_cost_not_minimal": {
        "en": "stopped by the user: best plan found so far; cost may not be minimal",
        "fr": "arrêté par l'utilisateur : meilleur plan trouvé jusqu'ici ; le coût n'est peut-être pas "
        "minimal",
    },
    "solver_cost_time_limit": {
        "en": "cost stage stopped at the time limit; cost may not be minimal",
        "fr": "l'étape coût s'est arrêtée à la limite de temps ; le coût n'est peut-être pas minimal",
    },
    "solver_cost_time_limit_unchanged": {
        "en": "cost stage stopped at the time limit without a cheaper plan; cost was not minimised",
        "fr": "l'étape coût s'est arrêtée à la limite de temps sans plan moins cher ; le coût n'a pas été "
        "minimisé",
    },
    "solver_cost_no_solution": {
        "en": "cost stage found no solution; plan has optimal coverage but cost was not minimised",
        "fr": "l'étape coût n'a trouvé aucune solution ; le plan a une couverture optimale mais le coût "
        "n'a pas été minimisé",
    },
    "solver_no_solution": {
        "en": "the solver found no solution",
        "fr": "le solveur n'a trouvé aucune solution",
    },
    "solver_no_solution_time_limit": {
        "en": "the solver found no solution within the time limit",
        "fr": "le solveur n'a trouvé aucune solution dans la limite de temps",
    },
    "solver_stopped_no_plan": {
        "en": "the solve was stopped before it found a plan",
        "fr": "la résolution a été arrêtée avant de trouver un plan",
    },
    # Route warnings (planner.itineraries, planner.deliveries; rendered like the reasons)
    "warning_vials_unvisited": {
        "en": "{vials} vials of {antigen} shipped to {site}, which no team visits",
        "fr": "{vials} flacons de {antigen} expédiés à {site}, qu'aucune équipe ne visite",
    },
    "warning_team_routing": {
        "en": "{pool}: routing found no valid combination; one visit per day",
        "fr": "{pool} : le calcul des itinéraires n'a trouvé aucune combinaison valide ; une visite par jour",
    },
    "warning_border_staffing": {
        "en": "{post}: staffed on {staffed} distinct days where the allocation counted {expected}; "
        "people passing or arriving on the other days are not reached",
        "fr": "{post} : tenu {staffed} jours distincts alors que l'allocation en comptait {expected} ; "
        "les personnes qui passent ou arrivent les autres jours ne sont pas atteintes",
    },
    "warning_vials_unshipped": {
        "en": "{vials} vials of {antigen} for {site} have no shipment to come from",
        "fr": "{vials} flacons de {antigen} pour {site} ne proviennent d'aucune expédition",
    },
    "warning_delivery_routing": {
        "en": "{store}: delivery routing found no valid solution; one trip per drop",
        "fr": "{store} : le calcul des tournées de livraison n'a trouvé aucune solution valide ; une "
        "tournée par point de livraison",
    },
    "warning_vehicles": {
        "en": "{store} needs {vehicles} vehicles on day {day} (the scenario gives {per_store} per store)",
        "fr": "{store} a besoin de {vehicles} véhicules le jour {day} (le scénario en prévoit {per_store} "
        "par dépôt)",
    },
    # Reasons of unscheduled work (planner.itineraries; {lengths:,} lists numbers with commas)
    "unscheduled_no_free_day": {
        "en": "no team of {pool} has a free day left in the campaign",
        "fr": "aucune équipe de {pool} n'a plus de jour libre dans la campagne",
    },
    "unscheduled_short_trips": {
        "en": "the pool's free days left room only for trips of {lengths:,} day(s); "
        "each extra round trip takes time from work",
        "fr": "les jours libres du groupe d'équipes ne laissaient place qu'à des tournées de {lengths:,} "
        "jour(s) ; chaque aller-retour de plus prend du temps de travail",
    },
    "unscheduled_no_trip": {
        "en": "the pool's free days left room only for trips of no day(s); "
        "each extra round trip takes time from work",
        "fr": "les jours libres du groupe d'équipes ne laissaient place à aucune tournée ; chaque "
        "aller-retour de plus prend du temps de travail",
    },
    # Logistics sanity checks (planner.logistics; warnings rendered like the reasons, rows of the table)
    "logistics": {"en": "Logistics sanity", "fr": "Contrôles logistiques"},
    "limit": {"en": "Limit", "fr": "Limite"},
    "logistics_ok": {
        "en": "Every logistics figure is within its limit.",
        "fr": "Chaque indicateur logistique est dans sa limite.",
    },
    "logistics_needs_routes": {
        "en": "Vehicle and team figures need the plan's routes.",
        "fr": "Les indicateurs des véhicules et des équipes demandent les itinéraires du plan.",
    },
    "logistics_row_doses_travel": {
        "en": "Doses more than {hours:g} h by road from their store",
        "fr": "Doses à plus de {hours:g} h de route de leur dépôt",
    },
    "logistics_row_doses_distance": {
        "en": "Doses more than {km:g} km (straight line) from their store",
        "fr": "Doses à plus de {km:g} km (à vol d'oiseau) de leur dépôt",
    },
    "logistics_row_longest_shipment": {"en": "Longest shipment", "fr": "Expédition la plus longue"},
    "logistics_row_stores_per_site": {
        "en": "Stores per site (max / mean)",
        "fr": "Dépôts par site (max. / moyenne)",
    },
    "logistics_row_vehicle_trips": {"en": "Vehicle trips", "fr": "Tournées de véhicules"},
    "logistics_row_vehicle_driving": {
        "en": "Vehicle driving hours",
        "fr": "Heures de conduite des véhicules",
    },
    "logistics_row_vehicle_trips_beyond": {
        "en": "Vehicle trips driving more than {hours:g} h",
        "fr": "Tournées de véhicules de plus de {hours:g} h de conduite",
    },
    "logistics_row_team_driving": {
        "en": "Teams' working time spent driving",
        "fr": "Part du temps de travail des équipes passée sur la route",
    },
    "logistics_row_thin_team_days": {
        "en": "Team-days with fewer than {people} people",
        "fr": "Jours-équipe de moins de {people} personnes",
    },
    "logistics_row_stops_without_vials": {
        "en": "Stops with {people}+ people lacking a vial their site has",
        "fr": "Arrêts de {people} personnes ou plus sans un flacon que leur site a",
    },
    "logistics_row_idle_team_days": {
        "en": "Idle team-days beside shortfalls",
        "fr": "Jours-équipe inactifs à côté de manques",
    },
    "logistics_far_travel": {
        "en": "{share:.0%} of the doses shipped travel more than {hours:g} h by road from their store "
        "(limit {limit:.0%}); the longest drive is {store} to {site}, {worst_h:.1f} h.",
        "fr": "{share:.0%} des doses expédiées font plus de {hours:g} h de route depuis leur dépôt "
        "(limite {limit:.0%}) ; le trajet le plus long va de {store} à {site}, {worst_h:.1f} h.",
    },
    "logistics_far_distance": {
        "en": "{share:.0%} of the doses shipped go more than {km:g} km in a straight line from their store "
        "(limit {limit:.0%}).",
        "fr": "{share:.0%} des doses expédiées vont à plus de {km:g} km à vol d'oiseau de leur dépôt "
        "(limite {limit:.0%}).",
    },
    "logistics_stores_per_site": {
        "en": "Sites supplied by more than {limit} stores: {count}, up to {max} stores (mean {mean:.1f} over "
        "the sites supplied); the most: {sites}.",
        "fr": "Sites approvisionnés par plus de {limit} dépôts : {count}, jusqu'à {max} dépôts (moyenne "
        "{mean:.1f} sur les sites approvisionnés) ; ceux qui en ont le plus : {sites}.",
    },
    "logistics_vehicle_trips": {
        "en": "{beyond} of {trips} vehicle trips drive more than {limit:g} h, the longest {longest_h:.1f} h; "
        "vehicles drive {driving_h:,.0f} h in all.",
        "fr": "{beyond} des {trips} tournées de véhicules roulent plus de {limit:g} h, la plus longue "
        "{longest_h:.1f} h ; les véhicules roulent {driving_h:,.0f} h en tout.",
    },
    "logistics_team_driving": {
        "en": "Teams spend {share:.0%} of their working time driving (limit {limit:.0%}).",
        "fr": "Les équipes passent {share:.0%} de leur temps de travail sur la route (limite {limit:.0%}).",
    },
    "logistics_thin_team_days": {
        "en": "{count} of {total} team-days vaccinate fewer than {people} people (the fewest: {fewest}), "
        "e.g. teams {teams}.",
        "fr": "{count} des {total} jours-équipe vaccinent moins de {people} personnes (le plus bas : "
        "{fewest}), par exemple les équipes {teams}.",
    },
    "logistics_stops_without_vials": {
        "en": "{count} stops with {people} people or more carry no vial of an antigen their site is given, "
        "e.g. {team} on day {day} at {site}: no {antigen} for {busiest} people.",
        "fr": "{count} arrêts de {people} personnes ou plus n'ont aucun flacon d'un antigène que leur site "
        "reçoit, par exemple {team} le jour {day} à {site} : pas d'antigène {antigen} pour {busiest} "
        "personnes.",
    },
    "logistics_idle_team_days": {
        "en": "{days} team-days are idle (unused or released) in pools that reach a site with a shortfall "
        "(limit {limit}): {pools}.",
        "fr": "{days} jours-équipe sont inactifs (non utilisés ou libérés) dans des groupes d'équipes qui "
        "atteignent un site en manque (limite {limit}) : {pools}.",
    },
    # The scenario explorer (streamlit_app.py)
    "plan": {"en": "Plan", "fr": "Plan"},
    "map": {"en": "Map", "fr": "Carte"},
    "compare": {"en": "Compare", "fr": "Comparer"},
    "routes_downloads": {"en": "Routes & downloads", "fr": "Itinéraires et téléchargements"},
    "scenario_file": {"en": "Scenario file", "fr": "Fichier de scénario"},
    "load": {"en": "Load", "fr": "Charger"},
    "variant_name": {"en": "Name of this scenario", "fr": "Nom de ce scénario"},
    "variant_name_help": {
        "en": "Plans are kept by this name for the Compare page.",
        "fr": "Les plans sont gardés sous ce nom pour la page Comparer.",
    },
    "bad_name": {
        "en": "A name may hold only letters, digits and _.",
        "fr": "Un nom ne peut contenir que des lettres, des chiffres et _.",
    },
    "campaign_days": {"en": "Campaign days", "fr": "Jours de campagne"},
    "uptake": {"en": "Uptake", "fr": "Acceptation"},
    "travellers_per_day": {"en": "People per day (flow)", "fr": "Personnes par jour (flux)"},
    "objective": {"en": "Objective", "fr": "Objectif"},
    "lexicographic": {"en": "Coverage first, then cost", "fr": "Couverture d'abord, puis coût"},
    "weighted": {"en": "Coverage minus weighted cost", "fr": "Couverture moins coût pondéré"},
    "rainy_season": {"en": "Rainy season (slower roads)", "fr": "Saison des pluies (routes plus lentes)"},
    "road_closures": {"en": "Closed roads", "fr": "Routes fermées"},
    "stock": {"en": "Stock", "fr": "Stock"},
    "vaccines": {"en": "Vaccines", "fr": "Vaccins"},
    "wastage": {"en": "Wastage", "fr": "Perte"},
    "wastage_rate": {"en": "Wastage rate", "fr": "Taux de perte"},
    "priority": {"en": "Priority", "fr": "Priorité"},
    "name": {"en": "Name", "fr": "Nom"},
    "save_yaml": {"en": "Save scenario (YAML)", "fr": "Enregistrer le scénario (YAML)"},
    "upload_tables": {"en": "Upload tables (CSV or XLSX)", "fr": "Importer des tableaux (CSV ou XLSX)"},
    "use_uploads": {"en": "Use the uploaded tables", "fr": "Utiliser les tableaux importés"},
    "uploads_ok": {
        "en": "The uploaded tables are valid and in use.",
        "fr": "Les tableaux importés sont valides et utilisés.",
    },
    "input_problems": {"en": "The input has problems:", "fr": "Les données ont des problèmes :"},
    "solve": {"en": "Solve", "fr": "Résoudre"},
    "cancel": {"en": "Cancel", "fr": "Annuler"},
    "quick_solve": {"en": "Quick solve", "fr": "Résolution rapide"},
    "quick_solve_help": {
        "en": "Starts from the last plan, stops within 0.1% of the best coverage, then spends at most "
        "one second bringing cost within 0.5% of the least; the plan shows its gaps.",
        "fr": "Part du dernier plan, s'arrête à 0,1 % de la meilleure couverture, puis passe au plus "
        "une seconde à ramener le coût à 0,5 % du moindre ; le plan indique ses écarts.",
    },
    "solving": {"en": "Solving", "fr": "Résolution de"},
    "solve_failed": {"en": "The solve failed.", "fr": "La résolution a échoué."},
    "cancelling": {"en": "stopping…", "fr": "arrêt…"},
    "queued": {"en": "queued", "fr": "en attente"},
    "running": {"en": "running", "fr": "en cours"},
    "done": {"en": "done", "fr": "terminé"},
    "failed": {"en": "failed", "fr": "échec"},
    "stage_coverage": {"en": "coverage stage", "fr": "étape couverture"},
    "stage_cost": {"en": "cost stage", "fr": "étape coût"},
    "incumbent": {"en": "best so far", "fr": "meilleur à ce stade"},
    "gap": {"en": "gap", "fr": "écart"},
    "optimal": {"en": "optimal", "fr": "optimal"},
    "feasible": {"en": "feasible (not proven optimal)", "fr": "réalisable (optimalité non prouvée)"},
    "infeasible": {"en": "infeasible", "fr": "irréalisable"},
    "error": {"en": "error", "fr": "erreur"},
    "shown_plan": {"en": "Plan shown", "fr": "Plan affiché"},
    "no_plan_yet": {
        "en": "No plan yet: press Solve in the sidebar.",
        "fr": "Pas encore de plan : cliquez sur Résoudre dans la barre latérale.",
    },
    "by_site": {"en": "By site", "fr": "Par site"},
    "by_kind": {"en": "By kind of site", "fr": "Par type de site"},
    "by_province": {"en": "By province", "fr": "Par province"},
    "by_antigen": {"en": "By antigen", "fr": "Par antigène"},
    "shortfalls": {"en": "Shortfalls and why", "fr": "Manques et leurs causes"},
    "reserve": {"en": "Reserve (buffer) short", "fr": "Réserve (stock tampon) manquante"},
    "no_reserve_short": {
        "en": "Every site or store holds its full reserve.",
        "fr": "Chaque site ou dépôt détient toute sa réserve.",
    },
    "reserve_doses": {"en": "Reserve wanted (doses)", "fr": "Réserve voulue (doses)"},
    "held": {"en": "Held (doses)", "fr": "Détenu (doses)"},
    "short": {"en": "Short (doses)", "fr": "Manque (doses)"},
    "equity": {"en": "Equity floors", "fr": "Planchers d'équité"},
    "equity_cost": {
        "en": "The floors cost {people:,} people ({vaccinations:,} vaccinations) against the plan "
        "without them.",
        "fr": "Les planchers coûtent {people:,} personnes ({vaccinations:,} vaccinations) par rapport au "
        "plan sans eux.",
    },
    "by": {"en": "By", "fr": "Par"},
    "group": {"en": "Group", "fr": "Groupe"},
    "floor": {"en": "Floor", "fr": "Plancher"},
    "met": {"en": "Met", "fr": "Atteint"},
    "no_shortfalls": {
        "en": "No shortfalls: every reachable person is vaccinated.",
        "fr": "Aucun manque : chaque personne atteignable est vaccinée.",
    },
    "layers": {"en": "Layers", "fr": "Couches"},
    "provinces": {"en": "Provinces", "fr": "Provinces"},
    "team_routes": {"en": "Team routes", "fr": "Itinéraires des équipes"},
    "delivery_routes": {"en": "Delivery routes", "fr": "Tournées de livraison"},
    "online_basemap": {"en": "Online basemap", "fr": "Fond de carte en ligne"},
    "online_basemap_help": {
        "en": "Needs internet; the map works offline without it.",
        "fr": "Nécessite internet ; la carte fonctionne hors ligne sans lui.",
    },
    "map_caption": {
        "en": "Sites are coloured by coverage (red low, green high) and sized by target. Click a "
        "site for its numbers. Province outlines are approximate.",
        "fr": "Les sites sont colorés selon la couverture (rouge faible, vert élevée) et "
        "dimensionnés selon la cible. Cliquez sur un site pour ses chiffres. Les limites des "
        "provinces sont approximatives.",
    },
    "downloads": {"en": "Downloads", "fr": "Téléchargements"},
    "no_routes": {"en": "This plan has no routes.", "fr": "Ce plan n'a pas d'itinéraires."},
    "compare_needs_two": {
        "en": "Solve at least two scenarios to compare them (edit the scenario, give it a new name "
        "and solve).",
        "fr": "Résolvez au moins deux scénarios pour les comparer (modifiez le scénario, donnez-lui "
        "un nouveau nom et résolvez).",
    },
    "scenarios_to_compare": {
        "en": "Scenarios to compare (the first is the reference)",
        "fr": "Scénarios à comparer (le premier est la référence)",
    },
    "compare_reference": {
        "en": "Differences (Δ) are against {name}.",
        "fr": "Les différences (Δ) sont par rapport à {name}.",
    },
    "largest_changes": {
        "en": "Largest changes in people vaccinated",
        "fr": "Plus grands changements de personnes vaccinées",
    },
    "compare_gap_note": {
        "en": "Differences smaller than the solver gaps (last rows) may come from the solver stopping early "
        "rather than from the change; untick Quick solve for tighter plans.",
        "fr": "Des différences plus petites que les écarts du solveur (dernières lignes) peuvent venir "
        "de son arrêt anticipé plutôt que du changement ; décochez Résolution rapide pour des plans "
        "plus serrés.",
    },
    "site_differences": {"en": "Coverage by site", "fr": "Couverture par site"},
    # Input problems (planner.errors.Problem; planner.explain.problem_text renders them like the
    # reasons). Where a problem is: "FILE, row R (line R+1), field F: message".
    "input_problem": {"en": "{where}: {message}", "fr": "{where} : {message}"},
    "input_at_row": {"en": ", row {row} (line {line})", "fr": ", ligne {row} (ligne {line} du fichier)"},
    "input_at_field": {"en": ", field {field}", "fr": ", champ {field}"},
    "input_did_you_mean": {
        "en": " (did you mean {suggestion!r}?)",
        "fr": " (vouliez-vous dire {suggestion!r} ?)",
    },
    # Files and tables (planner.loading, planner.network, planner.edits, planner.mapview)
    "input_scenario_not_found": {"en": "scenario file not found", "fr": "fichier de scénario introuvable"},
    "input_not_yaml": {"en": "not valid YAML: {error}", "fr": "YAML non valide : {error}"},
    "input_not_utf8": {"en": "not UTF-8 text: {error}", "fr": "texte non encodé en UTF-8 : {error}"},
    "input_not_mapping": {
        "en": "a scenario must be a mapping of settings (name, data, campaign, ...)",
        "fr": "un scénario doit être un dictionnaire de réglages (name, data, campaign, ...)",
    },
    "input_data_file_not_found": {"en": "data file not found", "fr": "fichier de données introuvable"},
    "input_unreadable_xlsx": {
        "en": "cannot read as an XLSX workbook: {error}",
        "fr": "illisible comme classeur XLSX : {error}",
    },
    "input_unreadable_csv": {
        "en": "cannot read as a UTF-8 CSV table: {error}",
        "fr": "illisible comme tableau CSV en UTF-8 : {error}",
    },
    "input_missing_column": {"en": "required column is missing", "fr": "colonne obligatoire absente"},
    "input_unknown_column": {"en": "unknown column", "fr": "colonne inconnue"},
    "input_unknown_key": {"en": "unknown key", "fr": "clé inconnue"},
    "input_extra_cells": {"en": "more cells than columns", "fr": "plus de cellules que de colonnes"},
    "input_duplicate": {"en": "duplicate {column} {value!r}", "fr": "{column} {value!r} en double"},
    "input_empty_table": {"en": "the table has no rows", "fr": "le tableau n'a aucune ligne"},
    "input_roads_not_found": {
        "en": "road network file not found",
        "fr": "fichier du réseau routier introuvable",
    },
    "input_provinces_not_found": {
        "en": "province outlines file not found: {path}",
        "fr": "fichier des limites de provinces introuvable : {path}",
    },
    # References between tables and settings
    "input_store_is_site": {
        "en": "store_id {store!r} is also a site_id; ids must be unique across sites and stores",
        "fr": "store_id {store!r} est aussi un site_id ; les ids doivent être uniques parmi les sites et "
        "les dépôts",
    },
    "input_own_parent": {
        "en": "a store cannot be its own parent",
        "fr": "un dépôt ne peut pas être son propre parent",
    },
    "input_parent_cycle": {
        "en": "parent stores form a cycle through {store!r}",
        "fr": "les dépôts parents forment un cycle passant par {store!r}",
    },
    "input_unknown_parent_store": {
        "en": "unknown parent store {value!r}",
        "fr": "dépôt parent inconnu {value!r}",
    },
    "input_unknown_store": {"en": "unknown store {value!r}", "fr": "dépôt inconnu {value!r}"},
    "input_unknown_antigen": {"en": "unknown antigen {value!r}", "fr": "antigène inconnu {value!r}"},
    "input_unknown_pool": {"en": "unknown pool {value!r}", "fr": "groupe d'équipes inconnu {value!r}"},
    "input_unknown_site": {"en": "unknown site {value!r}", "fr": "site inconnu {value!r}"},
    "input_unknown_base": {
        "en": "base {base!r} is neither a store nor a site",
        "fr": "la base {base!r} n'est ni un dépôt ni un site",
    },
    "input_stays_at_post_not_at_post": {
        "en": "stays_at_post is true but base {base!r} is not a site with travellers_per_day",
        "fr": "stays_at_post vaut true mais la base {base!r} n'est pas un site avec travellers_per_day",
    },
    "input_override_flow_at_resident_site": {
        "en": "site {site!r} is a {kind} with a population: only a site with travellers_per_day in the "
        "sites table can have its flow replaced",
        "fr": "le site {site!r} est un site de type {kind} avec une population : seul un site avec "
        "travellers_per_day dans la table des sites peut voir son flux remplacé",
    },
    "input_stock_twice": {
        "en": "stock of {antigen} at {store} is given twice",
        "fr": "le stock de {antigen} à {store} est donné deux fois",
    },
    "input_unknown_target_group": {
        "en": "target group {group!r} is not in campaign.age_structure ({groups})",
        "fr": "le groupe cible {group!r} n'est pas dans campaign.age_structure ({groups})",
    },
    "plan_one_round": {
        "en": "This plan is for one round of {rounds}, {interval} days apart: each round gives one dose of"
        " each antigen; its stock and team-days are needed again for every round",
        "fr": "Ce plan vaut pour un tour sur {rounds}, à {interval} jours d'intervalle : chaque tour donne"
        " une dose de chaque antigène ; son stock et ses jours-équipe sont nécessaires à chaque tour",
    },
    "input_structure_groups": {
        "en": "an age structure must name every group of campaign.age_structure and no other"
        " (missing: {missing}; unknown: {unknown})",
        "fr": "une structure par âge doit nommer chaque groupe de campaign.age_structure et aucun autre"
        " (manquants : {missing} ; inconnus : {unknown})",
    },
    "input_priority_group_not_targeted": {
        "en": "{antigen} does not target group {group!r} in this campaign (it targets {groups})",
        "fr": "{antigen} ne cible pas le groupe {group!r} dans cette campagne (il cible {groups})",
    },
    "input_doses_need_rounds": {
        "en": "{antigen} has {doses} doses per person, but a campaign gives a person one dose of an antigen:"
        " define campaign.rounds (count, interval_days) to plan it round by round",
        "fr": "{antigen} a {doses} doses par personne, mais une campagne donne une dose d'un antigène par"
        " personne : définir campaign.rounds (count, interval_days) pour la planifier tour par tour",
    },
    "input_doses_over_rounds": {
        "en": "{antigen} has {doses} doses per person but campaign.rounds.count is {rounds}:"
        " one dose per round",
        "fr": "{antigen} a {doses} doses par personne mais campaign.rounds.count vaut {rounds} :"
        " une dose par tour",
    },
    "input_group_in_one_structure": {
        "en": "group {group!r} must be given in both age_structure and traveller_age_structure",
        "fr": "le groupe {group!r} doit figurer à la fois dans age_structure et dans traveller_age_structure",
    },
    # The road network and its closures
    "input_unreadable_roads": {
        "en": "cannot read the road network: {error}",
        "fr": "impossible de lire le réseau routier : {error}",
    },
    "input_roads_no_edges": {
        "en": "the road network has no edges",
        "fr": "le réseau routier n'a aucun tronçon",
    },
    "input_unknown_node": {"en": "unknown node {name!r}", "fr": "nœud inconnu {name!r}"},
    "input_edge_loop": {
        "en": "an edge must join two different nodes",
        "fr": "un tronçon doit relier deux nœuds différents",
    },
    "input_unknown_place": {
        "en": "unknown place {place!r} in the road network",
        "fr": "lieu inconnu {place!r} dans le réseau routier",
    },
    "input_closure_no_road": {
        "en": "no road {ref} joins {start!r} and {end!r}",
        "fr": "aucune route {ref} ne relie {start!r} et {end!r}",
    },
    "input_closure_no_path": {
        "en": "no road joins {start!r} and {end!r}",
        "fr": "aucune route ne relie {start!r} et {end!r}",
    },
    "input_off_road": {
        "en": "{place!r} is {km:.1f} km from the nearest road node (limit {limit_km:.1f} km): "
        "it is off the road network",
        "fr": "{place!r} est à {km:.1f} km du nœud routier le plus proche (limite {limit_km:.1f} km) : "
        "il est hors du réseau routier",
    },
    # Uploads and province outlines
    "input_unknown_table_kind": {
        "en": "unknown table kind {kind!r} (one of {kinds})",
        "fr": "type de tableau inconnu {kind!r} (types possibles : {kinds})",
    },
    "input_not_a_table": {
        "en": "not a table file: upload {options} or {last}",
        "fr": "pas un fichier de tableau : importez un fichier {options} ou {last}",
    },
    "input_same_upload_name": {
        "en": "the same file name is uploaded for two tables",
        "fr": "le même nom de fichier est importé pour deux tableaux",
    },
    "input_unreadable_provinces": {
        "en": "cannot read province outlines: {error}",
        "fr": "impossible de lire les limites des provinces : {error}",
    },
    "input_no_province_column": {"en": "no 'province' column", "fr": "pas de colonne 'province'"},
    "input_not_polygon": {
        "en": "geometry is {geometry}, not a polygon",
        "fr": "la géométrie est de type {geometry}, pas un polygone",
    },
    "input_empty_geometry": {
        "en": "geometry is empty, not a polygon",
        "fr": "la géométrie est vide, pas un polygone",
    },
    # Pydantic's errors by type (planner.loading), its English words with its context values; a count
    # of 1 takes the template ending in _one. Types without a template keep pydantic's English.
    "input_pydantic_missing": {"en": "Field required", "fr": "Valeur obligatoire manquante"},
    "input_pydantic_greater_than": {
        "en": "Input should be greater than {gt}",
        "fr": "La valeur doit être supérieure à {gt}",
    },
    "input_pydantic_greater_than_equal": {
        "en": "Input should be greater than or equal to {ge}",
        "fr": "La valeur doit être supérieure ou égale à {ge}",
    },
    "input_pydantic_less_than": {
        "en": "Input should be less than {lt}",
        "fr": "La valeur doit être inférieure à {lt}",
    },
    "input_pydantic_less_than_equal": {
        "en": "Input should be less than or equal to {le}",
        "fr": "La valeur doit être inférieure ou égale à {le}",
    },
    "input_pydantic_int_type": {
        "en": "Input should be a valid integer",
        "fr": "La valeur doit être un nombre entier",
    },
    "input_pydantic_int_parsing": {
        "en": "Input should be a valid integer, unable to parse string as an integer",
        "fr": "La valeur doit être un nombre entier ; ce texte n'en est pas un",
    },
    "input_pydantic_int_from_float": {
        "en": "Input should be a valid integer, got a number with a fractional part",
        "fr": "La valeur doit être un nombre entier ; ce nombre a une partie décimale",
    },
    "input_pydantic_float_type": {
        "en": "Input should be a valid number",
        "fr": "La valeur doit être un nombre",
    },
    "input_pydantic_float_parsing": {
        "en": "Input should be a valid number, unable to parse string as a number",
        "fr": "La valeur doit être un nombre ; ce texte n'en est pas un",
    },
    "input_pydantic_bool_type": {
        "en": "Input should be a valid boolean",
        "fr": "La valeur doit être un booléen (true ou false)",
    },
    "input_pydantic_bool_parsing": {
        "en": "Input should be a valid boolean, unable to interpret input",
        "fr": "La valeur doit être un booléen (true ou false) ; celle-ci ne peut pas être interprétée",
    },
    "input_pydantic_string_type": {
        "en": "Input should be a valid string",
        "fr": "La valeur doit être un texte",
    },
    "input_pydantic_string_too_short": {
        "en": "String should have at least {min_length} characters",
        "fr": "Le texte doit avoir au moins {min_length} caractères",
    },
    "input_pydantic_string_too_short_one": {
        "en": "String should have at least {min_length} character",
        "fr": "Le texte doit avoir au moins {min_length} caractère",
    },
    "input_pydantic_string_too_long": {
        "en": "String should have at most {max_length} characters",
        "fr": "Le texte doit avoir au plus {max_length} caractères",
    },
    "input_pydantic_string_too_long_one": {
        "en": "String should have at most {max_length} character",
        "fr": "Le texte doit avoir au plus {max_length} caractère",
    },
    "input_pydantic_string_pattern_mismatch": {
        "en": "String should match pattern '{pattern}'",
        "fr": "Le texte doit suivre le motif '{pattern}'",
    },
    "input_pydantic_too_short": {
        "en": "{field_type} should have at least {min_length} items after validation, not {actual_length}",
        "fr": "La liste doit avoir au moins {min_length} éléments après validation, et non {actual_length}",
    },
    "input_pydantic_too_short_one": {
        "en": "{field_type} should have at least {min_length} item after validation, not {actual_length}",
        "fr": "La liste doit avoir au moins {min_length} élément après validation, et non {actual_length}",
    },
    "input_pydantic_too_long": {
        "en": "{field_type} should have at most {max_length} items after validation, not {actual_length}",
        "fr": "La liste doit avoir au plus {max_length} éléments après validation, et non {actual_length}",
    },
    "input_pydantic_too_long_one": {
        "en": "{field_type} should have at most {max_length} item after validation, not {actual_length}",
        "fr": "La liste doit avoir au plus {max_length} élément après validation, et non {actual_length}",
    },
    "input_pydantic_literal_error": {
        "en": "Input should be {expected}",
        "fr": "La valeur doit être {expected}",
    },
    "input_pydantic_enum": {"en": "Input should be {expected}", "fr": "La valeur doit être {expected}"},
    "input_pydantic_one_of": {
        "en": "Input should be {options} or {last}",
        "fr": "La valeur doit être {options} ou {last}",
    },
    "input_pydantic_tuple_type": {
        "en": "Input should be a valid tuple",
        "fr": "La valeur doit être une liste",
    },
    "input_pydantic_dict_type": {
        "en": "Input should be a valid dictionary",
        "fr": "La valeur doit être un dictionnaire",
    },
    "input_pydantic_model_type": {
        "en": "Input should be a valid dictionary or instance of {class_name}",
        "fr": "La valeur doit être un dictionnaire de réglages ({class_name})",
    },
    "input_pydantic_value_error": {"en": "Value error, {error}", "fr": "Valeur refusée : {error}"},
    # The models' own checks (models.base.invalid): the English is the model's message.
    "input_pydantic_flow_site_needs_travellers": {
        "en": "a {kind} needs travellers_per_day",
        "fr": "un site de type {kind} demande travellers_per_day",
    },
    "input_pydantic_travellers_at_resident_kind": {
        "en": "a {kind} has a population, not travellers_per_day (a flow is for {flow_kinds})",
        "fr": "un site de type {kind} a une population, pas travellers_per_day (un flux est pour "
        "{flow_kinds})",
    },
    "input_pydantic_flow_and_population": {
        "en": "a site has population or travellers_per_day, not both",
        "fr": "un site a population ou travellers_per_day, pas les deux",
    },
    "input_pydantic_site_needs_population": {
        "en": "a {kind} needs population",
        "fr": "un site de type {kind} demande population",
    },
    "input_pydantic_flow_field_at_resident_site": {
        "en": "only a site with travellers_per_day has {field}",
        "fr": "seul un site avec travellers_per_day a {field}",
    },
    "input_pydantic_stays_at_post_not_fixed_post": {
        "en": "stays_at_post needs a fixed_post pool, not {team_type}",
        "fr": "stays_at_post demande un groupe fixed_post, pas {team_type}",
    },
    "input_pydantic_share_out_of_range": {
        "en": "share of group {group} must be within 0..1, got {share}",
        "fr": "la part du groupe {group} doit être entre 0 et 1, reçu {share}",
    },
    "input_pydantic_shares_over_one": {
        "en": "group shares add up to {total}; disjoint groups can add up to at most 1",
        "fr": "les parts des groupes font {total} au total ; des groupes disjoints font au plus 1",
    },
    "input_pydantic_wastage_out_of_range": {
        "en": "wastage rate of {antigen} must be within 0..1 (1 excluded), got {rate}",
        "fr": "le taux de perte de {antigen} doit être entre 0 et 1 (1 exclu), reçu {rate}",
    },
    "input_pydantic_unknown_site_kind": {
        "en": "{kind} is not a site kind ({kinds})",
        "fr": "{kind} n'est pas un type de site ({kinds})",
    },
    "input_pydantic_negative_priority": {
        "en": "priority weight of {group} for {antigen} must be at least 0, got {weight}",
        "fr": "le poids de priorité de {group} pour {antigen} doit être au moins 0, reçu {weight}",
    },
    "input_pydantic_rounds_overlap": {
        "en": "rounds.interval_days ({interval}) is shorter than a round (days: {days})",
        "fr": "rounds.interval_days ({interval}) est plus court qu'un tour (days : {days})",
    },
    "input_pydantic_shares_format": {
        "en": "write shares as group:share separated by spaces, not {item}",
        "fr": "écrire les parts sous la forme groupe:part séparées par des espaces, pas {item}",
    },
    "input_pydantic_travel_factor_below_one": {
        "en": "travel_time_factor for {highway} must be >= 1, got {factor}",
        "fr": "travel_time_factor de {highway} doit être au moins 1, reçu {factor}",
    },
    "input_pydantic_stock_override_twice": {
        "en": "overrides.stock names the same store and antigen twice",
        "fr": "overrides.stock nomme deux fois le même dépôt et le même antigène",
    },
    "input_pydantic_team_override_twice": {
        "en": "overrides.teams names the same pool twice",
        "fr": "overrides.teams nomme deux fois la même équipe (pool)",
    },
    "input_pydantic_site_override_twice": {
        "en": "overrides.sites names the same site twice",
        "fr": "overrides.sites nomme deux fois le même site",
    },
    "input_pydantic_contact_minutes_zero": {
        "en": "contact_minutes base + injection (the reference contact) must be above 0",
        "fr": "contact_minutes base + injection (le contact de référence) doit être supérieur à 0",
    },
}


#: Babel locale of each language: number, percent and date formats follow it on every surface.
LOCALES: dict[Lang, str] = {"en": "en", "fr": "fr_FR"}


def format_number(value: float, lang: Lang, *, decimals: int = 0, sign: bool = False) -> str:
    """A number the way ``lang`` writes it: ``12,345.6`` in English, ``12 345,6`` in French.

    Parameters
    ----------
    value
        The number.
    lang
        ``"en"`` or ``"fr"``.
    decimals
        Digits after the decimal sign, always shown.
    sign
        Show ``+`` before a positive number (a difference).
    """
    pattern = ("+" if sign else "") + "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    if sign:
        pattern += ";-" + pattern[1:]
    return babel.numbers.format_decimal(value, format=pattern, locale=LOCALES[lang])


def format_percent(fraction: float, lang: Lang, *, decimals: int = 1) -> str:
    """A fraction as a percentage the way ``lang`` writes it: ``54.9%`` in English, ``54,9 %`` in French."""
    locale = babel.Locale.parse(LOCALES[lang])
    # The locale's own pattern (French puts a no-break space before %), with the decimals asked for.
    digits = "." + "0" * decimals if decimals > 0 else ""
    pattern = locale.percent_formats[None].pattern.replace("0", "0" + digits, 1)
    return babel.numbers.format_percent(fraction, format=pattern, locale=locale)


class MissingLabelError(KeyError):
    """Raised when a label key or a language is not in the catalogue."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def day_name(day: int, lang: Lang) -> str:
    """A campaign day in words: "Day 3", or "Pre-campaign day D-1" for day 0 (the eve of day 1)."""
    if day >= 1:
        return f"{t('day', lang)} {day}"
    return t("pre_campaign_day", lang).format(before=1 - day)


def t(key: str, lang: Lang) -> str:
    """Return the label ``key`` in language ``lang``.

    Parameters
    ----------
    key
        A key of :data:`LABELS`, e.g. ``"arrival"``.
    lang
        ``"en"`` or ``"fr"``.

    Raises
    ------
    MissingLabelError
        (a ``KeyError``) naming the key or language that is missing.
    """
    try:
        texts = LABELS[key]
    except KeyError:
        msg = f"no label {key!r} in planner.i18n.LABELS"
        raise MissingLabelError(msg) from None
    try:
        return texts[lang]
    except KeyError:
        msg = f"label {key!r} has no text in language {lang!r} (languages: {', '.join(LANGUAGES)})"
        raise MissingLabelError(msg) from None
