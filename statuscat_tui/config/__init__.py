"""Configuration: YAML with line numbers, ``${VAR}`` expansion, validation into frozen objects."""

from statuscat_tui.config.errors import ConfigError, ConfigIssue
from statuscat_tui.config.loader import (
    MAX_CONFIG_BYTES,
    default_database_path,
    find_config_path,
    load_config,
    parse_config,
)

__all__ = [
    "MAX_CONFIG_BYTES",
    "ConfigError",
    "ConfigIssue",
    "default_database_path",
    "find_config_path",
    "load_config",
    "parse_config",
]
