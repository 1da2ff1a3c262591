#!/usr/bin/env python3
"""Packaging as users meet it: `make wheel-check` (run by .ci/run after the tests).

Run by the tools virtual environment's Python (it has `build`, `twine` and
`trove-classifiers`); every other environment is made here, fresh, under --work:

1. `python -m build --sdist` from the working tree, then the wheel built FROM the
   unpacked sdist, as pip builds one (so the sdist must hold all the wheel needs);
2. `twine check --strict` on both;
3. the sdist is lean (no virtual environments, build output, caches, out/) and holds
   every module of the source tree; the wheel holds exactly what the sdist's packages
   hold, `py.typed` included, and nothing at the top level but the packages;
4. the wheel's metadata: the version is `autograd_scalar.__version__`, every classifier
   is a real one, the extras are there;
5. the wheel, not editable, installed into two fresh virtual environments, one plain
   (`pip install autograd-scalar`) and one with `[test,plot]`, each run from a temporary
   folder with the repository on no path: `autograd_scalar` must come from the venv's
   site-packages; every public module of `autograd_scalar` and `viz`, discovered with
   `pkgutil.walk_packages`, must import (in the plain one a module may only miss a
   package that one of the extras brings); the installed version equals
   `autograd_scalar.__version__` and `autograd-scalar --version` prints it;
   `autograd-scalar demo --out <tmp>` runs and writes its pictures; `pip check` passes.

Nothing here knows the list of modules: they are discovered. The last line is
"wheel-check: N passed, M failed"; the exit status is non-zero when anything failed.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable, Iterable
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path, PurePosixPath
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DIST_NAME = "autograd-scalar"
PACKAGES = ("autograd_scalar", "viz")  # the two import packages the project ships
SCRIPT = "autograd-scalar"
EXTRAS = ("test", "plot", "dev")
SDIST_MAX_BYTES = 1 << 20  # a lean sdist of this project is a few dozen kB

# Path components that must never be in the sdist.
SDIST_JUNK = re.compile(
    r"^(\.venv.*|venv|build|dist|out|\.hypothesis|\.pytest_cache|\.mypy_cache|\.ruff_cache|"
    r"__pycache__|\.git|\.tox|\.nox|\.eggs|\.ipynb_checkpoints)$"
)
SDIST_JUNK_SUFFIXES = (".pyc", ".pyo", ".whl", ".tar.gz", ".zip", ".so")

# The files README's quick start promises from `autograd-scalar demo`; the moons
# pictures need matplotlib, the `plot` extra.
DEMO_FILES = (
    "receipt_apples.svg",
    "receipt_apples.png",
    "receipt_apples_oranges.svg",
    "receipt_apples_oranges.png",
    "receipt_backward.html",
)
DEMO_PLOT_FILES = ("moons_boundary.png", "moons_loss.png")

DEMO_TIMEOUT = 600
INSTALL_TIMEOUT = 600


class CheckFailed(Exception):
    pass


class Fatal(CheckFailed):
    """A failure after which the later checks cannot run."""


# --------------------------------------------------------------------------------------
# Outside: the orchestration, run by the tools venv.


class Runner:
    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.passed: list[str] = []
        self.failed: list[tuple[str, str]] = []

    def check(self, name: str, fn: Callable[[], str | None], fatal: bool = False) -> bool:
        """Run one check; print `ok`/`FAIL`; a fatal failure stops the run."""
        start = time.monotonic()
        try:
            detail = fn()
        except CheckFailed as error:
            self.failed.append((name, str(error)))
            print(f"FAIL  {name}: {error}", flush=True)
            if fatal or isinstance(error, Fatal):
                raise Fatal(name) from error
            return False
        except Exception:  # a bug or an unexpected state: report it as a failure, with where
            text = traceback.format_exc()
            self.failed.append((name, text.strip().splitlines()[-1]))
            print(f"FAIL  {name}: unexpected error\n{text}", flush=True)
            if fatal:
                raise Fatal(name) from None
            return False
        self.passed.append(name)
        took = time.monotonic() - start
        print(f"ok    {name}" + (f": {detail}" if detail else "") + f"  ({took:.1f} s)", flush=True)
        return True

    def run(
        self,
        log_name: str,
        argv: list[str],
        *,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        timeout: float = INSTALL_TIMEOUT,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command, keep its output in a log; on failure say so with the log's tail."""
        log = self.logs / f"{log_name}.log"
        try:
            result = subprocess.run(
                argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
            )
        except OSError as error:  # the program is not there, or cannot be run
            log.write_text(f"$ {' '.join(argv)}\n{error}\n")
            raise CheckFailed(f"`{' '.join(argv)}` could not run: {error}") from None
        except subprocess.TimeoutExpired as error:
            output = "".join(
                s.decode(errors="replace") if isinstance(s, bytes) else s
                for s in (error.stdout or "", error.stderr or "")
            )
            log.write_text(f"$ {' '.join(argv)}\n(timed out after {timeout} s)\n{output}")
            raise CheckFailed(f"`{' '.join(argv)}` took more than {timeout} s (log: {log})") from None
        log.write_text(
            f"$ {' '.join(argv)}\n(cwd {cwd or os.getcwd()}; exit {result.returncode})\n"
            f"--- stdout\n{result.stdout}--- stderr\n{result.stderr}"
        )
        if result.returncode != 0:
            tail = "\n".join(f"      | {line}" for line in (result.stdout + result.stderr).strip().splitlines()[-25:])
            raise CheckFailed(f"`{' '.join(argv)}` exited {result.returncode} (log: {log})\n{tail}")
        return result


