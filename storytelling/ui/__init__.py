"""The only part of the core that imports Streamlit: shared widgets, state and rendering."""
