"""``file-misnamed``: a file named nearly like a post file is not read as one (docs/content.md "Rule codes").

``gritting.eng.md``, ``gritting.cym.md`` or ``gritting.en.md.md`` beside a
pair would otherwise be ignored without a word, and the post they were
meant to be part of never published. The finding names the right name.
"""

from __future__ import annotations

from collections.abc import Iterable

from publisher.content.discovery import Stray, display_path
from publisher.findings import Finding
from publisher.i18n import N_, _
from publisher.rules.base import Rule

RULE = Rule(
    "file-misnamed",
    "error",
    N_(
        "name post files <slug>.cy.md (Welsh) and <slug>.en.md (English), or move other files out of the content folder"
    ),
)


def check_strays(strays: Iterable[Stray]) -> list[Finding]:
    """One finding per misnamed file, naming the file it should be (or saying that file exists already)."""
    findings = []
    for stray in strays:
        right = stray.path.with_name(stray.right_name)
        if right.exists():
            message = _(
                "'%(name)s' is not read as a post file, and %(right)s is already there: "
                "remove this one if it is a leftover copy"
            )
        elif stray.language == "cy":
            message = _("'%(name)s' is not read as a post file: if it is the Welsh text, rename it to %(right)s")
        else:
            message = _("'%(name)s' is not read as a post file: if it is the English text, rename it to %(right)s")
        message %= {"name": stray.path.name, "right": stray.right_name}
        findings.append(
            Finding(
                file=display_path(stray.path),
                line=1,
                code=RULE.code,
                severity=RULE.severity,
                post=stray.slug,
                message=message,
            )
        )
    return findings
