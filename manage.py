#!/usr/bin/env python
"""Django's command-line utility; people use the `region27` command instead."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "region27.config.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
