"""The platform's shell: settings, headers, translations and the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client

from hanjiang.cli import COMMANDS, usage

ROOT = Path(__file__).resolve().parents[4]


def test_production_settings_pass_the_deployment_check() -> None:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 20 + "-production-check-" + "y" * 30,
        "ALLOWED_HOSTS": "hanjiang.example.com",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production"}
    environment.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "django", "check"],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_pages_carry_the_security_headers() -> None:
    response = Client().get("/")
    assert response["Content-Security-Policy"].startswith("default-src 'self'")
    assert "script-src 'self';" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_chinese_catalogue_translates_every_string() -> None:
    catalogue = polib.pofile(str(ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []
    assert len(catalogue) > 250


def test_chinese_is_the_default_language() -> None:
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _name in settings.LANGUAGES] == ["zh-hans", "en"]


def test_the_command_lists_the_platforms_commands() -> None:
    text = usage()
    for name, _summary in COMMANDS:
        assert f"  {name}" in text
    result = subprocess.run(
        [sys.executable, "-m", "hanjiang.cli", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}"},
    )
    assert result.returncode == 0
    assert result.stdout.strip() == text


@pytest.mark.django_db
def test_the_openapi_document_describes_the_api() -> None:
    document = Client().get("/api/v1/openapi.json").json()
    assert document["info"]["title"] == "Hanjiang API"
    assert "/api/v1/organisations" in document["paths"]
    assert document["components"]["securitySchemes"]["ApiTokenAuth"]["scheme"] == "bearer"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept_language", "cookie", "title"),
    [
        ("en-US,en;q=0.9", "", "<title>首页 · 汉江电子商务公共服务平台</title>"),
        ("zh-CN", "", "<title>首页 · 汉江电子商务公共服务平台</title>"),
        ("zh-CN", "en", "<title>Home · Hanjiang e-commerce public service platform</title>"),
    ],
    ids=["english-browser", "chinese-browser", "switched-to-english"],
)
def test_pages_are_chinese_unless_english_is_chosen(
    accept_language: str, cookie: str, title: str
) -> None:
    client = Client()
    if cookie:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    page = client.get("/", headers={"Accept-Language": accept_language}).content.decode()
    assert title in page
