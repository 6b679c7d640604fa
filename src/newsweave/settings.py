"""Every setting newsweave reads, declared once with its default, environment variable and help.

A setting is resolved in this order: the command-line option, the environment variable, the
default. The README's settings table is checked against this list by the tests, so a setting
cannot exist undocumented.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from newsweave.errors import SettingError


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        name="db",
        env="NEWSWEAVE_DB",
        default="newsweave.db",
        help="Path of the SQLite database (created when missing). Option: --db PATH.",
    ),
)

_BY_NAME = {setting.name: setting for setting in SETTINGS}


def resolve(name: str, option_value: str | None = None) -> str:
    """The value of setting ``name``: the option if given, else its environment variable, else the default."""
    try:
        setting = _BY_NAME[name]
    except KeyError:
        raise SettingError(f"unknown setting {name!r}") from None
    if option_value is not None:
        return option_value
    return os.environ.get(setting.env) or setting.default
