"""Who may import whom, read from the source with `ast` (so it holds for code no other test runs).

Rules (see ../shared/ARCHITECTURE.md, "Shared pieces live low" and "Who may import whom"):

1. `catalog`, `tenders` and `deliveries` never import `invoicing`: an arrow into invoicing means
   a shared piece (money, forms, xlsx) lives in the wrong home; it belongs in `procure`.
2. `deliveries` serves catalog orders and tender contracts alike, so it sits below both: it
   imports `procure` only (it names the tables it points at, never their modules).
3. `tenders` imports `catalog` only through a service module: `catalog.services` (or a module
   below `catalog/services/`). Models, views and rule modules of catalog stay catalog's own.
4. Outside `deliveries`, deliveries and inspections are reached through `deliveries.services`
   (use cases and queries) or its pure rule module `deliveries.inspection`, never through
   `deliveries.models`: invoicing reads accepted quantities, tenders records contract deliveries.
5. `procure` imports no domain package, except function-level imports inside the functions of
   `procure/app.py` that build the app (`build_app`, `create_app`, `_import_models`, `_register_*`).
6. No module imports a private name (`from x import _y`) from another project module, nor uses
   `module._y` of another project module. A helper two modules share gets a public name.
7. Pure rule modules (PURE below, and every `states.py` / `lifecycle.py`) import neither Flask,
   SQLAlchemy nor `procure.extensions`, directly or through the project modules they import.

Each failure names the file, the line and the arrow.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("procure", "catalog", "tenders", "invoicing", "deliveries")
DOMAINS = ("catalog", "tenders", "invoicing", "deliveries")
APP_BUILDERS = ("build_app", "create_app", "_import_models")  # and every `_register_*`
DELIVERIES_PUBLIC = ("deliveries.services", "deliveries.inspection")
PURE = (
    "procure/statemachine.py", "procure/pricing/engine.py", "procure/jpcalendar.py", "procure/codes.py",
    "procure/textnorm.py", "procure/errors.py",
    "catalog/approval.py", "catalog/diff.py", "catalog/pooled.py", "catalog/replenish.py",
    "catalog/textsearch.py",
    "deliveries/inspection.py",
    "tenders/lifecycle.py", "tenders/evaluation.py", "tenders/eligibility.py", "tenders/contracts.py",
    "tenders/electricity_billing.py", "tenders/environment_table.py", "tenders/lots.py",
    "tenders/options.py", "tenders/sealing.py", "tenders/ocds.py",
    "invoicing/tax.py", "invoicing/matching.py", "invoicing/zengin.py", "invoicing/ubl.py", "invoicing/reconcile.py",
)
# Being moved into procure by another change: pure once they exist.
ARRIVING = ("procure/money.py", "procure/xlsx.py")
FORBIDDEN_IN_PURE = ("flask", "flask_babel", "flask_login", "flask_wtf", "flask_migrate",
                     "flask_sqlalchemy", "sqlalchemy", "procure.extensions")


@dataclass(frozen=True)
class Arrow:
    path: str            # the importing file, relative to the project
    line: int
    source: str          # the importing module
    target: str          # the module imported (for `from m import n`: m.n when n is a module)
    names: tuple[str, ...]
    function: str | None  # the top-level function the import sits in, None at module level

    def __str__(self) -> str:
        names = f" ({', '.join(self.names)})" if self.names else ""
        return f"{self.path}:{self.line}: {self.source} -> {self.target}{names}"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES if (ROOT / package).is_dir()
            for p in sorted((ROOT / package).rglob("*.py"))}


def is_project(name: str) -> bool:
    return name.split(".")[0] in PACKAGES


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _absolute(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base[:len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


@cache
def parsed(name: str) -> ast.Module:
    return ast.parse(modules()[name].read_text(encoding="utf-8"))


@cache
def arrows(name: str) -> tuple[Arrow, ...]:
    path = modules()[name]
    rel, found = path.relative_to(ROOT).as_posix(), []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = function
            if function is None and isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = child.name
            if isinstance(child, ast.Import):
                found.extend(Arrow(rel, child.lineno, name, a.name, (), function) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                target = _absolute(name, child, path.name == "__init__.py")
                submodules = [a.name for a in child.names if f"{target}.{a.name}" in modules()]
                others = tuple(a.name for a in child.names if a.name not in submodules)
                found.extend(Arrow(rel, child.lineno, name, f"{target}.{s}", (), function) for s in submodules)
                if others or not submodules:
                    found.append(Arrow(rel, child.lineno, name, target, others, function))
            visit(child, inner)

    visit(parsed(name), None)
    return tuple(found)


def all_arrows():
    for name in modules():
        yield from arrows(name)


def _fail(problems: list[str], rule: str) -> None:
    assert not problems, rule + ":\n  " + "\n  ".join(problems)


def test_catalog_tenders_and_deliveries_do_not_import_invoicing():
    _fail([str(a) for a in all_arrows()
           if a.source.split(".")[0] in ("catalog", "tenders", "deliveries") and within(a.target, "invoicing")],
          "catalog/tenders/deliveries -> invoicing (move the shared piece into procure)")


def test_deliveries_imports_procure_only():
    _fail([str(a) for a in all_arrows() if within(a.source, "deliveries")
           and a.target.split(".")[0] in ("catalog", "tenders", "invoicing")],
          "deliveries -> a domain package (deliveries sits below catalog and tenders)")


def test_tenders_reaches_catalog_only_through_its_services():
    _fail([str(a) for a in all_arrows() if within(a.source, "tenders") and within(a.target, "catalog")
           and not within(a.target, "catalog.services")],
          "tenders -> catalog other than catalog.services")


def test_deliveries_are_reached_through_their_services():
    _fail([str(a) for a in all_arrows() if within(a.target, "deliveries") and a.target != "deliveries"
           and not within(a.source, "deliveries") and not _app_builder(a)
           and not any(within(a.target, public) for public in DELIVERIES_PUBLIC)],
          f"-> deliveries internals (use {' or '.join(DELIVERIES_PUBLIC)})")


def _app_builder(arrow: Arrow) -> bool:
    return arrow.source == "procure.app" and arrow.function is not None and (
        arrow.function in APP_BUILDERS or arrow.function.startswith("_register"))


def test_procure_imports_domains_only_where_the_app_is_built():
    _fail([str(a) for a in all_arrows() if within(a.source, "procure") and a.target.split(".")[0] in DOMAINS
           and not _app_builder(a)],
          "procure -> a domain package (only procure/app.py's build/_register functions may)")


def test_no_private_name_is_imported_from_another_module():
    _fail([f"{a}: private {', '.join(n for n in a.names if is_private(n))}" for a in all_arrows()
           if is_project(a.target) and any(is_private(n) for n in a.names)],
          "private name imported across modules (give the shared helper a public name)")


def _module_bindings(name: str) -> dict[str, str]:
    """Local names bound to project modules: `import a.b` binds a, `from a import b` binds b."""
    bound = {}
    for node in ast.walk(parsed(name)):
        if isinstance(node, ast.Import):
            for a in node.names:
                if is_project(a.name):
                    bound[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(name, node, modules()[name].name == "__init__.py")
            for a in node.names:
                if f"{target}.{a.name}" in modules():
                    bound[a.asname or a.name] = f"{target}.{a.name}"
    return bound


def test_no_private_attribute_of_another_module_is_used():
    problems = []
    for name, path in modules().items():
        bound = _module_bindings(name)
        for node in ast.walk(parsed(name)):
            if not isinstance(node, ast.Attribute):
                continue
            chain, root = [node.attr], node.value
            while isinstance(root, ast.Attribute):
                chain.insert(0, root.attr)
                root = root.value
            if not isinstance(root, ast.Name) or root.id not in bound:
                continue
            module = bound[root.id]
            for attr in chain:  # walk down submodules; stop at the first non-module attribute
                if is_private(attr) and module != name:
                    problems.append(f"{path.relative_to(ROOT).as_posix()}:{node.lineno}: {name} -> "
                                    f"{module}.{attr} (private)")
                    break
                if f"{module}.{attr}" not in modules():
                    break
                module = f"{module}.{attr}"
    _fail(sorted(set(problems)), "private attribute of another module used")


def _pure_modules() -> list[str]:
    listed = list(PURE) + [p for p in ARRIVING if (ROOT / p).exists()]
    listed += [p.relative_to(ROOT).as_posix() for package in PACKAGES if (ROOT / package).is_dir()
               for pattern in ("states.py", "lifecycle.py") for p in (ROOT / package).rglob(pattern)]
    return sorted(set(listed))


def test_every_listed_pure_module_exists():
    _fail([p for p in PURE if not (ROOT / p).exists()], "listed pure module missing (update PURE)")


def _package_inits(target: str) -> list[str]:
    """Importing a.b.c runs a/__init__.py and a/b/__init__.py first."""
    parts = target.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))] + [target]


def _impure_path(name: str, seen: set[str]) -> list[str] | None:
    """The chain of module-level arrows from `name` to Flask, SQLAlchemy or procure.extensions."""
    for arrow in arrows(name):
        if arrow.function is not None:
            continue  # imported when called, not when the module is imported
        if any(within(arrow.target, f) for f in FORBIDDEN_IN_PURE):
            return [str(arrow)]
        for step in _package_inits(arrow.target):
            if step in modules() and step not in seen:
                seen.add(step)
                rest = _impure_path(step, seen)
                if rest is not None:
                    return [str(arrow)] + rest
    return None


def test_pure_rule_modules_import_no_framework():
    problems = []
    for rel in _pure_modules():
        name = module_name(ROOT / rel)
        if name in modules():
            chain = _impure_path(name, {name})
            if chain:
                problems.append(" => ".join(chain))
    _fail(problems, "pure rule module imports Flask, SQLAlchemy or procure.extensions")
