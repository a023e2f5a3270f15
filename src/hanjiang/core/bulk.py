"""Inserting many rows of one model at once, on the paths where building model instances would
cost more than storing them (capture of events, items of customs messages).

Rules:
- columns are named by the model's field names (a foreign key by its field, e.g. `event`), so a
  renamed column follows the model;
- values are already in the database's form (datetimes and JSON adapted by the caller);
- PostgreSQL receives the rows by COPY, other databases by one prepared INSERT run with
  executemany, 5,000 rows at a time; the caller's transaction covers the whole insert.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

BATCH = 5000


def insert_rows(model: Any, columns: Iterable[str], rows: Iterable[Sequence[Any]]) -> None:
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in columns]
    table = quote(model._meta.db_table)
    names = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        statement = (
            f"INSERT INTO {table} ({names}) "  # noqa: S608 - names quoted, from the model
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
        batch: list[Sequence[Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                cursor.executemany(statement, batch)
                batch = []
        if batch:
            cursor.executemany(statement, batch)
