"""The scenario explorer's user interface: session state, the solve panel, shared widgets and the pages.

``streamlit_app.py`` (the entry point, ``streamlit run streamlit_app.py``) routes between the pages of
:mod:`explorer.pages`. This package imports streamlit, so it lives beside ``planner/`` (which never
does) and only calls planner's public functions.
"""
