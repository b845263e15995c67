"""The ``contract`` command line: one module per command, their options generated from
the run's option model, and the exit codes they share."""
