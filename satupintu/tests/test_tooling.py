"""The two commands of the README work on a newcomer's machine: `make demo PORT=...` and
`make test`'s start of PostgreSQL and Redis (scripts/services.sh)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


@pytest.mark.skipif(not shutil.which("make"), reason="no make")
def test_make_demo_serves_on_the_port_given_and_links_follow():
    plan = subprocess.run(  # noqa: S603
        ["make", "-n", "demo", "PORT=8001"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "SITE_URL"},
    ).stdout
    assert "runserver 127.0.0.1:8001" in plan
    assert "SITE_URL=http://127.0.0.1:8001 " in plan
    assert "8000" not in plan


@pytest.mark.skipif(not shutil.which("make"), reason="no make")
def test_make_test_starts_the_services_first():
    plan = subprocess.run(
        ["make", "-n", "test"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert plan.index("scripts/services.sh") < plan.index("pytest")


def test_services_say_in_one_line_what_to_install_where_missing(tmp_path):
    # A PATH with the shell's tools but neither PostgreSQL's nor Redis's.
    for tool in ("dirname", "sed", "seq", "sleep", "mkdir", "ls", "sort", "tail", "grep"):
        if found := shutil.which(tool):
            (tmp_path / tool).symlink_to(found)
    done = subprocess.run(  # noqa: S603
        [shutil.which("bash") or "/bin/bash", str(ROOT / "scripts" / "services.sh")],
        capture_output=True,
        text=True,
        env={"PATH": str(tmp_path)},
    )
    assert done.returncode != 0
    [line] = done.stderr.splitlines()
    assert "PostgreSQL" in line and "Redis" in line and "apt-get install" in line
    assert done.stdout == ""


def test_services_leave_running_ones_alone():
    done = subprocess.run(  # noqa: S603
        ["bash", str(ROOT / "scripts" / "services.sh")],  # noqa: S607
        capture_output=True,
        text=True,
        env=dict(os.environ),
    )
    assert done.returncode == 0, done.stderr
