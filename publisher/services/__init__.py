"""The application services both front-ends call: one function per thing a person asks for.

A command in :mod:`publisher.cli` and a page of the web workspace that do the
same thing call the same function here (or in :mod:`publisher.emergency`,
:mod:`publisher.reports`), so the two can never disagree.
"""
