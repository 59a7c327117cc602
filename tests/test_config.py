"""Every TRIAGE_* setting lives in one Settings and says what it is for."""

from __future__ import annotations

from pathlib import Path

from triage.config import Settings


def test_every_setting_has_a_description() -> None:
    assert [n for n, f in Settings.model_fields.items() if not f.description] == []


def test_the_default_files_exist_where_the_settings_say() -> None:
    repo = Path(__file__).resolve().parent.parent
    s = Settings()
    for path in (s.prompt, s.gate_config, s.checks):
        assert not path.is_absolute() and (repo / path).is_file(), path
