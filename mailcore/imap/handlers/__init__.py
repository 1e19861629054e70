"""Command handlers, one module per family; each takes (session, command) -> Reply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import commands as c
from . import auth, fetch, general, mailboxes, messages, search

HANDLERS: dict[type[c.Command], Callable[[Any, Any], Any]] = {
    c.Capability: general.capability,
    c.Noop: general.noop,
    c.Logout: general.logout,
    c.Id: general.id_,
    c.Enable: general.enable,
    c.StartTLS: general.starttls,
    c.Idle: general.idle,
    c.Check: general.check,
    c.Login: auth.login,
    c.Authenticate: auth.authenticate,
    c.Select: mailboxes.select,
    c.Create: mailboxes.create,
    c.Delete: mailboxes.delete,
    c.Rename: mailboxes.rename,
    c.Subscribe: mailboxes.subscribe,
    c.Unsubscribe: mailboxes.unsubscribe,
    c.List: mailboxes.list_,
    c.Lsub: mailboxes.lsub,
    c.Namespace: mailboxes.namespace,
    c.Status: mailboxes.status,
    c.GetQuota: mailboxes.getquota,
    c.GetQuotaRoot: mailboxes.getquotaroot,
    c.SetQuota: mailboxes.setquota,
    c.Append: messages.append,
    c.Store: messages.store_,
    c.Copy: messages.copy,
    c.Move: messages.move,
    c.Expunge: messages.expunge,
    c.Close: messages.close,
    c.Unselect: messages.unselect,
    c.Search: search.search,
    c.Fetch: fetch.fetch,
}
