"""Every command of the project prints its help (argparse formats each text)."""

from __future__ import annotations

import pytest
from django.core.management import get_commands, load_command_class

OURS = sorted(name for name, app in get_commands().items() if app.startswith("region27"))


def test_the_project_has_commands() -> None:
    assert {"journal", "files", "search", "demo_setup"} <= set(OURS)


@pytest.mark.parametrize("name", OURS)
def test_help_is_printed(name: str) -> None:
    command = load_command_class(get_commands()[name], name)
    parser = command.create_parser("region27", name)
    text = parser.format_help()
    assert text.startswith("usage: region27 " + name)
    for action in parser._actions:  # each subcommand's help too
        choices = getattr(action, "choices", None)
        if isinstance(choices, dict):
            for sub in choices.values():
                assert sub.format_help().startswith("usage: region27 " + name)
