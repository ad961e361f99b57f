-- Forget every hypothetical index of this backend (before its connection is closed).
SELECT {hypopg}.hypopg_reset() AS reset
