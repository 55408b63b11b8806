"""Dropping (and on the way back, remaking) a foreign key's own index, for migrations whose new
index starts with that column and so serves its lookups and cascades.

The index is found by its column as the database reports it (Django named it when the table
was made): altering the field with the schema editor instead would remake the whole table on
SQLite. (A module of the migrations package whose name starts with "_" is not a migration.)
"""


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
