"""The holding statement (policy 11.2) and the removal notice (policy 12), in Welsh and English (docs/inbox.md).

Taken from the word bank's templates ``inbox-holding`` and ``inbox-removal``
when the team has written them there, else the policy's own wording with its
Welsh. They take no variables.
"""

from __future__ import annotations

from publisher.config import Config
from publisher.content.wordbank import load_wordbank
from publisher.i18n import _
from publisher.text.templates import Rendered, TemplateError, render

HOLDING = "inbox-holding"
REMOVAL = "inbox-removal"

DEFAULTS = {
    HOLDING: Rendered(
        cy="Diolch am eich sylwadau. Byddwn yn holi ac yn dod yn ôl atoch cyn gynted â phosibl.",
        en="Thank you for your comments. We will find out and get back to you as soon as possible.",
    ),
    REMOVAL: Rendered(
        cy=(
            "Tynnwyd y sylw hwn oherwydd ein bod o'r farn bod y cynnwys yn sarhaus. Byddwn yn ymateb i'ch "
            "sylwadau, ond gofynnwn i chi beidio â defnyddio iaith sarhaus ac i barchu barn pobl eraill."
        ),
        en=(
            "This comment was removed because we found the content to be offensive. We will respond to your "
            "comments but please refrain from using offensive language and respect the views of others."
        ),
    ),
}


class StatementError(ValueError):
    """The word bank's statement cannot be used; the message says how to fix it."""


def statement(config: Config, name: str) -> Rendered:
    """The statement ``name`` from the word bank, or the policy's wording."""
    template = load_wordbank(config.wordbank).templates.get(name)
    if template is None:
        return DEFAULTS[name]
    try:
        return render(template, {})
    except TemplateError as exc:
        message = _("%(wordbank)s: template '%(template)s' takes no variables: %(error)s")
        raise StatementError(message % {"wordbank": config.wordbank.name, "template": name, "error": exc}) from None
