"""`feedsum backup`: a verified copy of the database, apart from the commands that load Slack."""

from __future__ import annotations

import os

from bot.model.config import Settings
from bot.text.i18n import env_locale, t_plain
from feedsum.errors import CliError
from storage import BackupError, backup_file


def backup(settings: Settings, args) -> int:
    """A verified copy of FEEDSUM_DB; under cron a missing or empty database must fail loudly."""
    try:
        counts = backup_file(settings.db_path, args.path)
    except BackupError as exc:
        if not exc.source:
            raise CliError(f"backup to {exc.path}: {exc.problem}; nothing was backed up") from None
        raise CliError(f"database {exc.path} (FEEDSUM_DB) {exc.problem}; nothing was backed up. Point "
                       "FEEDSUM_DB at the database feedsum runs with") from None
    print(t_plain(env_locale(os.environ), "cli.backed_up", db=settings.db_path, path=args.path, rows=sum(counts.values()),
                  tables=len(counts)))
    width = max(map(len, counts))
    for table, rows in counts.items():
        print(f"  {table:<{width}}  {rows:>9}")
    return 0
