"""The core stays platform-neutral: nothing under bot/ imports a platform library; and every
feature follows the package template (issue 17 §1)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from bot.commands import Command
from bot.feature import Feature
from bot.features import ALL_FEATURES

# The chat platforms, and the web and metrics libraries the adapters serve with.
PLATFORM_LIBRARIES = {"discord", "telegram", "aiohttp", "prometheus_client"}
BOT = Path(__file__).resolve().parent.parent / "bot"


def imported_roots(source: str) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_bot_never_imports_a_platform_library() -> None:
    offenders = {
        str(path.relative_to(BOT)): sorted(imported_roots(path.read_text()) & PLATFORM_LIBRARIES)
        for path in BOT.rglob("*.py")
        if imported_roots(path.read_text()) & PLATFORM_LIBRARIES
    }
    assert offenders == {}


def test_the_check_itself_catches_platform_imports() -> None:
    assert imported_roots("import discord.ui\nfrom telegram.ext import Application") == {
        "discord",
        "telegram",
    }


# The feature-package template: each feature in bot.features.ALL_FEATURES is the package
# bot/<name>/, and each part of its manifest lives in the module the template names for it.


def _module(part: object) -> str:
    return str(getattr(part, "__module__", None))


def misplaced(feature: Feature) -> list[str]:
    """The parts of a feature's manifest that are not where the template puts them."""
    package = f"bot.{feature.name}"
    found: list[str] = []

    def expect(what: str, part: object, module: str, *, submodules: bool = False) -> None:
        where = _module(part)
        if where != module and not (submodules and where.startswith(f"{module}.")):
            found.append(f"{what} is in {where}, not {module}")

    for command in feature.commands:
        expect(f"/{command.name}", command.handler, f"{package}.commands", submodules=True)
    for kind, job in feature.jobs.items():
        expect(f"job {kind}", job, f"{package}.jobs")
    if feature.catch_up is not None:
        expect("catch_up", feature.catch_up, f"{package}.jobs")
    for key, renderer in feature.renderers.items():
        expect(f"renderer {key}", renderer, f"{package}.cards")
    for hook in ("merge_people", "export_person", "forget_person"):
        if getattr(feature, hook) is not None:
            expect(hook, getattr(feature, hook), f"{package}.privacy")
    for kind, handler in feature.undelivered.items():
        expect(f"undelivered {kind}", handler, f"{package}.service")
    if feature.move_chat is not None:
        expect("move_chat", feature.move_chat, f"{package}.service")
    return found


def only_a_docstring(source: str) -> bool:
    body = ast.parse(source).body
    return (
        len(body) == 1
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
        and body[0].value.value.strip() != ""
    )


def defines_feature(source: str) -> bool:
    """Whether the module assigns FEATURE itself (rather than importing it from elsewhere)."""
    return any(
        isinstance(target, ast.Name) and target.id == "FEATURE"
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
    )


FEATURE_NAMES = [feature.name for feature in ALL_FEATURES]


@pytest.mark.parametrize("name", FEATURE_NAMES)
def test_a_features_manifest_is_defined_in_its_feature_module(name: str) -> None:
    feature = next(f for f in ALL_FEATURES if f.name == name)
    module = importlib.import_module(f"bot.{name}.feature")
    assert getattr(module, "FEATURE", None) is feature
    assert defines_feature((BOT / name / "feature.py").read_text())


@pytest.mark.parametrize("name", FEATURE_NAMES)
def test_each_part_of_a_feature_is_in_the_module_the_template_names(name: str) -> None:
    feature = next(f for f in ALL_FEATURES if f.name == name)
    assert misplaced(feature) == []


@pytest.mark.parametrize("name", FEATURE_NAMES)
def test_a_features_init_holds_only_its_docstring(name: str) -> None:
    init = BOT / name / "__init__.py"
    assert init.exists()
    assert only_a_docstring(init.read_text())


async def _handler(ctx: object) -> None:
    return None


def test_the_template_checks_themselves_catch_what_is_out_of_place() -> None:
    wrong = Feature(
        name="sample",
        commands=(Command("sample", "A command", _handler),),
        jobs={"sample.job": _handler},  # type: ignore[dict-item]
        move_chat=only_a_docstring,  # type: ignore[arg-type]
    )
    assert misplaced(wrong) == [
        f"/sample is in {__name__}, not bot.sample.commands",
        f"job sample.job is in {__name__}, not bot.sample.jobs",
        f"move_chat is in {__name__}, not bot.sample.service",
    ]
    assert only_a_docstring('"""What the package is for."""\n')
    assert not only_a_docstring('"""What the package is for."""\n\nfrom bot.x import y\n')
    assert not only_a_docstring("")
    assert defines_feature("FEATURE = Feature(name='x', commands=())\n")
    assert not defines_feature("from bot.x.commands import FEATURE\n")


def refusals_outside_checks(source: str) -> list[str]:
    """Functions that refuse with NotAllowedError without being named `check_…`."""
    found = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Raise)
                and isinstance(node.exc, ast.Call)
                and isinstance(node.exc.func, ast.Name)
                and node.exc.func.id == "NotAllowedError"
                and not function.name.startswith("check_")
            ):
                found.append(function.name)
    return found


def test_access_is_decided_by_rules_and_named_checks_only() -> None:
    """Who may use a command is its declared rule (bot/access.py); the only other refusals are
    the checks a service makes inside its transaction, each named `check_…`."""
    offenders = {
        f"{path.relative_to(BOT)}: {name}"
        for path in BOT.rglob("*.py")
        for name in refusals_outside_checks(path.read_text())
    }
    assert offenders == set()


def test_the_refusal_check_catches_a_handler_refusing_on_its_own() -> None:
    handler = "async def close(ctx):\n    raise NotAllowedError('Only organisers.')\n"
    check = "def check_may_close(view):\n    raise NotAllowedError('Only organisers.')\n"
    assert refusals_outside_checks(handler) == ["close"]
    assert refusals_outside_checks(check) == []
