"""Check the release numbers in kb/data/api_drift.yaml against the torch and torchvision sources
of the releases themselves.

Why: the table's versions were first written from release notes, and a wrong "removed in 2.0"
sends a user to the wrong fix. The wheels on PyPI carry every release's Python sources and type
stubs, so the boundary can be read off them: a row is confirmed when its symbol is defined in
the release before `version` and not in `version` (removed, renamed), defined in `version` and not
in the release before (added), or defined with a deprecation message in `version` and without one
in the release before (deprecated). Rows whose boundary lies before the oldest release given are
reported as "older", not as errors.

Get the sources once (needs the package index; a macOS wheel is ~60 MB and has the same Python
files as the others), then run:

    pip download torch==2.0.0 --no-deps --platform macosx_11_0_arm64 --python-version 3.10 \
        --only-binary=:all: -d wheels/        # and so on for each release
    python scripts/check_api_drift_versions.py wheels/

Prints one line per row that is not confirmed (with --timeline, its state in every release) and the
totals. The reading is static and heuristic: a warning raised from C++ or a name re-exported in a way
it does not follow shows as "unconfirmed", so such a row is a prompt to read that release's source,
not a verdict. Nothing here runs in CI (it needs the wheels); it is how the table is maintained.
"""

from __future__ import annotations

import argparse
import re
import sys
import zipfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "kb" / "data" / "api_drift.yaml"
WHEEL_NAME = re.compile(r"^(torch|torchvision)-(\d+(?:\.\d+)+)-")
DEPRECATION = re.compile(r"deprecat", re.IGNORECASE)
REMOVAL = re.compile(r"\bremoved\b|no longer (?:supported|available)", re.IGNORECASE)


@dataclass(frozen=True)
class Release:
    """One release's Python sources, read from its wheel without extracting or importing it."""

    package: str
    version: tuple[int, ...]
    wheel: Path

    @cached_property
    def files(self) -> dict[str, str]:
        with zipfile.ZipFile(self.wheel) as archive:
            return {name: archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
                    if name.endswith((".py", ".pyi")) and "/test" not in name}

    def module_sources(self, dotted: str) -> list[str]:
        """The files that define module `dotted` (its .py or package __init__, and its stubs)."""
        base = dotted.replace(".", "/")
        names = [f"{base}.py", f"{base}.pyi", f"{base}/__init__.py", f"{base}/__init__.pyi"]
        if dotted == "torch":  # torch's functions come from the C extension, listed in the stubs
            names += ["torch/_C/_VariableFunctions.pyi", "torch/functional.py", "torch/_C/__init__.pyi"]
        if dotted == "torch.Tensor":
            names = ["torch/_tensor.py", "torch/_C/__init__.pyi", "torch/_C/_TensorBase.pyi"]
        return [self.files[name] for name in names if name in self.files]


def definition(release: Release, symbol: str) -> str | None:
    """The text around the definition of `symbol` in `release` (its def, class or assignment, and
    the lines after it), or None when the release does not define it."""
    symbol = symbol.split("(")[0]
    if sources := release.module_sources(symbol):
        return "\n".join(sources)[:4000]
    parent, _, name = symbol.rpartition(".")
    return defined_in(release, parent, name, depth=0)


def defined_in(release: Release, module: str, name: str, depth: int) -> str | None:
    """Where `module` defines `name`: directly, or through the imports it re-exports (named or
    `*`), followed a few levels as Python would."""
    if depth > 4:
        return None
    for source in release.module_sources(module):
        found = re.search(rf"^[ \t]*(?:def|class|async def)\s+{re.escape(name)}\b|^[ \t]*{re.escape(name)}\s*[:=]",
                          source, re.MULTILINE)
        if found:
            return block(source, found.start())
        for origin, names in imports(source):
            target = absolute(origin, module)
            if name in names or (names == ["*"] and target.startswith(module.split(".")[0])):
                if (text := defined_in(release, target, name, depth + 1)) is not None:
                    return text
                if name in names and release.module_sources(f"{target}.{name}"):
                    return "\n".join(release.module_sources(f"{target}.{name}"))[:4000]
                if name in names and depth >= 3:  # imported from a compiled module: defined, text unknown
                    return ""
    return None


def block(source: str, start: int) -> str:
    """The definition starting at `start`: its lines up to the next statement indented as much or less."""
    lines = source[start:].splitlines()
    indent = len(lines[0]) - len(lines[0].lstrip())
    end = next((number for number, line in enumerate(lines[1:], 1)
                if line.strip() and len(line) - len(line.lstrip()) <= indent
                and not line.lstrip().startswith((")", "]", "}", "@", "#"))), len(lines))
    return "\n".join(lines[:end])[:2500]


