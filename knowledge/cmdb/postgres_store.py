"""The PostgreSQL store, for estates that outgrow one SQLite file: SQLAlchemy Core over psycopg.

The statements are the ones SQLite runs: SQLAlchemy binds their values in psycopg's style.
Loads copy each chunk into temporary staging tables (COPY, the bulk path PostgreSQL is
built for) and upsert from there with one INSERT ... SELECT per table. Loads and table
creation take a transaction-scoped advisory lock per schema, so two loads never interleave.
Tables live in the connection's current schema: `options=-csearch_path%3Dmyschema` in the
URL puts them in another one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from errors import CMDBError
from knowledge.cmdb.columns import ColumnMap
from knowledge.cmdb.store import Store
from knowledge.cmdb.tables import checked_column, column_type, create_statements
from knowledge.cmdb.writer import AttrRow, ItemRow, RelationRow, Writer

DIALECT = postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]
_LOCK = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':opsqkv-cmdb'))"


def _first_line(e: BaseException) -> str:
    inner = getattr(e, "orig", None) or e
    return (str(inner).strip().splitlines() or [type(inner).__name__])[0][:200]


def bound(sql: str, params: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    """`?` marks -> SQLAlchemy's named binds (`:p0`, `:p1`, ...), which it then renders in
    the driver's style. Our statements have no `?` or `:` anywhere else."""
    pieces = sql.split("?")
    if len(pieces) - 1 != len(params):
        raise ValueError(f"{len(pieces) - 1} marks for {len(params)} values")
    out = pieces[0] + "".join(f":p{n}{piece}" for n, piece in enumerate(pieces[1:]))
    return out, {f"p{n}": value for n, value in enumerate(params)}


