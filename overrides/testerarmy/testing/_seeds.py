"""What a simulator starts with: seeded projects, tests and groups (the demo set by default)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._state import Store

__all__ = [
    "DEMO_GROUPS",
    "DEMO_PROJECTS",
    "DEMO_TESTS",
    "SeedGroup",
    "SeedProject",
    "SeedTest",
    "apply_seeds",
]


@dataclass(frozen=True)
class SeedProject:
    name: str
    id: str | None = None
    short_id: str | None = None
    url: str | None = None
    description: str | None = None
    project_type: str = "web"
    webhook_id: str | None = None  # the project's deployment webhook
    webhook_secret: str | None = None
    pr_groups: tuple[str, ...] = ()  # seeded groups (names or ids) its deployment webhook starts


@dataclass(frozen=True)
class SeedTest:
    """A saved test: ``name`` is its title, ``prompt`` its description; ``steps`` are TestStep
    objects or plain strings (``act`` steps). Markers such as ``[sim:fail]`` work in any of them."""

    __test__ = False  # not a pytest test class, despite the name

    name: str
    prompt: str = ""
    id: str | None = None
    project_id: str | None = None
    enabled: bool = True
    steps: tuple[str | dict[str, Any], ...] = ()


@dataclass(frozen=True)
class SeedGroup:
    """A test group; ``tests`` and ``prep_test`` name seeded tests by id or by name."""

    name: str
    tests: tuple[str, ...] = ()
    id: str | None = None
    project_id: str | None = None
    run_mode: str = "concurrent"
    prep_test: str | None = None
    webhook_id: str | None = None
    webhook_secret: str | None = None
    webhook_enabled: bool = True


DEMO_PROJECTS = (SeedProject("Demo shop", url="https://shop.example.com"),)
DEMO_TESTS = (
    SeedTest("Sign up", "Sign up with a new email address and confirm the welcome page"),
    SeedTest("Checkout", "Add the first product to the cart and pay with the test card"),
    SeedTest("Search", "Search for 'shoes' and open the first result"),
)
DEMO_GROUPS = (SeedGroup("Smoke", tests=("Sign up", "Checkout", "Search")),)


def apply_seeds(
    store: Store,
    owner: str,
    projects: Sequence[SeedProject],
    tests: Sequence[SeedTest],
    groups: Sequence[SeedGroup],
) -> None:
    """Create the seeded entities; tests and groups may name seeded tests and groups by name."""
    records = [
        store.add_project(
            p.name,
            id=p.id,
            short_id=p.short_id,
            url=p.url,
            description=p.description,
            project_type=p.project_type,
            webhook_id=p.webhook_id,
            webhook_secret=p.webhook_secret,
            owner=owner,
        )
        for p in projects
    ]
    test_ids: dict[str, str] = {}
    for t in tests:
        record = store.add_test(
            t.name, t.prompt, id=t.id, project_id=t.project_id, enabled=t.enabled, steps=t.steps
        )
        test_ids.setdefault(t.name, record.id)
    group_ids: dict[str, str] = {}
    for g in groups:
        group = store.add_group(
            g.name,
            [test_ids.get(t, t) for t in g.tests],
            owner=owner,
            id=g.id,
            project_id=g.project_id,
            run_mode=g.run_mode,
            prep_test_id=test_ids.get(g.prep_test, g.prep_test) if g.prep_test else None,
            webhook_id=g.webhook_id,
            webhook_secret=g.webhook_secret,
            webhook_enabled=g.webhook_enabled,
        )
        group_ids.setdefault(g.name, group.id)
    for seed, project in zip(projects, records, strict=True):
        project.pr_group_ids = [store.group(group_ids.get(g, g)).id for g in seed.pr_groups]
