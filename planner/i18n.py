"""Labels in English and French, shared by the exports and the user interface.

A plain dict catalogue rather than gettext: there is no compiled ``.mo`` build step to forget, the
labels are data that the exports and the UI share (and tests can check that every key has every
language), and the vocabulary is a few dozen short words, not sentences with plural forms.
"""

from __future__ import annotations

from typing import Literal, get_args

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
}


class MissingLabelError(KeyError):
    """Raised when a label key or a language is not in the catalogue."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


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
