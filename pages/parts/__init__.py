"""Drawing helpers shared by the Tables, Indexes, Schema and Checklist pages (not pages themselves)."""
