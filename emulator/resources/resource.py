"""What a resource module declares: one :class:`Resource` per Stripe object type it serves.

A module under ``emulator/resources/`` exports ``RESOURCE = Resource(...)`` (or ``RESOURCES = (...)``
when it serves more than one object type). :mod:`emulator.resources.registry` finds every declaration;
id prefixes, renderers, expansion hooks, the dashboard's titles and the route table all derive from them.

Several modules may declare the same object type (``authorization_helpers`` adds the test-helper
routes of ``issuing.authorization``): their declarations are merged. ``prefix``, ``title``, ``render``
and ``on_new_platform`` may each be given by one declaration of an object type only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from emulator.core.context import Ctx
from emulator.core.state import Platform
from emulator.http.render import RenderFn, VirtualFn
from emulator.http.router import Route


@dataclass(frozen=True)
class Resource:
    object: str
    """Stripe's ``object`` value (``issuing.card``)."""
    prefix: str | None = None
    """The id prefix before ``_`` (``ic``); ``None`` for objects without ids of their own (capabilities)."""
    more_prefixes: tuple[str, ...] = ()
    """Further id prefixes of the same object type, when Stripe gives it several (tokens: ``btok``,
    ``ct``, ``cpt``); only in the declaration that gives ``prefix``."""
    title: str | None = None
    """Plural title for the dashboard (``Cards``); defaults to the object name."""
    routes: Sequence[Route] = ()
    render: RenderFn | None = None
    """Returns the object as the API shows it (a copy when it differs from the stored dict)."""
    virtual: Mapping[str, VirtualFn] = field(default_factory=dict)
    """Fields computed on expansion (``expand[]=entries``): field name -> function."""
    retrieve_only: frozenset[str] = frozenset()
    """Virtual fields that list responses may not expand."""
    events: tuple[str, ...] = ()
    """Event types whose ``data.object`` is this object type."""
    on_new_platform: Callable[[Platform], None] | None = None
    """Called once for each new platform (its own account, preset catalogues)."""
    on_account_change: Callable[[Ctx], None] | None = None
    """Called with the account's context when an account's capabilities or standing changed."""
