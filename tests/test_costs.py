"""What a post costs: the price table in the config, the cost per account in ``preview``, the monthly sum in reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine
from click.testing import CliRunner
from test_reports import local, publish_through_queue

from publisher.cli import cli
from publisher.errors import ConfigError
from publisher.text.cost import has_link

from conftest import BASE_CONFIG, CY_BODY, EN_BODY, Project

REVIEWED = "translation: {reviewed: true, reviewer: Gwenllian Morgan, reviewed_on: 2026-11-20}\n"
PRICES = """
[costs.x]
currency = "USD"
post = 0.01
post_with_url = 0.2
"""


@pytest.fixture
def priced(project: Project) -> Project:
    project.write("config/publisher.toml", BASE_CONFIG + PRICES)
    return project


def test_the_price_table_is_read_and_checked(priced: Project) -> None:
    price = priced.config().costs["x"]
    assert (price.currency, str(price.post), str(price.post_with_url)) == ("USD", "0.01", "0.2")
    bad = {
        "[costs.twitter]\npost = 0.01\n": r"'\[costs.twitter\]' names no platform",
        "[costs.x]\npost = -1\n": r"'costs.x.post' must be a price",
        '[costs.x]\npost = 0.01\ncurrency = "dollars"\n': r"is not a currency code",
        "[costs.x]\npost_with_url = 0.2\n": r"needs 'post'",
        "[costs.x]\npost = 0.01\nper_image = 0.1\n": r"unknown key 'costs.x.per_image'",
    }
    for table, message in bad.items():
        priced.write("config/publisher.toml", BASE_CONFIG + table)
        with pytest.raises(ConfigError, match=message):
            priced.config()


def test_x_finds_a_link_where_x_does() -> None:
    assert has_link("x", "Gweler powys.gov.uk/biniau") and has_link("x", "https://example.gov.uk")
    assert not has_link("x", "Dim dolen yma.") and not has_link("facebook", "Gweler powys.gov.uk")


def test_preview_shows_what_each_account_costs(priced: Project) -> None:
    link = "Gweler https://www.example.gov.uk/llyfrgell"
    priced.post(
        cy_front=f"publish_at: 2027-01-12T10:00\naccounts: [powys-x, local]\n{REVIEWED}",
        cy_body=f"{CY_BODY} {link}",
        en_body=EN_BODY,
    )
    data = json.loads(CliRunner().invoke(cli, ["preview", "post", "--format", "json"]).output)
    x, local_account = data["accounts"]
    welsh, english = x["messages"]
    assert welsh["cost"] == {"amount": 0.2, "currency": "USD", "with_link": True}
    assert english["cost"] == {"amount": 0.01, "currency": "USD", "with_link": False}
    assert x["cost"] == [{"amount": 0.21, "currency": "USD", "posts": 2}]
    assert local_account["cost"] == [] and local_account["messages"][0]["cost"] is None
    text = CliRunner().invoke(cli, ["preview", "post"]).output
    assert "costs 0.2 USD (carries a link)" in text and "cost for powys-x: 0.21 USD (2 posts)" in text


def test_reports_sum_the_cost_per_month(priced: Project) -> None:
    posts = {
        "old": (local(2026, 11, 23, 10, 0), ""),  # before the three months asked for
        "jan-a": (local(2027, 1, 12, 10, 0), " https://www.example.gov.uk/a"),
        "jan-b": (local(2027, 1, 31, 23, 30), ""),  # 23:30 on the 31st: January, in Welsh time
        "feb": (local(2027, 2, 2, 9, 0), ""),
    }
    for slug, (when, link) in posts.items():
        priced.post(
            slug,
            cy_front=f"publish_at: {when.isoformat()}\naccounts: [powys-x]\n{REVIEWED}",
            cy_body=f"{CY_BODY} ({slug}){link}",
            en_body=f"{EN_BODY} ({slug})",
        )
    publish_through_queue(priced, [when for when, _ in posts.values()])
    with time_machine.travel(datetime(2027, 2, 20, 12, tzinfo=UTC), tick=False):
        result = CliRunner().invoke(cli, ["report", "costs", "--months", "3", "--format", "json"])
        text = CliRunner().invoke(cli, ["report", "costs", "--months", "3"]).output
    data = json.loads(result.output)
    assert data["rows"] == [
        {
            "month": "2027-01",
            "account": "powys-x",
            "platform": "x",
            "currency": "USD",
            "posts": 4,
            "with_link": 1,
            "amount": 0.23,
        },
        {
            "month": "2027-02",
            "account": "powys-x",
            "platform": "x",
            "currency": "USD",
            "posts": 2,
            "with_link": 0,
            "amount": 0.02,
        },
    ]
    assert data["totals"] == [
        {"month": "2027-01", "currency": "USD", "amount": 0.23},
        {"month": "2027-02", "currency": "USD", "amount": 0.02},
    ]
    assert "2027-01  total: 0.23 USD" in text


def test_without_a_price_table_the_report_says_how_to_add_one(project: Project) -> None:
    result = CliRunner().invoke(cli, ["report", "costs"])
    assert result.exit_code == 0 and "add [costs.x]" in result.output
