"""Loads the service configuration."""
from pathlib import Path

import yaml

DEFAULTS = yaml.safe_load("currency: EUR\npage_size: 50\n")


def load_settings(path: Path) -> dict:
    with path.open() as f:
        data = yaml.load(f)
    return {**DEFAULTS, **(data or {})}


def load_feature_flags(path: Path) -> dict:
    with path.open() as f:
        return yaml.safe_load(f) or {}
