"""The service's configuration: the shipped file loads, and a bad value is refused naming its key."""

from __future__ import annotations

import pytest
import yaml

from crm_sales.plugin import SERVICE
from crm_sales.settings import settings_from


def test_the_shipped_config_gives_working_settings():
    from nameko.cli.main import setup_yaml_parser

    setup_yaml_parser()  # as ``nameko run`` reads it: ${VAR:default} interpolation
    config = yaml.safe_load(SERVICE.config.read_text())
    settings = settings_from(config)
    assert settings.stale_after_days == 14 and settings.reporting_currency == "EUR"
    assert settings.scoring.channels["referral"] == 20 and settings.assignment.round_robin == ()


@pytest.mark.parametrize(
    ("config", "key"),
    [({"REPORTING_CURRENCY": "EURO"}, "REPORTING_CURRENCY"), ({"STALE_AFTER_DAYS": 0}, "STALE_AFTER_DAYS"),
     ({"LEAD_SCORING": {"attributes": [{"points": 3}]}}, "LEAD_SCORING")],
)  # fmt: skip
def test_a_bad_setting_is_refused_naming_its_key(config, key):
    with pytest.raises(ValueError, match=key):
        settings_from(config)
