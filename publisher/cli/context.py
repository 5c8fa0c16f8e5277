"""Helpers every subcommand shares: loading the config named by ``--config``."""

from __future__ import annotations

import click

from publisher.config import Config, load_config


def config_from(ctx: click.Context) -> Config:
    """The validated config for this invocation (ConfigError propagates to exit 2)."""
    return load_config(ctx.find_root().obj.get("config_path"))


FORMAT_TEXT_JSON = click.Choice(["text", "json"])
