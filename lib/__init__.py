"""pgpulse engine: collectors, checks, maintenance and the CLI. No Streamlit here except lib.stbind."""
