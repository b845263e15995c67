"""Certifying a fleet of installs: ``contract fleet FLEET.toml``, sharded over machines
with ``--shard K/N`` and folded back with ``contract fleet merge``.

- :mod:`contract.fleet.file`: the fleet file (its keys in :mod:`contract.fleet.keys`),
  refused with every problem :mod:`contract.fleet.file_problems` finds in it;
- :mod:`contract.fleet.shard`: which installs a shard holds;
- :mod:`contract.fleet.runner`: each install's certification, in a process of its own,
  started by :mod:`contract.fleet.starter` (forked from :mod:`contract.fleet.zygote`)
  when :mod:`contract.fleet.ramp` gives it its turn;
- :mod:`contract.fleet.report` (with :mod:`contract.fleet.totals`, and
  :mod:`contract.fleet.report_html` laying out :mod:`contract.fleet.report_columns`): the
  fleet report;
- :mod:`contract.fleet.merge`: shard outputs into one report;
- :mod:`contract.fleet.history` (with :mod:`contract.fleet.history_file` and
  :mod:`contract.fleet.history_merge`): the history of fleet runs, an SQLite file;
- :mod:`contract.fleet.diff` (with :mod:`contract.fleet.snapshot`,
  :mod:`contract.fleet.changes` and :mod:`contract.fleet.diff_report`): what changed
  between two runs, certificates or fleet reports (``contract diff``);
- the command lines that offer them are :mod:`contract.cli.fleet`,
  :mod:`contract.cli.diff` and :mod:`contract.cli.history`.
"""