def source_version() -> str:
    """`__version__` as written in autograd_scalar/__init__.py (read, not imported)."""
    tree = ast.parse((REPO / "autograd_scalar" / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            if isinstance(value, str):
                return value
    raise CheckFailed('autograd_scalar/__init__.py has no literal `__version__ = "..."`')


def source_modules() -> set[str]:
    """Every .py file of the shipped packages in the working tree, relative to the repo."""
    found = set()
    for package in PACKAGES:
        for path in (REPO / package).rglob("*"):
            rel = path.relative_to(REPO)
            if any(part == "__pycache__" or part.startswith(".") for part in rel.parts):
                continue
            if path.is_file() and (path.suffix in {".py", ".pyi"} or path.name == "py.typed"):
                found.add(rel.as_posix())
    return found


def package_files(names: Iterable[str]) -> set[str]:
    """Of archive member paths (already stripped of any root folder), those in the packages."""
    return {
        n for n in names if not n.endswith("/") and PurePosixPath(n).parts and PurePosixPath(n).parts[0] in PACKAGES
    }


def clean_env(venv: Path) -> dict[str, str]:
    """The environment a user's shell would give the installed package: nothing of ours."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV", "PYTHONSAFEPATH"}
        and not k.startswith("__PYVENV")
    }
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    env["MPLBACKEND"] = "Agg"
    return env


def read_metadata(wheel: Path) -> tuple[list[str], Message]:
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        meta_name = next((n for n in names if n.endswith(".dist-info/METADATA")), None)
        if meta_name is None:
            raise CheckFailed(f"{wheel.name} has no .dist-info/METADATA")
        meta = HeaderParser().parsestr(zf.read(meta_name).decode("utf-8"))
    return names, meta


def outside(args: argparse.Namespace) -> int:
    started = time.monotonic()
    work = Path(args.work).resolve()
    if (work == REPO or REPO in work.parents) and REPO / "build" not in work.parents:
        # Anywhere else in the tree, the venvs could end up in the sdist or on a path.
        print(f"wheel-check: --work {work} must be outside the repository or under build/", file=sys.stderr)
        return 2
    dist, logs = work / "dist", work / "logs"
    venvs = {"plain": work / "venv-plain", "extras": work / "venv-extras"}
    for path in (dist, logs, work / "sdist-unpacked", *venvs.values()):
        shutil.rmtree(path, ignore_errors=True)
    dist.mkdir(parents=True)
    logs.mkdir(parents=True)
    runner = Runner(logs)
    print(f"wheel-check: {REPO} -> {work} (logs in {logs})", flush=True)
    tmp_root = Path(tempfile.mkdtemp(prefix="wheel-check-"))  # outside the repository: the users' cwd
    state: dict[str, object] = {}

    def build_sdist() -> str:
        runner.run("build-sdist", [sys.executable, "-m", "build", "--sdist", "--outdir", str(dist), str(REPO)])
        sdists = sorted(dist.glob("*.tar.gz"))
        if len(sdists) != 1:
            raise CheckFailed(f"expected one sdist in {dist}, found {[p.name for p in sdists]}")
        state["sdist"] = sdists[0]
        return f"{sdists[0].name}, {sdists[0].stat().st_size / 1024:.0f} kB"

    def build_wheel_from_sdist() -> str:
        sdist = state["sdist"]
        assert isinstance(sdist, Path)
        unpacked = work / "sdist-unpacked"
        unpacked.mkdir()
        with tarfile.open(sdist) as tf:
            if hasattr(tarfile, "data_filter"):  # 3.12, and the security releases of 3.10 and 3.11
                tf.extractall(unpacked, filter="data")
            else:
                tf.extractall(unpacked)  # noqa: S202 (our own archive, just built)
        roots = [p for p in unpacked.iterdir() if p.is_dir()]
        if len(roots) != 1:
            raise CheckFailed(f"the sdist should unpack to one folder, got {[p.name for p in roots]}")
        runner.run("build-wheel", [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(roots[0])])
        wheels = sorted(dist.glob("*.whl"))
        if len(wheels) != 1:
            raise CheckFailed(f"expected one wheel in {dist}, found {[p.name for p in wheels]}")
        state["wheel"] = wheels[0]
        return f"{wheels[0].name}, built from the unpacked sdist"

    def twine_check() -> str:
        files = [str(state["sdist"]), str(state["wheel"])]
        runner.run("twine-check", [sys.executable, "-m", "twine", "check", "--strict", *files])
        return "sdist and wheel"

    def sdist_contents() -> str:
        sdist = state["sdist"]
        assert isinstance(sdist, Path)
        with tarfile.open(sdist) as tf:
            members = [m.name for m in tf.getmembers() if not m.isdir()]
        root = members[0].split("/")[0]
        rel = [m.split("/", 1)[1] for m in members if "/" in m]
        problems = []
        for name in rel:
            parts = PurePosixPath(name).parts
            if any(SDIST_JUNK.match(p) for p in parts) or name.endswith(SDIST_JUNK_SUFFIXES):
                problems.append(f"does not belong in an sdist: {name}")
        for needed in ("PKG-INFO", "pyproject.toml", "README.md", "autograd_scalar/py.typed"):
            if needed not in rel:
                problems.append(f"missing: {needed}")
        missing = sorted(source_modules() - set(rel))
        problems += [f"in the source tree but not in the sdist: {m}" for m in missing]
        size = sdist.stat().st_size
        if size > SDIST_MAX_BYTES:
            limit = SDIST_MAX_BYTES / 1024
            problems.append(f"{size / 1024:.0f} kB, more than {limit:.0f} kB: is something stray in it?")
        if problems:
            raise CheckFailed("; ".join(problems))
        state["sdist_files"] = set(rel)
        top = sorted({PurePosixPath(n).parts[0] for n in rel})
        return f"{len(rel)} entries under {root}/, lean; top level: {', '.join(top)}"

    def wheel_contents() -> str:
        wheel = state["wheel"]
        assert isinstance(wheel, Path)
        names, _ = read_metadata(wheel)
        problems = []
        top = {PurePosixPath(n).parts[0] for n in names}
        stray = sorted(t for t in top if t not in PACKAGES and not t.endswith((".dist-info", ".data")))
        if stray:
            problems.append(f"stray top-level entries: {stray}")
        if "autograd_scalar/py.typed" not in names:
            problems.append("autograd_scalar/py.typed is missing")
        in_wheel = package_files(names)
        sdist_files = state.get("sdist_files")
        if isinstance(sdist_files, set):
            in_sdist = package_files(sdist_files)
            if in_sdist - in_wheel:
                problems.append(f"in the sdist's packages but not in the wheel: {sorted(in_sdist - in_wheel)}")
            if in_wheel - in_sdist:
                problems.append(f"in the wheel but not in the sdist: {sorted(in_wheel - in_sdist)}")
        if problems:
            raise CheckFailed("; ".join(problems))
        return f"{len(in_wheel)} package files, py.typed included, top level {sorted(top)}"

    def wheel_metadata() -> str:
        import trove_classifiers  # type: ignore[import-not-found, unused-ignore]

        wheel = state["wheel"]
        assert isinstance(wheel, Path)
        names, meta = read_metadata(wheel)
        problems = []
        version = source_version()
        state["version"] = version
        if meta["Version"] != version:
            problems.append(f"Version {meta['Version']!r} != autograd_scalar.__version__ {version!r}")
        if not wheel.name.startswith(f"autograd_scalar-{version}-"):
            problems.append(f"wheel file name {wheel.name} does not carry version {version}")
        if meta["Name"] != DIST_NAME:
            problems.append(f"Name {meta['Name']!r} != {DIST_NAME!r}")
        classifiers = meta.get_all("Classifier") or []
        bad = [c for c in classifiers if c not in trove_classifiers.classifiers]
        if bad:
            problems.append(f"not real trove classifiers (PyPI would refuse the upload): {bad}")
        if not classifiers:
            problems.append("no classifiers")
        extras = set(meta.get_all("Provides-Extra") or [])
        if set(EXTRAS) - extras:
            problems.append(f"extras missing: {sorted(set(EXTRAS) - extras)}")
        requires = meta.get_all("Requires-Dist") or []
        if not any(r.startswith("sympy") and "extra" in r and '"test"' in r for r in requires):
            problems.append("sympy is not in the [test] extra")
        for field in ("Requires-Python", "Summary", "Author", "Keywords"):
            if not meta[field]:
                problems.append(f"no {field}")
        if not (meta["License-Expression"] or meta["License"]):
            problems.append("no license")
        entry_points = next((n for n in names if n.endswith(".dist-info/entry_points.txt")), None)
        with zipfile.ZipFile(wheel) as zf:
            if entry_points is None or not re.search(
                rf"^{re.escape(SCRIPT)}\s*=", zf.read(entry_points).decode(), re.MULTILINE
            ):
                problems.append(f"no console script {SCRIPT!r}")
        if problems:
            raise CheckFailed("; ".join(problems))
        return (
            f"{meta['Name']} {meta['Version']}, {len(classifiers)} valid classifiers, "
            f"extras {sorted(extras)}, license {meta['License-Expression'] or meta['License']}"
        )

    def venv_checks(kind: str, venv: Path, extras: str) -> None:
        python = venv / "bin" / "python"
        env = clean_env(venv)
        cwd = Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=tmp_root))

        def create_and_install() -> str:
            runner.run(f"{kind}-venv", [args.python, "-m", "venv", str(venv)], cwd=cwd, env=env)
            wheel = state["wheel"]
            runner.run(f"{kind}-install", [str(python), "-m", "pip", "install", f"{wheel}{extras}"], cwd=cwd, env=env)
            return f"pip install {Path(str(wheel)).name}{extras} into a fresh {venv.name}"

        runner.check(f"{kind}: install the wheel (not editable)", create_and_install, fatal=True)

        def inside_checks() -> str:
            argv = [str(python), "-I", str(Path(__file__).resolve()), "--inside", "--repo", str(REPO)]
            if not extras:
                argv.append("--allow-extras-missing")
            try:
                result = runner.run(f"{kind}-imports", argv, cwd=cwd, env=env)
            except CheckFailed:
                # The report is on stdout even when it failed; show it rather than the tail.
                log = (logs / f"{kind}-imports.log").read_text()
                report = _report_from(log)
                if report is None:
                    raise
                raise CheckFailed("; ".join(report["problems"])) from None
            report = _report_from(result.stdout)
            if report is None:
                raise CheckFailed(f"no report from the check inside the venv (log: {logs / (kind + '-imports.log')})")
            notes = report["notes"]
            return f"{report['count']} public modules imported from {report['site']}" + (
                f" ({'; '.join(notes)})" if notes else ""
            )

        runner.check(f"{kind}: every public module imports from site-packages", inside_checks)

        def version() -> str:
            want = state.get("version") or source_version()
            outputs = []
            for label, log, argv in (
                (SCRIPT, "version", [str(venv / "bin" / SCRIPT), "--version"]),
                ("python -m autograd_scalar", "version-m", [str(python), "-m", "autograd_scalar", "--version"]),
            ):
                result = runner.run(f"{kind}-{log}", argv, cwd=cwd, env=env, timeout=60)
                if want not in result.stdout.split():
                    raise CheckFailed(f"`{label} --version` printed {result.stdout.strip()!r}, not the version {want}")
                outputs.append(result.stdout.strip())
            return f"{SCRIPT} --version: {outputs[0]!r}"

        runner.check(f"{kind}: {SCRIPT} --version prints autograd_scalar.__version__", version)

        def demo() -> str:
            out = cwd / "demo-out"
            started = time.monotonic()
            runner.run(
                f"{kind}-demo",
                [str(venv / "bin" / SCRIPT), "demo", "--out", str(out)],
                cwd=cwd,
                env=env,
                timeout=DEMO_TIMEOUT,
            )
            expected = DEMO_FILES + (DEMO_PLOT_FILES if "plot" in extras else ())
            problems = []
            for name in expected:
                path = out / name
                if not path.is_file() or path.stat().st_size == 0:
                    problems.append(f"did not write {name}")
                    continue
                head = path.read_bytes()[:512]
                if name.endswith(".png") and not head.startswith(b"\x89PNG\r\n\x1a\n"):
                    problems.append(f"{name} is not a PNG")
                if name.endswith(".svg") and b"<svg" not in path.read_bytes()[:4096]:
                    problems.append(f"{name} is not an SVG")
            if problems:
                raise CheckFailed(f"demo exited 0 but {'; '.join(problems)} (log: {logs / (kind + '-demo.log')})")
            return f"{len(list(out.iterdir()))} files in {out.parent.name}/demo-out, {time.monotonic() - started:.0f} s"

        runner.check(f"{kind}: {SCRIPT} demo --out <tmp>", demo)

        def pip_check() -> str:
            runner.run(f"{kind}-pip-check", [str(python), "-m", "pip", "check"], cwd=cwd, env=env)
            return ""

        runner.check(f"{kind}: pip check", pip_check)

    try:
        try:
            runner.check("build the sdist (python -m build --sdist)", build_sdist, fatal=True)
            runner.check("build the wheel from the sdist, as pip does", build_wheel_from_sdist, fatal=True)
            runner.check("twine check --strict", twine_check)
            runner.check("sdist: lean, and holds every module", sdist_contents)
            runner.check("wheel: contents and py.typed", wheel_contents)
            runner.check("wheel: metadata", wheel_metadata)
            for kind, extras in (("plain", ""), ("extras", "[test,plot]")):
                try:
                    venv_checks(kind, venvs[kind], extras)
                except Fatal:
                    pass  # its install failed: the other venv may still tell something
        except Fatal:
            pass
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)

    took = time.monotonic() - started
    if runner.failed:
        print(f"wheel-check FAILED in {took:.0f} s; first failure: {runner.failed[0][0]}", flush=True)
    else:
        print(
            f"wheel-check OK in {took:.0f} s: {DIST_NAME} {state.get('version')}, sdist and wheel built, "
            "installed and run in fresh venvs",
            flush=True,
        )
    print(f"wheel-check: {len(runner.passed)} passed, {len(runner.failed)} failed", flush=True)
    return 1 if runner.failed else 0


REPORT_MARK = "WHEEL-CHECK-REPORT "


def _report_from(text: str) -> dict[str, Any] | None:
    for line in reversed(text.splitlines()):
        if line.startswith(REPORT_MARK):
            report: dict[str, Any] = json.loads(line[len(REPORT_MARK) :])
            return report
    return None


# --------------------------------------------------------------------------------------
# Inside: run by a test venv's Python with -I, from a temporary folder.


def inside(args: argparse.Namespace) -> int:
    import importlib
    import importlib.metadata
    import pkgutil
    import sysconfig

    repo = Path(args.repo).resolve()
    problems: list[str] = []
    notes: list[str] = []
    site = Path(sysconfig.get_paths()["purelib"]).resolve()

    def within(path: Path, folder: Path) -> bool:
        return path == folder or folder in path.parents

    prefix = Path(sys.prefix).resolve()  # the venv: under the repository's build/ when --work is
    for entry in sys.path:
        path = Path(entry or ".").resolve()
        if within(path, repo) and not within(path, prefix):
            problems.append(f"the repository is on sys.path: {entry or '(cwd)'}")
    if within(Path.cwd().resolve(), repo):
        problems.append(f"running inside the repository: {Path.cwd()}")

    # What each extra brings, as import names (the distribution name, normalised: true of
    # every package in this project's extras). In the plain venv a module may need them.
    dist = importlib.metadata.distribution(DIST_NAME)
    core_requirements: set[str] = set()
    extra_requirements: set[str] = set()
    for requirement in dist.requires or []:
        name = re.match(r"[A-Za-z0-9._-]+", requirement)
        if name is None:
            continue
        key = name.group(0).lower().replace("-", "_").replace(".", "_")
        (extra_requirements if "extra ==" in requirement else core_requirements).add(key)
    extra_only = extra_requirements - core_requirements - {DIST_NAME.replace("-", "_")}

    # The modules the installed distribution holds, from its RECORD: what walk_packages
    # must find (a folder without __init__.py is a namespace package it would skip).
    recorded = set()
    for file in dist.files or []:
        parts = file.parts
        if parts and parts[0] in PACKAGES and file.suffix == ".py":
            dotted = list(parts[:-1]) + ([] if file.stem == "__init__" else [file.stem])
            recorded.add(".".join(dotted))

    def public(name: str) -> bool:
        return not any(part.startswith("_") for part in name.split("."))

    found: set[str] = set()
    walk_errors: list[str] = []
    for package_name in PACKAGES:
        try:
            package = importlib.import_module(package_name)
        except Exception as error:  # noqa: BLE001
            problems.append(f"import {package_name}: {type(error).__name__}: {error}")
            continue
        origin = Path(package.__file__ or "").resolve()
        if not within(origin, site):
            problems.append(f"{package_name} was imported from {origin}, not from the venv's {site}")
        found.add(package_name)
        for info in pkgutil.walk_packages(
            package.__path__, package_name + ".", onerror=lambda name: walk_errors.append(name)
        ):
            found.add(info.name)

    missed = sorted(m for m in recorded - found if public(m))
    if missed:
        problems.append(
            "modules in the wheel that pkgutil.walk_packages does not find, since their folder has no "
            f"__init__.py (a namespace package): {missed}"
        )

    version = getattr(sys.modules.get("autograd_scalar"), "__version__", None)
    installed = dist.version
    if version != installed:
        problems.append(f"installed distribution version {installed!r} != autograd_scalar.__version__ {version!r}")

    if not (site / "autograd_scalar" / "py.typed").is_file():
        problems.append("autograd_scalar/py.typed is not installed")

    # The missed ones are imported too, so that their errors are reported as well.
    modules = sorted(m for m in found | set(walk_errors) | set(missed) if public(m))
    for module in modules:
        try:
            importlib.import_module(module)
            print(f"  ok     import {module}")
        except ModuleNotFoundError as error:
            missing = (error.name or "").split(".")[0].lower()
            if args.allow_extras_missing and missing in extra_only:
                notes.append(f"{module} needs {missing}, from an extra")
                print(f"  extra  import {module}: needs {missing}")
            else:
                problems.append(f"import {module}: ModuleNotFoundError: {error}")
                print(f"  FAIL   import {module}: {error}")
        except Exception as error:  # noqa: BLE001
            problems.append(f"import {module}: {type(error).__name__}: {error}")
            print(f"  FAIL   import {module}: {type(error).__name__}: {error}")

    report = {"count": len(modules), "site": str(site), "notes": notes, "problems": problems, "modules": modules}
    print(REPORT_MARK + json.dumps(report))
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default=str(REPO / "build" / "wheel-check"), help="folder for dist/, venvs, logs")
    parser.add_argument("--python", default=sys.executable, help="the Python that makes the test venvs")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--repo", help=argparse.SUPPRESS)
    parser.add_argument("--allow-extras-missing", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    return inside(args) if args.inside else outside(args)


if __name__ == "__main__":
    sys.exit(main())
