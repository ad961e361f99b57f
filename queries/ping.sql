-- Is the server there? Run on every page load before cached figures are shown.
SELECT 1 AS alive
