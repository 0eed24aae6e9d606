"""Streamlit entry point (thin): `streamlit run app.py` with WORKBENCH_STORE set, or `workbench app`."""

from workbench.app.main import run

run()
