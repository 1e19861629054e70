"""A lean multi-row INSERT for the hot paths of delivery (the group commit of ingest).

`insert(objs)` stores model instances as `QuerySet.bulk_create(objs)` does (one statement
per batch, every concrete column, auto_now/auto_now_add filled, new primary keys set on
the instances) without the ORM's per-value compiler work, which for the small rows of a
message costs more than the database does. The models stay the schema's truth: the
column list comes from the model's _meta and each value goes through its field's own
conversion, so a new field is inserted like any other. Nothing here knows a table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, TypeVar

from django.db import NotSupportedError, connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.base import ModelState
from django.db.models.constants import OnConflict
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

# Fields whose database value is the attribute itself, for the values models hold (str,
# int, bool, None): their `get_db_prep_save` would only copy it. Exact classes only: a
# subclass (a custom field) may convert, so it goes through its field like the rest.
_AS_IS = frozenset(
    {
        models.CharField,
        models.TextField,
        models.BooleanField,
        models.IntegerField,
        models.BigIntegerField,
        models.SmallIntegerField,
        models.PositiveIntegerField,
        models.PositiveBigIntegerField,
        models.PositiveSmallIntegerField,
        models.AutoField,
        models.BigAutoField,
    }
)


@dataclass(frozen=True)
class _Plan:
    fields: list[models.Field]
    getters: list[Callable[[models.Model], Any]]  # each field's attribute, read
    convert: list[models.Field | None]  # the field that converts the value; None: as is
    stamped: list[models.Field]  # auto_now / auto_now_add: set at insert time
    null_as_is: frozenset[models.Field]  # fields whose None is stored as it is (NULL)
    returning: models.Field | None  # the auto primary key the database assigns
    unnest: bool  # every column can travel as an array of its type (Postgres)


def insert(
    objs: Sequence[models.Model], *, ignore_conflicts: bool = False, keys: bool = True
) -> None:
    """INSERT `objs` (all of one model) in as few statements as the database allows.
    With ignore_conflicts, rows that would violate a unique constraint are skipped (and
    no primary keys are set, as with bulk_create). With keys=False the new primary keys
    are not read back either: on SQLite each returned row is one more step of the
    statement, and each step gives up the GIL and waits to take it back, which under
    load costs far more than the step (bench/README.md)."""
    if not objs:
        return
    model = type(objs[0])
    connection = connections[router.db_for_write(model)]
    plan = _plan(model, connection.alias)
    returning = plan.returning if keys and not ignore_conflicts else None
    if returning is not None and not connection.features.can_return_rows_from_bulk_insert:
        # No RETURNING (SQLite before 3.35): the ORM's way, which knows the fallbacks.
        model._default_manager.bulk_create(objs, ignore_conflicts=ignore_conflicts)
        return
    # SQLite has one writer, and gives an AUTOINCREMENT key to each row of a VALUES
    # list in turn, one more than the last: the keys are the run that ends at lastrowid.
    # Reading them back with RETURNING would be a step (and a wait for the GIL) per row
    # (tests/integration/store/test_bulk.py). Elsewhere RETURNING reads them back.
    counted = returning is not None and connection.vendor == "sqlite"
    read_back = returning is not None and not counted
    # On Postgres one array per column (UNNEST): one statement text for any number of
    # rows, which psycopg converts once and keeps, rather than rewriting a VALUES list
    # of hundreds of placeholders on every execution (it caches only those of 50 or
    # fewer), and which the server parses in a fraction of the time.
    columnar = plan.unnest and connection.vendor == "postgresql"
    if columnar:
        size = len(objs)
    else:
        size = max(connection.ops.bulk_batch_size(plan.fields, objs) or len(objs), 1)
    with _cursor(connection, columnar) as cursor:
        for start in range(0, len(objs), size):
            batch = objs[start : start + size]
            params = _values(plan, batch, connection, columnar)
            rows = 0 if columnar else len(batch)
            sql = _sql(model, connection.alias, rows, ignore_conflicts, read_back)
            cursor.execute(sql, params)
            if returning is None:
                continue
            if counted:
                first = cursor.lastrowid - len(batch) + 1
                for n, obj in enumerate(batch):
                    setattr(obj, returning.attname, first + n)
            else:
                rows = connection.ops.fetch_returned_insert_rows(cursor)
                for obj, row in zip(batch, rows, strict=True):
                    setattr(obj, returning.attname, row[0])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def insert_family(
    first: Sequence[models.Model],
    parents: Sequence[models.Model],
    children: Sequence[tuple[int, models.Model]],
    link: str,
) -> None:
    """On Postgres, in one statement: `first` (rows other rows refer to, such as blobs;
    ON CONFLICT DO NOTHING), `parents` (new keys set), and `children`, each a pair of
    its parent's index in `parents` and the row, whose `link` attribute (a foreign key
    attname) becomes that parent's new key (children's keys set too).

    One statement is one round trip, and outside a transaction its own: under load
    each round trip waits for the server and then for the GIL, and acceptance made
    five of them (BEGIN, three INSERTs, COMMIT). New keys come from one sequence each,
    drawn in row order within the statement, so sorted they pair with the rows in
    order."""
    first_model = type(first[0]) if first else None
    parent_model, child_model = type(parents[0]), type(children[0][1])
    connection = connections[router.db_for_write(parent_model)]
    first_plan = _plan(first_model, connection.alias) if first_model else None
    parent_plan = _plan(parent_model, connection.alias)
    child_plan = _plan(child_model, connection.alias)
    if (
        connection.vendor != "postgresql"
        or not all(p.unnest for p in (first_plan, parent_plan, child_plan) if p)
        or parent_plan.returning is None
        or child_plan.returning is None
    ):
        raise NotSupportedError("one statement for a family of rows needs Postgres")
    params: list[Any] = []
    if first_plan:
        params += _values(first_plan, first, connection, columnar=True)
    params += _values(parent_plan, parents, connection, columnar=True)
    params.append([index + 1 for index, _ in children])
    params += _values(child_plan, [child for _, child in children], connection, columnar=True)
    key = (first_model, parent_model, child_model, link, connection.alias)
    if key not in _families:
        _families[key] = _family_sql(connection, first_model, parent_model, child_model, link)
    sql = _families[key]
    with _cursor(connection, True) as cursor:
        cursor.execute(sql, params)
        keys = cursor.fetchall()
    parent_keys = [k for side, k in keys if side == 0]
    child_keys = [k for side, k in keys if side == 1]
    for obj, pk in zip(parents, parent_keys, strict=True):
        setattr(obj, parent_plan.returning.attname, pk)
    for (index, obj), pk in zip(children, child_keys, strict=True):
        setattr(obj, child_plan.returning.attname, pk)
        setattr(obj, link, parent_keys[index])
    for obj in [*first, *parents, *(child for _, child in children)]:
        obj._state.adding = False
        obj._state.db = connection.alias


def _family_sql(
    connection: BaseDatabaseWrapper,
    first: type[models.Model] | None,
    parent: type[models.Model],
    child: type[models.Model],
    link: str,
) -> str:
    quote = connection.ops.quote_name
    parts = []
    if first:
        parts.append(f"f AS ({_make_sql(first, connection.alias, 0, True, False)})")
    parent_plan, child_plan = _plan(parent, connection.alias), _plan(child, connection.alias)
    assert parent_plan.returning is not None and child_plan.returning is not None
    parent_columns = ", ".join(quote(f.column) for f in parent_plan.fields)
    parts.append(
        f"p AS (INSERT INTO {quote(parent._meta.db_table)} ({parent_columns}) "
        f"SELECT {parent_columns} FROM {_unnest(connection, parent_plan.fields)} "
        f"WITH ORDINALITY AS u({parent_columns}, _n) ORDER BY _n "
        f"RETURNING {quote(parent_plan.returning.column)} AS _key)"
    )
    parts.append("pn AS (SELECT _key, row_number() OVER (ORDER BY _key) AS _parent FROM p)")
    columns = [quote(f.column) for f in child_plan.fields]
    chosen = [
        "pn._key" if f.attname == link else f"u.{c}"
        for f, c in zip(child_plan.fields, columns, strict=True)
    ]
    unnest = _unnest(connection, [parent_plan.returning, *child_plan.fields])
    parts.append(
        f"c AS (INSERT INTO {quote(child._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(chosen)} FROM {unnest} "
        f"WITH ORDINALITY AS u(_parent, {', '.join(columns)}, _n) JOIN pn USING (_parent) "
        f"ORDER BY u._n RETURNING {quote(child_plan.returning.column)} AS _key)"
    )
    return (
        f"WITH {', '.join(parts)} "
        "SELECT 0, _key FROM p UNION ALL SELECT 1, _key FROM c ORDER BY 1, 2"
    )


def _unnest(connection: BaseDatabaseWrapper, fields: Sequence[models.Field]) -> str:
    """UNNEST of one array per field, each of the field's type without a length (no
    truncation), bound in binary."""
    types = [f.db_type(connection).split("(")[0] for f in fields]
    return "UNNEST(" + ", ".join(f"(%b)::{t}[]" for t in types) + ")"


def _values(
    plan: _Plan, objs: Sequence[models.Model], connection: BaseDatabaseWrapper, columnar: bool
) -> list[Any]:
    """The database values of `objs` for INSERT, row after row (or one list per column,
    `columnar`); auto_now fields are stamped on the objects first."""
    now = timezone.now()
    for obj in objs:
        for field in plan.stamped:
            setattr(obj, field.attname, now)
    # Every row's stamp is the same value: converted once (the date-time conversions were
    # a fifth of this function's time), as is a date or binary column's None (NULL).
    stamps = {field: field.get_db_prep_save(now, connection) for field in plan.stamped}
    # Column by column: the values of a column that needs no conversion are read with
    # one attrgetter over all rows (in C), and the loop over rows runs only for those
    # that do; a row-by-row loop over every field cost twice as much.
    columns: list[list[Any]] = []
    for field, get, convert in zip(plan.fields, plan.getters, plan.convert, strict=True):
        if field in stamps:  # every row holds `now`, set above
            columns.append([stamps[field]] * len(objs))
            continue
        values = list(map(get, objs))
        if convert is not None:
            prep, keep_null = convert.get_db_prep_save, convert in plan.null_as_is
            values = [None if v is None and keep_null else prep(v, connection) for v in values]
        columns.append(values)
    if columnar:
        return columns
    return [value for row in zip(*columns, strict=True) for value in row]


@contextmanager
def _cursor(connection: BaseDatabaseWrapper, columnar: bool) -> Iterator[Any]:
    """A cursor for the INSERTs: Django's, or for the columnar form a psycopg cursor
    that binds on the server, in the same transaction. Its arrays travel in binary
    rather than as text literals that psycopg escapes element by element with a regular
    expression (the larger part of an Item batch's time), and the one statement text is
    prepared once per connection. Errors are Django's, as through its own cursor."""
    if not columnar:
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    with connection.wrap_database_errors:
        yield _binding_cursor(connection.connection)


def _binding_cursor(raw: Any) -> Any:
    """The server-binding cursor of a psycopg connection, one kept for its lifetime (as
    psycopg_pool keeps its own marks on the connection): a cursor's converters are
    looked up and built the first time each type of value (an array of text, of
    integers, ...) comes along, and a new cursor per statement did that afresh for every
    column on every execution, two thirds of an acceptance's conversion time."""
    cursor = getattr(raw, "_mailcore_binding_cursor", None)
    if cursor is None or cursor.closed:
        import psycopg  # only ever on Postgres

        cursor = raw._mailcore_binding_cursor = psycopg.Cursor(raw)
    return cursor


M = TypeVar("M", bound=models.Model)


def new(model: type[M], /, **values: Any) -> M:
    """`model(**values)` for the rows of the hot paths, `values` named by attname
    (`folder_id`, not `folder`): the same unsaved instance, every concrete field set and
    the defaults for the rest, without Model.__init__'s work per argument (three times
    as long, and more than the database spends storing the row). Sends no pre_init or
    post_init signal: nothing listens to them for the store's models."""
    obj: M = object.__new__(model)
    obj._state = ModelState()
    fixed, made = _defaults(model)
    fields = obj.__dict__
    fields.update(fixed)
    for attname, default in made:
        if attname not in values:
            fields[attname] = default()
    fields.update(values)
    return obj


_Defaults = tuple[dict[str, Any], list[tuple[str, Callable[[], Any]]]]
_default_sets: dict[type[models.Model], _Defaults] = {}


def _defaults(model: type[models.Model]) -> _Defaults:
    """The model's defaults: those that are one value for every row (no default is
    "" or None, immutable), and those made anew for each (a callable, such as dict)."""
    if model not in _default_sets:
        fixed: dict[str, Any] = {}
        made: list[tuple[str, Callable[[], Any]]] = []
        for f in model._meta.concrete_fields:
            if f.has_default() and callable(f.default):
                made.append((f.attname, f._get_default))
            else:
                fixed[f.attname] = f.get_default()
        _default_sets[model] = (fixed, made)
    return _default_sets[model]


_plans: dict[tuple[str, str], _Plan] = {}
_statements: dict[tuple[str, str, int, bool, bool], str] = {}
_families: dict[tuple[type | None, type, type, str, str], str] = {}


def _plan(model: type[models.Model], alias: str) -> _Plan:
    key = (model._meta.label, alias)
    if key not in _plans:
        _plans[key] = _make_plan(model, alias)
    return _plans[key]


def _make_plan(model: type[models.Model], alias: str) -> _Plan:
    meta = model._meta
    pk = meta.pk
    auto_pk = pk if isinstance(pk, AutoFieldMixin) else None
    fields = [
        f for f in meta.concrete_fields if f is not auto_pk and not getattr(f, "generated", False)
    ]
    stamped = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    return _Plan(
        fields,
        [attrgetter(f.attname) for f in fields],
        [_converter(f) for f in fields],
        stamped,
        frozenset(f for f in fields if isinstance(f, models.DateField | models.BinaryField)),
        auto_pk,
        # As Django's own bulk insert decides it (postgresql/compiler.py): a field with
        # a placeholder of its own, or of a type the backend does not know, cannot.
        all(
            (not hasattr(f, "get_placeholder") or _plain_binary(f, alias))
            and (f.target_field if f.is_relation else f).get_internal_type()
            in connections[alias].data_types
            for f in fields
        ),
    )


def _plain_binary(field: models.Field, alias: str) -> bool:
    """A binary field whose placeholder is the plain one (Postgres): its values can
    travel in an array like any other."""
    ops = connections[alias].ops
    return isinstance(field, models.BinaryField) and ops.binary_placeholder_sql(None) == "%s"


def _converter(field: models.Field) -> models.Field | None:
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    return None if type(target) in _AS_IS else field


def _sql(
    model: type[models.Model], alias: str, rows: int, ignore_conflicts: bool, returning: bool
) -> str:
    key = (model._meta.label, alias, rows, ignore_conflicts, returning)
    if key not in _statements:
        _statements[key] = _make_sql(model, alias, rows, ignore_conflicts, returning)
    return _statements[key]


def _make_sql(
    model: type[models.Model], alias: str, rows: int, ignore_conflicts: bool, returning: bool
) -> str:
    connection = connections[alias]
    plan = _plan(model, alias)
    quote = connection.ops.quote_name
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    columns = ", ".join(quote(f.column) for f in plan.fields)
    # SQLite's own placeholder: Django's SQLite cursor rewrites every "%s" of a statement
    # with a regular expression on each execution (35 us for an Item batch, 16 with "?").
    mark = "?" if connection.vendor == "sqlite" else "%s"
    if rows:
        row = "(" + ", ".join([mark] * len(plan.fields)) + ")"
        values = "VALUES " + ", ".join([row] * rows)
    else:
        values = "SELECT * FROM " + _unnest(connection, plan.fields)
    sql = (
        f"{connection.ops.insert_statement(on_conflict=on_conflict)} "
        f"{quote(model._meta.db_table)} ({columns}) {values}"
    )
    suffix = connection.ops.on_conflict_suffix_sql(plan.fields, on_conflict, None, None)
    if suffix:
        sql += " " + suffix
    if returning and plan.returning is not None:
        clause, _ = connection.ops.return_insert_columns([plan.returning])
        sql += " " + clause
    return sql
