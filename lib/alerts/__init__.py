"""Alerts: rules evaluated against a database, notifications to a webhook and e-mail, without storms.

- config: `[pgpulse.alerts]` of secrets.toml, read from Settings.alerts
- rules: what is wrong now (one Breach per rule and object)
- channels: webhook (Slack, Discord, generic JSON) and SMTP e-mail, with retries
- engine: compares breaches with the state kept in the store and decides what to send
- background: the running app's evaluation thread (started once per process; no Streamlit here)
"""
