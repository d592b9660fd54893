"""The scenario explorer: edit a scenario, solve it, see the plan on a map, compare, download.

Run with ``streamlit run streamlit_app.py``. It opens on the Burundi baseline and works with no
internet: the map draws with ``map_provider=None`` unless the user turns on the online basemap.

This file is only the entry point and router (``st.navigation``) over the five pages of
:mod:`explorer.pages`; :mod:`explorer.state` holds the session state and cached resources,
:mod:`explorer.solve_panel` the sidebar's Solve and Cancel. Every label goes through
:func:`planner.i18n.t`, so the language switch covers the whole interface and the exports.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from explorer.pages.compare import compare_page
from explorer.pages.map import map_page
from explorer.pages.plan import plan_page
from explorer.pages.routes import routes_page
from explorer.pages.scenario import scenario_page
from explorer.solve_panel import solve_panel, submit_solve
from explorer.state import _, open_default_scenario, session
from explorer.widgets import kept_widget
from planner.i18n import LANGUAGES, language_name

#: Each page: its title's label key, the function that draws it, its url path.
PAGES: list[tuple[str, Callable[[], None], str]] = [
    ("scenario", scenario_page, "scenario"),
    ("plan", plan_page, "plan"),
    ("map", map_page, "map"),
    ("routes_downloads", routes_page, "routes"),
    ("compare", compare_page, "compare"),
]


def main() -> None:
    """The router: language, solve panel, the plan shown and the five pages."""
    st.set_page_config(page_title="Microplanner", layout="wide")
    if open_default_scenario():
        submit_solve()  # the first visit solves the baseline at once
    with st.sidebar:
        kept_widget(
            st.radio,
            "language",
            "en",
            "Language / Langue",
            options=LANGUAGES,
            format_func=language_name,
            horizontal=True,
        )
        solve_panel()
        if session.results:
            names = list(session.results)
            # No widget key: finish() sets session.current, which a keyed widget would forbid.
            session.current = st.selectbox(_("shown_plan"), names, index=names.index(session.current))
    pages = {
        path: st.Page(draw, title=_(key), url_path=path, default=path == "scenario")
        for key, draw, path in PAGES
    }
    page = st.navigation(list(pages.values()))
    goto = session.pop("goto", None)  # set by buttons that lead to another page (and by tests)
    if goto in pages:
        st.switch_page(pages[goto])
    page.run()


# Streamlit runs this file as __main__; worker processes that import it (spawn) must not run the app.
if __name__ == "__main__":
    main()
