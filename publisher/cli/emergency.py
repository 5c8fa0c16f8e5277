"""``publisher emergency``: publish now, out of hours (policy 8.4, 8.5; cli.md)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import click

from publisher.cli.context import FORMAT_TEXT_JSON, config_from
from publisher.findings import Finding


def _variables(pairs: tuple[str, ...]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.BadParameter(f"'{pair}' is not KEY=VALUE", param_hint="--var")
        key, value = pair.split("=", 1)
        values[key.strip()] = value.strip()
    return values


def _audit_refusal(config, by: str, reason: str, why: str, now: datetime) -> None:  # type: ignore[no-untyped-def]
    from publisher.queue.audit import record
    from publisher.queue.daemon import open_database

    db = open_database(config)
    try:
        with db.sessions.begin() as session:
            record(session, by, "emergency_refused", at=now, detail={"reason": reason, "why": why})
    finally:
        db.engine.dispose()


@click.command()
@click.option("--account", "accounts", multiple=True, required=True, help="Account to publish to (repeatable).")
@click.option("--en", "english", default=None, help="The English text (not needed with --template).")
@click.option("--cy", "welsh", default=None, help="The Welsh text; may be a shortened summary of the English.")
@click.option("--template", default=None, help="A pre-translated template from the word bank.")
@click.option("--var", "variables", multiple=True, help="KEY=VALUE for the template (repeatable).")
@click.option("--machine-translate", is_flag=True, help="Translate the English with Microsoft Translator (needs --public-safety).")
@click.option("--public-safety", is_flag=True, help="Confirm there is immediate danger to public safety (policy 8.5).")
@click.option("--reason", required=True, help="Why this cannot wait for the Translation Team (recorded).")
@click.option("--by", "by", required=True, help="Who is publishing (must be in [emergency].authorised).")
@click.option("--override-hours", is_flag=True, help="Publish even though the Translation Team is at work (recorded with --reason).")
@click.option("--media", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None, help="An image inside the content folder.")
@click.option("--alt-en", default=None)
@click.option("--alt-cy", default=None)
@click.option("--consent", default=None)
@click.option("--rights", default=None)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True,
              help="json: the findings, each delivery's state and URL, and the review item, for scripts.")
@click.pass_context
def emergency(ctx: click.Context, accounts: tuple[str, ...], english: str | None, welsh: str | None, template: str | None,
              variables: tuple[str, ...], machine_translate: bool, public_safety: bool, reason: str, by: str,
              override_hours: bool, media: Path | None, alt_en: str | None, alt_cy: str | None, consent: str | None,
              rights: str | None, yes: bool, fmt: str) -> None:
    """Publish a bilingual post now, out of hours, Welsh first; it is queued for Translation Team review.

    The Welsh comes from (in order of preference) a word bank --template, a
    --cy text (a summary is allowed), or --machine-translate --public-safety.
    With --format json, stdout carries only the JSON; the preview and the
    confirmation prompt (without --yes) go to stderr.
    """
    from publisher.content.post import normalise
    from publisher.content.wordbank import load_wordbank
    from publisher.emergency.publish import Emergency, Refused, build_post, check_allowed, next_available_note, store_and_publish, validate

    config = config_from(ctx)
    now = datetime.now(timezone.utc)
    for name in accounts:
        if name not in config.accounts:
            raise click.BadParameter(f"account '{name}' is not in the config", param_hint="--account")
    sources = [s for s, given in (("template", template), ("summary", welsh), ("machine", machine_translate)) if given]
    if len(sources) != 1:
        raise click.UsageError("give exactly one Welsh source: --template NAME, --cy TEXT, or --machine-translate --public-safety")
    source = sources[0]
    try:
        check_allowed(config, by, now, override_hours)
        if source == "machine" and not public_safety:
            raise Refused("machine translation is only for immediate danger to public safety (policy 8.5): add --public-safety, or write a Welsh summary with --cy")
    except Refused as exc:
        _audit_refusal(config, by, reason, str(exc), now)
        click.echo(f"publisher: refused: {exc}", err=True)
        ctx.exit(1)
    if source == "template":
        from publisher.emergency.templates import TemplateError, render

        bank = load_wordbank(config.wordbank)
        if template not in bank.templates:
            raise click.BadParameter(f"no template '{template}' in {config.wordbank.name}; try 'publisher wordbank search'", param_hint="--template")
        try:
            rendered = render(bank.templates[template], _variables(variables))
        except TemplateError as exc:
            raise click.UsageError(str(exc)) from None
        welsh, english = rendered.cy, rendered.en
    elif english is None:
        raise click.UsageError("--en is required (only --template supplies its own English)")
    elif source == "machine":
        from publisher.emergency.translator import TranslationError, translate_to_welsh

        try:
            welsh = translate_to_welsh(config.machine_translation, english)
        except TranslationError as exc:
            click.echo(f"publisher: {exc}", err=True)
            ctx.exit(1)
    assert welsh is not None and english is not None
    job = Emergency(
        accounts=list(accounts), en=normalise(english), cy=normalise(welsh), source=source, reason=reason, by=by,
        override_hours=override_hours, template=template, media=media, alt_cy=alt_cy, alt_en=alt_en,
        consent=consent, rights=rights, variables=_variables(variables),
    )
    post = build_post(config, job, now)
    findings = validate(config, post, source, now)
    as_json = fmt == "json"
    if not as_json:
        for finding in findings:
            click.echo(f"{finding.file}: {finding.severity} [{finding.code}] {finding.message}", err=True)
    if any(f.severity == "error" for f in findings):
        if as_json:
            _echo_json(post.id, source, findings, [], None)
        click.echo(f"publisher: not published: fix the errors {'in the JSON findings' if as_json else 'above'}", err=True)
        ctx.exit(1)
    from publisher.cli.preview import build, render_text

    if not (as_json and yes):
        click.echo(render_text(build(config, post, None)), err=as_json)
        click.echo(f"\nWelsh source: {source}; {next_available_note(config, now)}; a review item will be created.", err=as_json)
    if not yes and not click.confirm("Publish this now?", default=False, err=as_json):
        click.echo("Not published.", err=as_json)
        ctx.exit(1)
    outcomes, review_item = store_and_publish(config, post, job, now)
    failed = any(outcome["state"] != "published" for outcome in outcomes)
    if as_json:
        _echo_json(post.id, source, findings, outcomes, review_item)
    else:
        for outcome in outcomes:
            detail = outcome["url"] if outcome["state"] == "published" else f"{outcome['state']}: {outcome['error'] or ''}"
            click.echo(f"{outcome['account']} [{outcome['language']}] {detail}")
        click.echo(f"Emergency post {post.id} is queued for Translation Team review as item #{review_item} ('publisher review list').")
    ctx.exit(1 if failed else 0)


def _echo_json(post_id: str, source: str, findings: list[Finding], deliveries: list[dict[str, str | None]], review_item: int | None) -> None:
    """The outcome for scripts: deliveries in publish order (Welsh first); no review item when nothing was published."""
    click.echo(json.dumps({
        "post": post_id, "source": source, "findings": [f.as_json() for f in findings],
        "deliveries": deliveries, "review_item": review_item,
    }, ensure_ascii=False, indent=2))
