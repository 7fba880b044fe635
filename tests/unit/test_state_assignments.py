"""No state is written outside the state machines: read as source (ast), so it holds for code
paths no other test reaches.

A state attribute (`status`, and an order line's `approval` and `fulfilment`) is assigned only in
`procure/state_guard.py`, which asks the entity's machine first; a Core UPDATE writes one only
through it too (`state_guard.guarded_step`). Model constructors setting the initial state are fine.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [p for p in ("procure", "catalog", "tenders", "invoicing", "deliveries") if (ROOT / p).is_dir()]
STATE_ATTRIBUTES = {"status", "approval", "fulfilment"}
GUARD = "procure/state_guard.py"


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel != GUARD:
                yield rel, ast.parse(path.read_text(encoding="utf-8"))


def _targets(node):
    if isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            yield from _targets(element)
    elif isinstance(node, ast.Starred):
        yield from _targets(node.value)
    else:
        yield node


def _constructor_lines(tree) -> set[int]:
    """`self.status = ...` in an `__init__`: a constructor setting the initial state (or an HTTP
    status on an error object)."""
    lines = set()
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef) and function.name == "__init__":
            for node in ast.walk(function):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
                    lines.add((node.lineno, node.col_offset))
    return lines


def assigned_states(tree) -> list[int]:
    """Lines assigning a state attribute: `x.status = ...`, `x.status, y = ...`, `x.status += ...`,
    `setattr(x, "status", ...)`."""
    found, constructors = [], _constructor_lines(tree)
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = [t for target in node.targets for t in _targets(target)]
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = list(_targets(node.target))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr"
              and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
              and node.args[1].value in STATE_ATTRIBUTES):
            found.append(node.lineno)
        found += [t.lineno for t in targets if isinstance(t, ast.Attribute) and t.attr in STATE_ATTRIBUTES
                  and (t.lineno, t.col_offset) not in constructors]
    return found


def _writes_state(call: ast.Call) -> bool:
    """Keywords or a dict literal (also `values={...}`, `**{...}`) naming a state attribute."""
    for keyword in call.keywords:
        if keyword.arg in STATE_ATTRIBUTES:
            return True
        if isinstance(keyword.value, ast.Dict) and (keyword.arg in (None, "values")):
            if any(isinstance(k, ast.Constant) and k.value in STATE_ATTRIBUTES for k in keyword.value.keys):
                return True
    return any(isinstance(arg, ast.Dict) and any(isinstance(k, ast.Constant) and k.value in STATE_ATTRIBUTES
                                                 for k in arg.keys) for arg in call.args)


def updated_states(tree) -> list[int]:
    """Lines writing a state with a Core UPDATE: `update(M)....values(status=...)`, or
    `audited_update(..., values={"status": ...})` (which is what `guarded_step` is for)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        if name in ("values", "audited_update") and _writes_state(node):
            found.append(node.lineno)
    return found


def test_no_state_is_assigned_outside_the_state_guard():
    found = [f"{name}:{line}" for name, tree in _sources() for line in assigned_states(tree)]
    assert not found, f"state assigned outside {GUARD} (use state_guard.step or move_to): {found}"


def test_no_state_is_written_by_an_update_outside_the_state_guard():
    found = [f"{name}:{line}" for name, tree in _sources() for line in updated_states(tree)]
    assert not found, f"state written by UPDATE outside {GUARD} (use state_guard.guarded_step): {found}"


def test_the_rule_sees_every_way_of_writing_a_state():
    caught = ast.parse(
        "order.status = 'x'\n"
        "line.approval, line.decided_at = 'approved', now\n"
        "job.status: str = 'done'\n"
        "setattr(version, 'status', 'approved')\n"
        "db.session.execute(update(Invoice).where(Invoice.id == 1).values(status='paid'))\n"
        "update(Job).values({'status': 'done'})\n"
        "audit.audited_update(Invoice, Invoice.id == 1, values={'status': 'paid'})\n")
    assert sorted(assigned_states(caught)) == [1, 2, 3, 4]
    assert sorted(updated_states(caught)) == [5, 6, 7]
    fine = ast.parse(
        "Invoice(status='discrepancy')\n"
        "class ApiError(Exception):\n    def __init__(self, status):\n        self.status = status\n"
        "select(Payment).filter_by(status='pending')\n"
        "x = order.status\n"
        "audit.audited_update(Budget, Budget.id == 1, values={'committed': 0})\n")
    assert assigned_states(ast.parse("def retry(self):\n    self.status = 'x'\n")) == [2]  # not a constructor
    assert assigned_states(fine) == [] and updated_states(fine) == []
