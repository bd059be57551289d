"""Streamlit-aware helpers shared by the pages: state, components, charts, training progress."""
