"""Calls go one way: every module's imports (inside functions too) point down the layers.

Layers, bottom up (README "Architecture"): foundation (api, models, text safety and
redaction, paths) → domain helpers → diff, events, store → monitor → session → commands |
ui (side by side, never importing each other) → cli. Outside ui/ nothing imports textual.
"""

from __future__ import annotations

import ast
from pathlib import Path

import yike_tui

PACKAGE = Path(yike_tui.__file__).parent

# module (or package prefix) -> layer; the longest matching prefix wins.
LAYERS: dict[str, int] = {
    "yike_tui": 0,  # the package itself: __version__
    "yike_tui.safe_text": 0,
    "yike_tui.safe_read": 0,
    "yike_tui.paths": 0,
    "yike_tui.redaction": 0,
    "yike_tui.job_ids": 0,
    "yike_tui.known_values": 0,
    "yike_tui.exits": 0,
    "yike_tui.logs": 0,
    "yike_tui.ratelimit": 0,
    "yike_tui.amounts": 0,
    "yike_tui.models": 0,
    "yike_tui.api": 0,
    "yike_tui.presentation": 1,
    "yike_tui.links": 1,
    "yike_tui.clipboard": 1,
    "yike_tui.report": 1,
    "yike_tui.submit": 1,
    # A server of its own; only session starts it (--demo). It judges submitted style and
    # voice ids by the lists the submit command offers (one home for them): a layer up.
    "yike_tui.sim": 1,
    "yike_tui.novel_file": 1,
    "yike_tui.upload": 1,
    "yike_tui.part_file": 1,
    "yike_tui.download": 1,
    "yike_tui.download_names": 1,
    "yike_tui.download_progress": 1,
    "yike_tui.config": 1,
    "yike_tui.exec_hook": 1,
    "yike_tui.credit_watch": 1,
    "yike_tui.job_charges": 1,
    "yike_tui.diff": 2,
    "yike_tui.events": 2,
    "yike_tui.store": 2,
    "yike_tui.monitor": 3,
    "yike_tui.announce": 3,
    "yike_tui.submitting": 3,  # a submit and the watch list it must reach
    "yike_tui.session": 4,
    "yike_tui.commands": 5,
    "yike_tui.ui": 5,
    "yike_tui.cli": 6,
    "yike_tui.__main__": 6,
}
SIDE_BY_SIDE = ("yike_tui.commands", "yike_tui.ui")


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int:
    best = max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return LAYERS[best]


def _group(module: str) -> str:
    return next((g for g in SIDE_BY_SIDE if module == g or module.startswith(g + ".")), "")


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    module = _name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            # ``from yike_tui import paths`` imports the module yike_tui.paths
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _own(name: str) -> bool:
    return name == "yike_tui" or name.startswith("yike_tui.")


def _known(name: str) -> bool:
    """``from yike_tui.x import y`` lists yike_tui.x.y: keep it only if it is a module."""
    relative = Path(*name.split(".")[1:]) if name != "yike_tui" else Path()
    return (PACKAGE / relative).with_suffix(".py").exists() or (PACKAGE / relative).is_dir()


def violations() -> list[str]:
    found = []
    for path in modules():
        module = _name(path)
        for target in sorted(imports(path)):
            if target.split(".")[0] == "textual" and _group(module) != "yike_tui.ui":
                found.append(f"{module} imports {target}: textual only in ui/")
            if not _own(target) or not _known(target) or target == module:
                continue
            if target == "yike_tui" or module.startswith(target + "."):
                continue  # the package itself (__version__), or its own parent package
            if _layer(target) > _layer(module):
                found.append(f"{module} (layer {_layer(module)}) imports upward: {target}")
            mine, theirs = _group(module), _group(target)
            if mine and theirs and mine != theirs:
                found.append(f"{module} imports sideways: {target}")
    return found


def test_every_module_is_in_a_layer() -> None:
    for path in modules():
        module = _name(path)
        assert any(
            module == p or module.startswith(p + ".") for p in LAYERS if p != "yike_tui"
        ) or (module == "yike_tui"), (
            f"{module} has no layer: add it to LAYERS (and README's Architecture)"
        )


def test_calls_go_one_way() -> None:
    assert violations() == []
