"""Fault injection, summed up: every fault family's tests run, then one table.

    python -m bench.faults                    # each family once
    python -m bench.faults --repeat 3         # three rounds (the kill points shift with load)
    python -m bench.faults --only redis_kill,disk_full

The families are the fault tests themselves (`tests/test_faults_*.py`, marker `faults`,
plus the corrupted-file tests that run in the main suite): each kills, pauses, starves or
damages a real process or file and checks the data afterwards. A test reports what it
injected through pytest's `record_property` ("runs": faults injected, "data_lost": turns,
passages or rows missing afterwards, "recovery_s": from the repair to the first success);
this module runs them with `--junitxml` and adds the numbers up. "survived" counts the
injected faults of tests that passed: every assertion about the data held afterwards.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import REPO, console, print_footer, table, write_result

FAMILIES = {
    "redis_kill": "Redis SIGKILL mid ticket conversation (API, CLI, HTTP)",
    "redis_pause": "Redis SIGSTOP past the socket timeout",
    "bot_kill": "bot process SIGKILL holding the session lock",
    "ingest_kill": "SIGKILL during kb ingest / cmdb load",
    "disk_full": "disk full: KB store, key cache, CMDB, embedded Redis",
    "corrupt_files": "corrupted files and records",
}


@dataclass
class Family:
    """What the runs of one family's tests added up to."""

    name: str
    runs: int = 0
    survived: int = 0
    skipped: int = 0
    data_lost: int = 0
    recoveries: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def row(self) -> list[object]:
        mean = sum(self.recoveries) / len(self.recoveries) if self.recoveries else float("nan")
        return [FAMILIES[self.name], self.runs, self.survived, self.data_lost, mean, self.skipped]


def run_round(families: list[str], report: Path) -> float:
    """One pytest run over the families' modules; seconds it took."""
    modules = [f"tests/test_faults_{name}.py" for name in families]
    command = [
        sys.executable, "-m", "pytest", "-m", "faults or not faults", "-p", "no:cacheprovider",
        "-q", "-o", "junit_family=xunit1", f"--junitxml={report}", *modules,
    ]  # fmt: skip
    started = time.monotonic()
    subprocess.run(command, cwd=REPO, env=os.environ.copy(), check=False)  # noqa: S603 (argv list, no shell)
    return time.monotonic() - started


def add_round(report: Path, found: dict[str, Family]) -> None:
    """Fold one junit report into the per-family totals."""
    for case in ET.parse(report).getroot().iter("testcase"):  # noqa: S314 (our own junit file)
        module = (case.get("file") or case.get("classname") or "").rsplit("/", 1)[-1]
        name = module.removeprefix("tests.").removeprefix("test_faults_").removesuffix(".py")
        if name not in found:
            continue
        family = found[name]
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        injected = int(props.get("runs") or 1)
        if case.find("skipped") is not None:
            family.skipped += injected
            continue
        family.runs += injected
        if case.find("failure") is None and case.find("error") is None:
            family.survived += injected
        else:
            family.failures.append(case.get("name", "?"))
        family.data_lost += int(float(props.get("data_lost") or 0))
        if props.get("recovery_s") is not None:
            family.recoveries.append(float(props["recovery_s"] or 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="rounds of every family")
    parser.add_argument(
        "--only", default=",".join(FAMILIES), help=f"comma-separated: {', '.join(FAMILIES)}"
    )
    args = parser.parse_args()
    chosen = [f.strip() for f in args.only.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FAMILIES]
    if unknown:
        parser.error(f"unknown families {unknown}; use {', '.join(FAMILIES)}")
    found = {name: Family(name) for name in chosen}
    seconds: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        for i in range(args.repeat):
            report = Path(folder) / f"round-{i}.xml"
            seconds.append(run_round(chosen, report))
            if report.exists():
                add_round(report, found)
    rows = [family.row() for family in found.values()]
    totals: defaultdict[str, int] = defaultdict(int)
    for family in found.values():
        totals["runs"] += family.runs
        totals["survived"] += family.survived
        totals["data_lost"] += family.data_lost
    columns = ["fault", "runs", "survived", "data lost", "mean recovery s", "skipped"]
    console.print(table(f"fault injection, {args.repeat} round(s)", columns, rows))
    console.print(
        f"{totals['runs']} faults injected, {totals['survived']} survived, "
        f"{totals['data_lost']} items of data lost ({sum(seconds):.0f} s)"
    )
    for family in found.values():
        for failure in family.failures:
            console.print(f"[red]failed:[/] {family.name}: {failure}")
    payload = {
        "families": {
            f.name: {
                "title": FAMILIES[f.name], "runs": f.runs, "survived": f.survived,
                "skipped": f.skipped, "data_lost": f.data_lost, "recovery_s": f.recoveries,
                "failures": f.failures,
            }
            for f in found.values()
        },
        "totals": dict(totals),
        "seconds": seconds,
    }  # fmt: skip
    print_footer(write_result("faults", {"repeat": args.repeat, "only": chosen}, payload))
    if totals["runs"] != totals["survived"] or totals["data_lost"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
