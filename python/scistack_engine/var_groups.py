"""Variable groups: named sets of variables, kept in the database file.

A group (``"kinematics"``) names variables that belong together (``RawKinematicData``,
``StepLength``) so that a script can ask for them by the group's name: to load each, or
as the inputs of a for_each. Groups live in the table ``_var_groups`` (one row per group
and member), created by the first addition, so they are shared by every process and
language that opens the file. A group holds names, not classes: a member need not have
records yet. Adding a member twice keeps one; a group whose last member is removed no
longer exists. This module holds no rule about records or loading.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from .errors import NotFoundError, ReadOnlyError
from .metadata import validate_identifier
from .store import Database

__all__ = ["add_to_var_group", "remove_from_var_group", "get_var_group", "list_var_groups"]

TABLE = "_var_groups"


def _has_table(db: Database) -> bool:
    return bool(db.cx.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_name = ?", [TABLE]).fetchall()[0][0])


def _writable(db: Database, group: str) -> None:
    if db.read_only:
        raise ReadOnlyError(f"database {db.path!r} is open read-only; reopen it with "
                            f"read_only=False to change the variable group {group!r}")


def add_to_var_group(db: Database, group: str, variables: Sequence[str]) -> list[str]:
    """Add the variables named ``variables`` to ``group``; return the group's members.

    The group is created by its first member; a name already in it is kept once. Names
    follow the variable-name rule (a letter, then letters, digits or underscores).
    """
    validate_identifier(group, "variable group name")
    names = [validate_identifier(v, "variable name") for v in variables]
    _writable(db, group)
    now = dt.datetime.now(dt.timezone.utc)
    with db.transaction():
        db.cx.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (group_name VARCHAR NOT NULL, "
                      "variable VARCHAR NOT NULL, added_at TIMESTAMPTZ NOT NULL, "
                      "PRIMARY KEY (group_name, variable))")
        if names:
            db.cx.executemany(f"INSERT INTO {TABLE} VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                              [[group, name, now] for name in dict.fromkeys(names)])
    return get_var_group(db, group)


def remove_from_var_group(db: Database, group: str, variables: Sequence[str]) -> list[str]:
    """Remove the variables named ``variables`` from ``group``; return what remains.

    Names that are not members are ignored; the group must exist.
    """
    get_var_group(db, group)
    _writable(db, group)
    db.cx.execute(f"DELETE FROM {TABLE} WHERE group_name = ? AND variable IN "
                  "(SELECT unnest(?))", [group, [str(v) for v in variables]])
    return get_var_group(db, group, missing_ok=True)


def get_var_group(db: Database, group: str, *, missing_ok: bool = False) -> list[str]:
    """The names of ``group``'s members, sorted; a :class:`NotFoundError` naming the
    groups that exist when there is no such group (unless ``missing_ok``)."""
    members = [row[0] for row in db.cx.execute(
        f"SELECT variable FROM {TABLE} WHERE group_name = ? ORDER BY variable",
        [group]).fetchall()] if _has_table(db) else []
    if not members and not missing_ok:
        known = ", ".join(list_var_groups(db)) or "none yet"
        raise NotFoundError(f"no variable group {group!r} in {db.path!r} (groups: {known}); "
                            "create it with add_to_var_group")
    return members


def list_var_groups(db: Database) -> list[str]:
    """The names of the variable groups, sorted."""
    if not _has_table(db):
        return []
    return [row[0] for row in db.cx.execute(
        f"SELECT DISTINCT group_name FROM {TABLE} ORDER BY group_name").fetchall()]