def imports(source: str) -> list[tuple[str, list[str]]]:
    """Every `from X import a, b` (parenthesised or not, `as` aliases by their new name) in source."""
    found = []
    for origin, body in re.findall(r"^[ \t]*from\s+([.\w]+)\s+import\s+(\([^)]*\)|[^\n]*)", source, re.MULTILINE):
        names = [part.split(" as ")[-1].strip() for part in re.sub(r"#[^\n]*", "", body).strip("()").split(",")]
        found.append((origin, [name for name in names if name]))
    return found


def absolute(origin: str, module: str) -> str:
    """A relative import's module, resolved against the importing module (a package's __init__)."""
    if not origin.startswith("."):
        return origin
    dots = len(origin) - len(origin.lstrip("."))
    base = module.split(".")[: len(module.split(".")) - dots + 1]
    return ".".join(base + [origin.lstrip(".")]).rstrip(".")


def keyword_present(release: Release, symbol: str) -> bool | None:
    """For a `callable(arg=)` row: whether the callable's definition names the argument."""
    callable_name, _, rest = symbol.partition("(")
    argument = rest.rstrip(")").split("=")[0]
    text = definition(release, callable_name)
    return None if text is None else bool(re.search(rf"\b{re.escape(argument)}\b", text[:2500]))


def state(release: Release, row: dict) -> str:
    """'absent', 'present' or 'deprecated': what `release` holds of the row's symbol."""
    symbol = row["symbol"]
    if "(" in symbol and "=" in symbol:
        present = keyword_present(release, symbol)
        text = definition(release, symbol.partition("(")[0]) if present else None
    else:
        text = definition(release, symbol)
        present = text is not None
    if not present:
        return "absent"
    if text and re.search(r"\braise\b", text) and REMOVAL.search(text):
        return "removed"  # a stub kept to say where the function went
    return "deprecated" if text and DEPRECATION.search(text) else "present"


def verdict(row: dict, before: Release, at: Release) -> str:
    """confirmed | unconfirmed: the row's kind against the two releases' states."""
    old, new = state(before, row), state(at, row)
    gone = ("absent", "removed")
    expected = {"removed": (old not in gone and new in gone),
                "renamed": (old not in gone and new in ("absent", "removed", "deprecated")),
                "added": (old == "absent" and new != "absent"),
                "deprecated": (old == "present" and new == "deprecated")}[row["kind"]]
    return "confirmed" if expected else f"unconfirmed ({before.version}: {old}, {at.version}: {new})"


def parse_version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in str(text).split(".")[:2])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheels", type=Path, help="a folder of torch and torchvision wheels, one per release")
    parser.add_argument("--timeline", action="store_true", help="for rows not confirmed, the state in every release")
    options = parser.parse_args()
    releases: dict[str, list[Release]] = {}
    for wheel in sorted(options.wheels.glob("*.whl")):
        if found := WHEEL_NAME.match(wheel.name):
            releases.setdefault(found[1], []).append(Release(found[1], parse_version(found[2]), wheel))
    for package in releases:
        releases[package].sort(key=lambda release: release.version)
    counts: dict[str, int] = {}
    for row in yaml.safe_load(TABLE.read_text())["rows"]:
        outcome = check_row(row, releases)
        counts[outcome.split(" ")[0]] = counts.get(outcome.split(" ")[0], 0) + 1
        if outcome != "confirmed" and not outcome.startswith("older"):
            print(f"{row['symbol']:60} {row['kind']:10} {row['version']:>6}  {outcome}")
            if options.timeline:
                package = "torchvision" if row["symbol"].startswith("torchvision") else "torch"
                print("    " + ", ".join(f"{'.'.join(map(str, release.version))}: {state(release, row)}"
                                        for release in releases.get(package, [])))
    print(", ".join(f"{count} {name}" for name, count in sorted(counts.items())))
    return 0


def check_row(row: dict, releases: dict[str, list[Release]]) -> str:
    package = "torchvision" if row["symbol"].startswith("torchvision") else "torch"
    version_text = str(row["version"]).removeprefix("torchvision ").strip()
    target = parse_version(version_text)
    ordered = releases.get(package, [])
    at = next((release for release in ordered if release.version == target), None)
    before = [release for release in ordered if release.version < target]
    if not ordered or target <= ordered[0].version:
        return "older (before the oldest release given)"
    if at is None or not before:
        return "unchecked (no wheel for that release)"
    return verdict(row, before[-1], at)


if __name__ == "__main__":
    sys.exit(main())
