"""Helpers every subcommand shares: loading the config named by ``--config``."""

from __future__ import annotations

import click

from publisher.config import Config, load_config
from publisher.i18n import N_, _


def config_from(ctx: click.Context) -> Config:
    """The validated config for this invocation (ConfigError propagates to exit 2)."""
    return load_config(ctx.find_root().obj.get("config_path"))


FORMAT_TEXT_JSON = click.Choice(["text", "json"])

_SEVERITIES = {"error": N_("error"), "warning": N_("warning")}


def severity(value: str) -> str:
    """A finding's severity as a word for people, in the language in use (machine formats keep the value)."""
    return _(_SEVERITIES[value]) if value in _SEVERITIES else value
