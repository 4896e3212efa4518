"""What installing digest brings in: scikit-learn only with the evaluation's extra."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from .conftest import ROOT


def test_scikit_learn_is_an_evaluation_dependency_only():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = " ".join(project["dependencies"])
    assert "scikit-learn" not in runtime
    assert any(d.startswith("scikit-learn") for d in project["optional-dependencies"]["eval"])


def test_every_module_of_digest_but_the_evaluation_imports_without_scikit_learn():
    # (NLTK, under sumy, imports scikit-learn when it happens to be installed; it needs none.)
    code = (
        "import pkgutil, sys\n"
        "sys.modules['sklearn'] = None  # as if it were not installed: importing it fails\n"
        "import digest\n"
        "for module in pkgutil.walk_packages(digest.__path__, 'digest.'):\n"
        "    if not module.name.startswith(('digest.evaluate', 'digest.templates')):\n"
        "        __import__(module.name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('digest.')))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "digest.summarizers.sumy_adapter" in run.stdout and "digest.pipeline" in run.stdout


def test_ci_runs_exactly_the_readme_s_test_command():
    readme = (ROOT / "README.md").read_text()
    command = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert "pytest" in command and "tests/install-chromium" in command
    assert f"\n{command}\n" in readme


def test_matplotlib_is_a_benchmark_dependency_only():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "matplotlib" not in " ".join(project["dependencies"])
    assert any(d.startswith("matplotlib") for d in project["optional-dependencies"]["bench"])
    sources = [path.read_text() for path in (ROOT / "digest").rglob("*.py")]
    assert not any("import matplotlib" in source for source in sources)
