"""`manage.py bench`: every page and job of the workstation measured on a database of its own
(issue 10).

- `database` — the bench's own database: a SQLite file in a temporary folder, or a PostgreSQL
  database on DATABASE_URL's server; created, reused with `--keep`, dropped after;
- `pages` — the pages as a logged-in manager and their admin references, through Django's test
  client (the real middleware and templates), with the SQL time of each request;
- `jobs` — the selection rules, worksheets for a batch of leads, the importer reader;
- `report` — the targets, the table, the comparison with an earlier run.
"""