def _run(conn: Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    statement, binds = bound(sql, params)
    result = conn.execute(text(statement), binds)
    return [tuple(row) for row in result] if result.returns_rows else []


class PostgresStore(Store):
    """A CMDB in a PostgreSQL database, reached by URL."""

    drives_from_attrs = False  # its bitmap AND over the items column indexes does better

    def __init__(self, url: str, *, create: bool) -> None:
        parsed = make_url(url)
        self.where = parsed.render_as_string(hide_password=True)
        self.engine = create_engine(parsed.set(drivername="postgresql+psycopg"))
        try:
            with self.engine.begin() as conn:
                if create:
                    conn.exec_driver_sql(_LOCK)
                    for statement in create_statements(DIALECT):
                        conn.exec_driver_sql(statement)
                elif conn.exec_driver_sql("SELECT to_regclass('items')").scalar() is None:
                    raise CMDBError(
                        f"no CMDB at {self.where}; load one with `opsqkv cmdb load FILE` or "
                        "`opsqkv cmdb demo`"
                    )
        except SQLAlchemyError as e:
            self.engine.dispose()
            raise CMDBError(
                f"cannot open the PostgreSQL CMDB at {self.where} ({_first_line(e)}); check "
                "that the server runs and the URL (--cmdb-url / OPSQKV_CMDB_URL)"
            ) from e

    def close(self) -> None:
        """Close the pooled connections."""
        self.engine.dispose()

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement and return all rows."""
        try:
            with self.engine.connect() as conn:
                return _run(conn, sql, params)
        except SQLAlchemyError as e:
            raise CMDBError(
                f"reading the CMDB at {self.where} failed ({_first_line(e)}); check the server"
            ) from e

    @contextmanager
    def loading(self, *, replace: bool) -> Iterator[Writer]:
        """One transaction for the whole load, serialised with other loads of this schema."""
        try:
            with self.engine.begin() as conn:
                conn.exec_driver_sql(_LOCK)
                columns = ColumnMap.from_rows(
                    _run(conn, "SELECT attr, col, class FROM attr_columns", ())
                )
                writer = _PostgresWriter(conn, columns)
                writer.begin(replace=replace)
                yield writer
        except (SQLAlchemyError, psycopg.Error) as e:
            raise CMDBError(
                f"writing to the CMDB at {self.where} failed ({_first_line(e)}); nothing was "
                "changed: check the server (space, permissions) and load again"
            ) from e


class _PostgresWriter(Writer):
    """Bulk writes through COPY into staging tables, then set-based upserts."""

    def __init__(self, conn: Connection, columns: ColumnMap) -> None:
        super().__init__(DIALECT, columns)
        self.conn = conn
        raw = conn.connection.driver_connection
        assert isinstance(raw, psycopg.Connection)  # noqa: S101 (the psycopg dialect's connection)
        self.raw: psycopg.Connection[Any] = raw

    def create_staging(self) -> None:
        self.execute('CREATE TEMP TABLE load_ids(id TEXT COLLATE "C" PRIMARY KEY) ON COMMIT DROP')
        self.execute(
            "CREATE TEMP TABLE load_relations(n BIGSERIAL PRIMARY KEY, src TEXT NOT NULL, "
            "type TEXT NOT NULL, dst TEXT NOT NULL) ON COMMIT DROP"
        )

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return _run(self.conn, sql, params)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        _run(self.conn, sql, params)

    def _copy(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with self.raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def _stage(self, name: str, definition: str) -> None:
        self.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
        self.execute(f"CREATE TEMP TABLE {name}({definition}) ON COMMIT DROP")

    def stage_ids(self, ids: list[str]) -> str | None:
        self._stage("stage_ids", 'id TEXT COLLATE "C"')
        self._copy("stage_ids", ["id"], [(i,) for i in ids])
        seen = self.rows("SELECT s.id FROM stage_ids s JOIN load_ids l ON l.id = s.id LIMIT 1")
        if seen:
            return str(seen[0][0])
        self.execute("INSERT INTO load_ids(id) SELECT id FROM stage_ids")
        return None

    def write_items(self, items: list[ItemRow], attrs: list[AttrRow], columns: list[str]) -> None:
        own = ["type", "name", "lname", *(checked_column(c) for c in columns)]
        typed = [f"{c} {column_type(self.columns.columns[a][1], DIALECT)}"
                 for a, (c, _) in self.columns.columns.items()]  # fmt: skip
        self._stage(
            "stage_items", ", ".join(["id TEXT", "type TEXT", "name TEXT", "lname TEXT", *typed])
        )
        self._copy("stage_items", ["id", *own], items)
        names = ", ".join(["id", *own])
        updates = ", ".join(f"{c} = excluded.{c}" for c in own)
        self.execute(
            f"INSERT INTO items({names}) SELECT {names} FROM stage_items "  # noqa: S608 (fixed and checked column names)
            f"ON CONFLICT (id) DO UPDATE SET {updates}"
        )
        if not self.fresh:
            self.execute(
                "DELETE FROM attrs a USING items i, stage_items s WHERE a.item = i.rid AND i.id = s.id"
            )
        self._stage("stage_attrs", "id TEXT, key TEXT, kind TEXT, txt TEXT, num DOUBLE PRECISION")
        self._copy("stage_attrs", ["id", "key", "kind", "txt", "num"], attrs)
        self.execute(
            "INSERT INTO attrs(item, key, kind, txt, num) "
            "SELECT i.rid, a.key, a.kind, a.txt, a.num FROM stage_attrs a JOIN items i ON i.id = a.id"
        )

    def stage_relations(self, relations: list[RelationRow]) -> None:
        self._copy("load_relations", ["src", "type", "dst"], relations)

    def insert_relations(self) -> None:
        self.execute(
            "INSERT INTO relations(src, type, dst) SELECT s.rid, r.type, d.rid "
            "FROM load_relations r JOIN items s ON s.id = r.src JOIN items d ON d.id = r.dst "
            "ORDER BY r.n ON CONFLICT DO NOTHING"
        )

    def item_columns(self) -> set[str]:
        return set(self.conn.execute(text("SELECT * FROM items LIMIT 0")).keys())

    def column_indexes(self) -> set[str]:
        return {
            str(r[0])
            for r in self.rows(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = 'items' AND indexname ~ '^items_c[0-9]+$'"
            )
        }

    def analyze(self) -> None:
        for table in ("items", "attrs", "relations"):
            self.execute(f"ANALYZE {table}")
