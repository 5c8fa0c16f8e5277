"""The web workspace: a second front-end beside the command line, over the same services (docs/web.md).

Server-rendered pages (Flask, Jinja2 with autoescaping), no JavaScript,
served by waitress. Each page calls the same service function as the
command that does the same thing; this package parses forms, checks who may
do what, and renders. Every message is in Welsh and English
(:mod:`publisher.i18n`).
"""
