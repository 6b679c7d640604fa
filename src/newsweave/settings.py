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
    Setting(
        name="allow_private_networks",
        env="NEWSWEAVE_ALLOW_PRIVATE_NETWORKS",
        default="0",
        help="Fetch from private, loopback and link-local addresses (1 to allow; for tests and intranet feeds).",
    ),
    Setting(
        name="cache",
        env="NEWSWEAVE_CACHE",
        default="~/.cache/newsweave/embeddings.db",
        help="Cache of the stateless commands (cluster, synthesize, audit): an SQLite file, made with its folder.",
    ),
    Setting(
        name="engine",
        env="NEWSWEAVE_ENGINE",
        default="extractive",
        help="Which engine writes briefs (synthesize, ingest, update): extractive (extractive/1), or llm (llm/1, "
        "a language model behind an OpenAI-compatible API, held to the sources by verify). Option: --engine.",
    ),
    Setting(
        name="llm_url",
        env="NEWSWEAVE_LLM_URL",
        default="",
        help="Base URL of the language model's OpenAI-compatible API, e.g. http://127.0.0.1:8080/v1 (engine llm).",
    ),
    Setting(
        name="llm_model",
        env="NEWSWEAVE_LLM_MODEL",
        default="",
        help="The model's name as that API knows it (engine llm).",
    ),
    Setting(
        name="llm_api_key",
        env="NEWSWEAVE_LLM_API_KEY",
        default="",
        help="Sent as a bearer token to that API, if it asks for one (engine llm).",
    ),
    Setting(
        name="llm_timeout",
        env="NEWSWEAVE_LLM_TIMEOUT",
        default="120",
        help="Seconds to wait for data of the model's answer to one story (the whole answer may take up to twice "
        "that); without an answer the extractive brief stands.",
    ),
    Setting(
        name="host_delay",
        env="NEWSWEAVE_HOST_DELAY",
        default="1.0",
        help="Seconds between two requests to the same host (requests to different hosts run in parallel).",
    ),
)

_BY_NAME = {setting.name: setting for setting in SETTINGS}


def resolve(name: str, option_value: str | None = None) -> str:
    """The value of setting ``name``: the option if given, else its environment variable, else the default."""
    try:
        setting = _BY_NAME[name]
    except KeyError:
        raise SettingError(f"unknown setting {name!r}") from None
    value = option_value if option_value is not None else os.environ.get(setting.env) or setting.default
    return os.path.expanduser(value) if value.startswith("~") else value


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def resolve_flag(name: str, option_value: bool | None = None) -> bool:
    """A yes/no setting: the option if given, else its environment variable (1/0, true/false), else the default."""
    if option_value is not None:
        return option_value
    raw = resolve(name).strip().lower()
    if raw not in _TRUE | _FALSE:
        raise SettingError(f"{_BY_NAME[name].env}={raw!r}: use 1 or 0")
    return raw in _TRUE


def resolve_seconds(name: str, option_value: float | None = None) -> float:
    """A duration setting in seconds (a non-negative number)."""
    if option_value is not None:
        return option_value
    raw = resolve(name)
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value < 0:
        raise SettingError(f"{_BY_NAME[name].env}={raw!r}: use a number of seconds, 0 or more")
    return value
