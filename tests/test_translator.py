"""Machine translation: Microsoft Translator only (policy 8.5), Google refused."""

from __future__ import annotations

import json
import subprocess

import pytest
import responses

from publisher.emergency.translator import TranslationError, translate_to_welsh

from _crash import PUBLISHER
from conftest import Project


def test_google_is_refused_citing_the_policy(project: Project) -> None:
    project.write(
        "config/publisher.toml", project.config_path.read_text() + '\n[machine_translation]\nprovider = "google"\n'
    )
    result = subprocess.run([*PUBLISHER, "check"], cwd=project.root, capture_output=True, text=True)
    assert result.returncode == 2 and "8.5" in result.stderr and "Google" in result.stderr


@responses.activate
def test_microsoft_translator_success_401_429(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = project.config().machine_translation
    monkeypatch.setenv(settings.key_env, "mt-key-123456")
    url = f"{settings.endpoint}/translate"
    responses.post(url, json=[{"translations": [{"text": "Mae'r ffordd ar gau.", "to": "cy"}]}])
    assert translate_to_welsh(settings, "The road is closed.") == "Mae'r ffordd ar gau."
    sent = responses.calls[0].request
    assert "api-version=3.0" in sent.url and "from=en" in sent.url and "to=cy" in sent.url
    assert (
        sent.headers["Ocp-Apim-Subscription-Key"] == "mt-key-123456"
        and sent.headers["Ocp-Apim-Subscription-Region"] == "uksouth"
    )
    assert json.loads(sent.body) == [{"Text": "The road is closed."}]
    responses.replace(
        responses.POST, url, status=401, json={"error": {"code": 401000, "message": "invalid key mt-key-123456"}}
    )
    with pytest.raises(TranslationError, match="refused the key") as caught:
        translate_to_welsh(settings, "x")
    assert "mt-key-123456" not in str(caught.value)
    responses.replace(responses.POST, url, status=429, json={"error": {"code": 429001, "message": "Too many requests"}})
    with pytest.raises(TranslationError, match="429"):
        translate_to_welsh(settings, "x")
