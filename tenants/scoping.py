"""One mechanism scopes every ORM query to the current tenant.

Inside `tenant_scope(tenant)` every SELECT, UPDATE and DELETE of a TenantOwned model is
filtered to that tenant, and new rows get its tenant_id. Outside a scope such a query
raises UnscopedQuery, unless it says `execution_options(all_tenants=True)` in so many
words: forgetting the scope fails loudly instead of leaking another company's rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.orm.util import LoaderCriteriaOption
from sqlalchemy.sql.util import find_tables

from portal.models.base import Base, TenantOwned
from portal.models.tenant import Tenant

ALL_TENANTS = "all_tenants"
_current_tenant_id: ContextVar[int | None] = ContextVar("plugboard_tenant_id", default=None)


class UnscopedQuery(RuntimeError):
    """A tenant-owned table was queried with no tenant in scope."""


class CrossTenantWrite(RuntimeError):
    """A row of one tenant was about to be written while another tenant is in scope."""


@contextmanager
def tenant_scope(tenant: Tenant) -> Iterator[Tenant]:
    """Scope every query in this block (and this greenlet) to `tenant`."""
    token = _current_tenant_id.set(tenant.id)
    try:
        yield tenant
    finally:
        _current_tenant_id.reset(token)


def enter(tenant: Tenant) -> object:
    """Start a scope that `leave` ends; for request hooks that cannot use a with block."""
    return _current_tenant_id.set(tenant.id)


def leave(token: Any) -> None:
    _current_tenant_id.reset(token)


def current_tenant_id() -> int | None:
    return _current_tenant_id.get()


@cache
def _tenant_tables() -> frozenset[str]:
    return frozenset(
        mapper.local_table.name
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, TenantOwned)
    )


def _touches_tenant_rows(state: ORMExecuteState) -> bool:
    # all_mappers misses entities named only in select_from(), as in count(*) queries.
    tables = {table.name for table in find_tables(state.statement, include_crud=True)}
    tables.update(mapper.local_table.name for mapper in state.all_mappers)
    return not _tenant_tables().isdisjoint(tables)


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(state: ORMExecuteState) -> None:
    if state.execution_options.get(ALL_TENANTS) or state.is_column_load or state.is_insert:
        return  # inserts name their tenant_id: flushes are checked in _stamp_new_rows
    if state.is_relationship_load:
        # Lazy loads carry the criteria of the query that loaded their parent.
        return
    tenant_id = _current_tenant_id.get()
    if tenant_id is None:
        if _touches_tenant_rows(state):
            raise UnscopedQuery(
                "query on tenant-owned rows outside tenant_scope(); "
                "use execution_options(all_tenants=True) if every tenant is meant"
            )
        return
    state.statement = state.statement.options(_criteria_of(tenant_id))


@lru_cache(maxsize=4096)
def _criteria_of(tenant_id: int) -> LoaderCriteriaOption:
    """The tenant's criteria, built once per tenant: building one analyses the lambda,
    which cost more than the rest of a small query."""
    # Applies to every TenantOwned entity the statement names, wherever it appears.
    return with_loader_criteria(
        TenantOwned,
        lambda cls: cls.tenant_id == tenant_id,
        include_aliases=True,
    )


@event.listens_for(Session, "before_flush")
def _stamp_new_rows(session: Session, flush_context: Any, instances: Any) -> None:
    tenant_id = _current_tenant_id.get()
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, TenantOwned):
            continue
        if obj.tenant_id is None:
            if tenant_id is None:
                raise UnscopedQuery(f"new {type(obj).__name__} outside tenant_scope()")
            obj.tenant_id = tenant_id
        elif tenant_id is not None and obj.tenant_id != tenant_id:
            raise CrossTenantWrite(
                f"{type(obj).__name__} of tenant {obj.tenant_id} written in scope of {tenant_id}"
            )
