"""Shared UI helpers of the Streamlit app: session state, labels, formatting, editors, charts."""
