"""Import hygiene: working on local files never pulls in the SMB stack."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys


def test_local_work_does_not_import_smbclient() -> None:
    code = (
        "import sys, tempfile, ipo46xx\n"
        "from ipo46xx.storage import open_storage\n"
        "doc = ipo46xx.parse(b'SET TRUSTCERTS x.pem')\n"
        "store = open_storage(tempfile.mkdtemp())\n"
        "store.write('46xxsettings.txt', ipo46xx.blank_trustcerts(doc).document.to_bytes())\n"
        "open_storage('memory://').list()\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('smbclient', 'smbprotocol', 'spnego'))\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_every_public_name_resolves_and_functions_stay_functions() -> None:
    import ipo46xx  # noqa: PLC0415
    import ipo46xx.format.evaluation  # noqa: PLC0415
    import ipo46xx.format.linting  # noqa: PLC0415

    for name in ipo46xx.__all__:
        assert getattr(ipo46xx, name) is not None, name
    assert callable(ipo46xx.evaluate) and callable(ipo46xx.lint)
    assert callable(ipo46xx.fetch) and callable(ipo46xx.trustcerts)
    assert set(ipo46xx.__all__) <= set(dir(ipo46xx))


def test_import_ipo46xx_loads_nothing_heavy() -> None:
    code = (
        "import sys, ipo46xx\n"
        "heavy = sorted(m for m in ('pyparsing', 'attrs', 'urllib.request', 'ssl', "
        "'smbclient') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


# Layers from the bottom up: a module may import its own layer and those before it.
_LAYERS = {
    "errors": 0,
    "logfilter": 0,
    "_lazy": 0,
    "format": 1,
    "storage": 1,
    "office": 2,
    "staging": 3,
    "fleet": 4,
    "emulator": 5,
    "demo": 5,
    "playground": 5,
    "cli": 6,
    "__init__": 6,
    "__main__": 6,
}


def _layer_of(module: str) -> str:
    """The layer of ``ipo46xx.a.b`` is ``a``; of the package itself, ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports_of(path: pathlib.Path, module: str) -> list[tuple[int, str]]:
    """Every ``ipo46xx`` module that ``path`` imports, also inside functions, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target == "ipo46xx":  # from ipo46xx import x: x may be a subpackage
                found += [(node.lineno, f"ipo46xx.{alias.name}") for alias in node.names]
            elif target.startswith("ipo46xx."):
                found.append((node.lineno, target))
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, alias.name)
                for alias in node.names
                if alias.name.startswith("ipo46xx.")
            ]
    return found


def test_no_import_runs_upward() -> None:
    root = pathlib.Path(__file__).resolve().parents[1] / "src" / "ipo46xx"
    upward = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        parts = [p for p in rel.parts if p != "__init__"]
        module = ".".join(parts)
        own = _layer_of(module) if path.name != "__init__.py" or len(parts) > 1 else "__init__"
        assert own in _LAYERS, f"{path}: a module outside every layer; add it to _LAYERS"
        for line, target in _imports_of(path, module):
            theirs = _layer_of(target)
            if theirs in _LAYERS and _LAYERS[theirs] > _LAYERS[own]:
                upward.append(f"{path.relative_to(root)}:{line} ({own}) imports {target}")
    assert upward == []


def test_the_checker_sees_an_upward_import(tmp_path: pathlib.Path) -> None:
    module = tmp_path / "document.py"
    module.write_text("def f():\n    from ..staging.stager import Stager\n    return Stager\n")
    assert _imports_of(module, "ipo46xx.format.document") == [(2, "ipo46xx.staging.stager")]


def test_moved_module_paths_warn_and_still_work() -> None:
    code = (
        "import warnings\n"
        "warnings.simplefilter('error')\n"
        "import ipo46xx.format.grammar as new\n"
        "warnings.simplefilter('always')\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    import ipo46xx.grammar as old\n"
        "    from ipo46xx.certificates import check_certificates\n"
        "    import ipo46xx\n"
        "    via_attribute = ipo46xx.journal\n"
        "assert old is new and old.LINE is new.LINE, old\n"
        "assert check_certificates is ipo46xx.check_certificates\n"
        "assert via_attribute.__name__ == 'ipo46xx.staging.journal'\n"
        "print('|'.join(str(w.message) for w in caught if w.category is DeprecationWarning))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    messages = result.stdout.strip().split("|")
    assert "ipo46xx.grammar moved to ipo46xx.format.grammar; the old path goes in 0.4" in messages
    assert any(
        m.startswith("ipo46xx.certificates moved to ipo46xx.office.certificates") for m in messages
    )
    assert any(m.startswith("ipo46xx.journal moved to ipo46xx.staging.journal") for m in messages)


def test_former_module_names_stay_importable_from_their_packages() -> None:
    from ipo46xx.fleet import run_fleet  # noqa: PLC0415
    from ipo46xx.staging import NEW, Stager  # noqa: PLC0415
    from ipo46xx.staging.stager import Stager as Same  # noqa: PLC0415

    assert Stager is Same and NEW == "new" and callable(run_fleet)
