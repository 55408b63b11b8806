"""What the migrations that reshape indexes share.

Dropping (and on the way back, remaking) a foreign key's own index, for migrations whose new
index starts with that column and so serves its lookups and cascades: the index is found by
its column as the database reports it (Django named it when the table was made), as altering
the field with the schema editor instead would remake the whole table on SQLite. Giving a new
index its planner statistics. (A module of the migrations package whose name starts with "_"
is not a migration.)
"""

from django.db import migrations


def single_column_indexes(schema_editor, table: str, column: str) -> list[str]:
    """The plain (not unique, not primary key) indexes of ``table`` on ``column`` alone."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [name for name, info in constraints.items()
            if info["index"] and not info["primary_key"] and not info["unique"] and info["columns"] == [column]]


def drop_index_on(table: str, column: str):
    """A RunPython function dropping ``table``'s indexes on ``column`` alone."""
    def drop(apps, schema_editor):
        for name in single_column_indexes(schema_editor, table, column):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")
    return drop


def create_index_on(table: str, column: str, name: str):
    """Its reverse: an index ``name`` on ``column``, unless there is one."""
    def create(apps, schema_editor):
        if not single_column_indexes(schema_editor, table, column):
            quote = schema_editor.quote_name
            schema_editor.execute(f"CREATE INDEX {quote(name)} ON {quote(table)} ({quote(column)})")
    return create


def foreign_key_index_dropped(*, model_name: str, name: str, field, table: str, column: str, index_name: str):
    """The operation that stops a foreign key having an index of its own: in the migration
    state the field becomes ``field`` (with ``db_index=False``); in the database its index on
    ``column`` is dropped (and remade as ``index_name`` when the migration is reversed)."""
    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(model_name=model_name, name=name, field=field)],
        database_operations=[migrations.RunPython(drop_index_on(table, column),
                                                  create_index_on(table, column, index_name))],
    )


def analyze_if_analysed(table: str):
    """A RunPython function giving a table's new index its planner statistics where the
    database has statistics already (SQLite: a ``sqlite_stat1`` table, made by an ANALYZE;
    PostgreSQL always has them). SQLite's planner, knowing every index of a table but a new
    one, takes the new one for a very selective index: at a million jobs it then read every
    batch's jobs by the new batch index to find the 500 most recent (2.3 s instead of 2 ms).
    Where nothing was ever analysed, every index is estimated alike and nothing is done."""
    def analyze(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
                if cursor.fetchone() is None:
                    return
        schema_editor.execute(f"ANALYZE {schema_editor.quote_name(table)}")
    return analyze
