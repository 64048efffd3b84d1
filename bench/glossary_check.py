"""Sanity report for the Chinese-English glossary (knowledge/data/glossary).

Run: .venv/bin/python -m bench.glossary_check [GLOSSARY] [RUNBOOK_DIR ...]

Reports entries, zh terms, zh terms shared by several entries and single-Han zh
terms (both must be 0), and how many en terms occur (case-insensitive) in the
runbook collections, so that an expansion term nobody's runbook uses stands out.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GLOSSARY = ROOT / "knowledge/data/glossary/zh-en.yaml"
DEFAULT_RUNBOOKS = [ROOT / "knowledge/data/kb", ROOT.parent / "shared/eval/runbooks"]
HAN = re.compile(r"[\u4e00-\u9fff]")


def load_entries(path: Path) -> list[tuple[list[str], list[str]]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise SystemExit(f"{path}: top level must be a list")
    entries = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or set(item) != {"zh", "en"}:
            raise SystemExit(f"{path}: entry {i} must have exactly zh and en")
        zh, en = item["zh"], item["en"]
        if not all(isinstance(t, str) and t for t in [*zh, *en]) or not zh or not en:
            raise SystemExit(f"{path}: entry {i} needs non-empty string lists")
        entries.append((list(zh), list(en)))
    return entries


def corpus_text(dirs: list[Path]) -> str:
    parts = [
        p.read_text(encoding="utf-8", errors="replace")
        for d in dirs
        for p in sorted(d.rglob("*"))
        if p.is_file()
    ]
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    glossary = Path(argv[0]) if argv else DEFAULT_GLOSSARY
    dirs = [Path(a) for a in argv[1:]] or DEFAULT_RUNBOOKS
    entries = load_entries(glossary)
    zh_terms = [t for zh, _ in entries for t in zh]
    counts = Counter(zh_terms)
    dups = sorted(t for t, n in counts.items() if n > 1)
    single = sorted(t for t in counts if len(t) < 2)
    no_han = sorted(t for t in counts if not HAN.search(t))
    not_lower = sorted({t for _, en in entries for t in en if t != t.lower()})
    text = corpus_text(dirs)
    en_terms = sorted({t for _, en in entries for t in en})
    lowered = text.lower()
    missing = [t for t in en_terms if t.lower() not in lowered]
    # What BM25 sees: an en term helps only through its tokens (knowledge.lexical.tokenize).
    from knowledge.lexical import tokenize

    vocab = set(tokenize(text))
    no_tokens = [t for t in en_terms if not tokenize(t)]
    token_missing = [t for t in en_terms if tokenize(t) and not set(tokenize(t)) <= vocab]
    print(f"entries: {len(entries)}")
    print(f"zh terms: {len(zh_terms)} ({len(counts)} distinct)")
    print(f"zh duplicates across entries: {len(dups)} {dups if dups else ''}".rstrip())
    print(f"single-character zh terms: {len(single)} {single if single else ''}".rstrip())
    print(f"zh terms without a Han character: {len(no_han)} {no_han if no_han else ''}".rstrip())
    print(f"en terms not lower case: {len(not_lower)} {not_lower if not_lower else ''}".rstrip())
    print(
        f"en terms (distinct): {len(en_terms)}; found in runbooks: {len(en_terms) - len(missing)}"
    )
    print(f"en terms in no runbook: {len(missing)}: {', '.join(missing)}")
    print(
        f"en terms with every BM25 token in the runbooks: {len(en_terms) - len(no_tokens) - len(token_missing)}"
    )
    print(
        f"en terms with no BM25 token (stop words only): {len(no_tokens)}: {', '.join(no_tokens)}"
    )
    print(
        f"en terms with a BM25 token in no runbook: {len(token_missing)}: {', '.join(token_missing)}"
    )
    return 1 if dups or single or no_han or not_lower else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
