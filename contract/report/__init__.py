"""Reporting: the certificate of a run (verdicts folded per requirement, what the run
says about itself) and its views, in the terminal, JSON, Markdown and one HTML page.
"""
