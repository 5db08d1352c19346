"""What a simulator starts with: seeded projects, tests and groups (the demo set by default)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEMO_GROUPS", "DEMO_PROJECTS", "DEMO_TESTS", "SeedGroup", "SeedProject", "SeedTest"]


@dataclass(frozen=True)
class SeedProject:
    name: str
    id: str | None = None
    short_id: str | None = None
    url: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class SeedTest:
    """A saved test; ``prompt`` may carry outcome markers such as ``[sim:fail]``."""

    __test__ = False  # not a pytest test class, despite the name

    name: str
    prompt: str = ""
    id: str | None = None
    project_id: str | None = None
    enabled: bool = True
    steps: tuple[str, ...] = ()


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
