#!/usr/bin/env python
import os
import sys


def main() -> None:
    if sys.version_info < (3, 12):  # noqa: UP036 (a clear message beats a SyntaxError)
        sys.exit(
            "The chamber CRM needs Python 3.12 or newer (Django 6.1); this is "
            f"{sys.version.split()[0]}. Use `make demo` or the .venv it creates."
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
