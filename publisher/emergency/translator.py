"""Microsoft Translator v3: the only machine translation the policy allows (8.5).

Only on the emergency public-safety path, English to Welsh. The key comes
from the environment variable named by ``[machine_translation].key_env``.
"""

from __future__ import annotations

import os

import requests

from publisher.config import MachineTranslation
from publisher.i18n import _
from publisher.platforms.base import PermanentError, PlatformError, RateLimited, TransientError
from publisher.platforms.http import send
from publisher.redaction import KNOWN


class TranslationError(Exception):
    """Machine translation failed; the message says why and what to do instead."""


def translate_to_welsh(settings: MachineTranslation, english: str, timeout: float = 20.0) -> str:
    """Translate ``english`` to Welsh with Microsoft Translator."""
    key = os.environ.get(settings.key_env, "")
    KNOWN.add(key)
    if not key:
        raise TranslationError(
            _("machine translation needs the Microsoft Translator key in the environment variable %(variable)s")
            % {"variable": settings.key_env}
        )
    url = f"{settings.endpoint.rstrip('/')}/translate"
    headers = {
        "Ocp-Apim-Subscription-Key": key,
        "Ocp-Apim-Subscription-Region": settings.region,
        "Content-Type": "application/json",
    }
    try:
        response = send(
            requests.Session(),
            "POST",
            url,
            timeout=timeout,
            redact=KNOWN.scrub,
            params={"api-version": "3.0", "from": "en", "to": "cy"},
            json=[{"Text": english}],
            headers=headers,
        )
        return str(response.json()[0]["translations"][0]["text"])
    except RateLimited:
        raise TranslationError(
            _(
                "Microsoft Translator is rate limiting this key (HTTP 429); wait a minute, "
                "or write a Welsh summary with --cy"
            )
        ) from None
    except PermanentError as exc:
        if exc.status == 401:
            raise TranslationError(
                _("Microsoft Translator refused the key in %(variable)s (HTTP 401): check the key and region")
                % {"variable": settings.key_env}
            ) from None
        raise TranslationError(
            _("Microsoft Translator refused the request: %(error)s") % {"error": exc.message}
        ) from None
    except (TransientError, PlatformError) as exc:
        raise TranslationError(
            _("Microsoft Translator is unavailable (%(error)s); write a Welsh summary with --cy instead")
            % {"error": exc.message}
        ) from None
    except (KeyError, IndexError, ValueError):
        raise TranslationError(_("Microsoft Translator answered with something other than a translation")) from None
