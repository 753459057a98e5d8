"""Analytics pages under ``/f/<facility_slug>/analytics/``: the chairs dashboard (the home
page, ``chairs``), the theatres page, the daily report with its email subscription (``report``),
the nightly runs with their re-run button (``runs``, managers and admins) and the CSV of every
table (``export``). They show ``analytics.metrics``' reads as they are; charts are drawn by
static/analytics/analytics.js from ``json_script`` blocks, every chart has its table, and the
pages work without script."""
