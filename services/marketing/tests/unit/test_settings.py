"""The service's configuration: the shipped file loads, and a bad value is refused naming its key."""

from __future__ import annotations

import pytest
import yaml

from crm_marketing.plugin import SERVICE
from crm_marketing.settings import DEV_LINK_SECRET, settings_from


def test_the_shipped_config_gives_working_settings():
    from nameko.cli.main import setup_yaml_parser

    setup_yaml_parser()  # as ``nameko run`` reads it: ${VAR:default} interpolation
    config = yaml.safe_load(SERVICE.config.read_text())
    settings = settings_from(config)
    assert (settings.smtp.host, settings.smtp.port, settings.smtp.security) == ("localhost", 25, "none")
    assert settings.smtp.username is None and settings.link_secret == DEV_LINK_SECRET
    assert settings.public_url == "http://localhost:8000" and settings.attribution_days == 30


@pytest.mark.parametrize(
    ("config", "key"),
    [({"SMTP_SECURITY": "ssl3"}, "SMTP_SECURITY"), ({"MARKETING_LINK_SECRET": "short"}, "MARKETING_LINK_SECRET"),
     ({"MARKETING_SENDS_PER_SECOND": 0}, "MARKETING_SENDS_PER_SECOND"), ({"SMTP_CONNECTIONS": 0}, "SMTP_CONNECTIONS")],
)  # fmt: skip
def test_a_bad_setting_is_refused_naming_its_key(config, key):
    with pytest.raises(ValueError, match=key):
        settings_from(config)
