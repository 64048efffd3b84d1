"""The knowledge base on Milvus: ingest, incremental update, hybrid search, `ask`, and its errors.

milvus-lite (a folder) and a Milvus server URL go through the same code; the server is
milvus-lite's own gRPC server, started here as a separate process on a loopback port.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.ann_milvus import MilvusIndex
from knowledge.encoder import Encoder
from knowledge.kb import KnowledgeBase
from knowledge.milvus_connect import release_local
from settings import Settings
from tests.support.cli import assert_one_error_line, run, write_docs
from tests.support.vectors import clustered_keys

DOCS = {
    "nginx.md": "# Nginx 502\n\n## Fix\n\nRestart the upstream application behind nginx.\n",
    "disk.md": "# Disk Full\n\n## Symptoms\n\nNo space left on device.\n\n## Fix\n\nDelete logs.\n",
    "dns.md": "# DNS Failures\n\nLookups return SERVFAIL; query the resolver with dig.\n",
    "tls.md": "# TLS expiry\n\nRenew the certificate with certbot renew before it expires.\n",
}
QUESTIONS = ["nginx 502 bad gateway", "no space left on device", "SERVFAIL", "certbot"]


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    return write_docs(tmp_path / "docs", DOCS)


def top_ids(kb: KnowledgeBase, mode: str) -> list[str]:
    return [kb.search(q, k=1, mode=mode)[0].id for q in QUESTIONS]


def test_kb_milvus_search_ranks_like_the_local_index(
    tmp_path: Path, docs: Path, encoder: Encoder
) -> None:
    local = KnowledgeBase.open(tmp_path / "local", create=True, encoder=encoder, index="exact")
    uri = tmp_path / "kb" / "milvus.db"
    try:
        kb = KnowledgeBase.open(tmp_path / "kb", create=True, encoder=encoder, index="milvus")
        local.ingest([docs])
        kb.ingest([docs])
        assert kb.index.kind == "milvus" and len(kb.index) == len(kb) == len(local)
        for mode in ("dense", "bm25", "hybrid"):
            assert top_ids(kb, mode) == top_ids(local, mode), mode
    finally:
        release_local(str(uri))


def test_kb_milvus_reingest_encodes_only_what_changed(
    tmp_path: Path, docs: Path, encoder: Encoder
) -> None:
    folder = tmp_path / "kb"
    try:
        kb = KnowledgeBase.open(folder, create=True, encoder=encoder, index="milvus")
        first = kb.ingest([docs])
        again = kb.ingest([docs])
        (docs / "dns.md").write_text("# DNS Failures\n\nResolvers time out; check port 53.\n")
        (docs / "tls.md").unlink()
        edited = kb.ingest([docs])
        assert (first.added, again.encoded, again.unchanged) == (5, 0, 5)
        assert (edited.updated, edited.removed, edited.encoded) == (1, 1, 1)
        assert len(kb.index) == len(kb) == 4
        hit = kb.search("resolver port 53 timeout", k=1, mode="dense")[0]
        assert "port 53" in hit.text
        reopened = KnowledgeBase.open(folder, encoder=encoder, index="milvus")
        assert isinstance(reopened.index, MilvusIndex)
        assert reopened.index.rebuilt_because is None
        assert reopened.search("certbot renew", k=4, mode="bm25") == []
    finally:
        release_local(str(folder / "milvus.db"))


def test_kb_milvus_cli_ingest_search_ask_and_stats(home: Path, tmp_path: Path, docs: Path) -> None:
    uri = tmp_path / "cli-vectors.db"
    flags = ["--kb-index", "milvus", "--milvus-uri", uri]
    try:
        ingested = run(*flags, "kb", "ingest", docs, "--kb", tmp_path / "kb")
        assert ingested.exit_code == 0, ingested.output
        assert "added 5, updated 0, unchanged 0, removed 0" in ingested.stdout
        found = run(*flags, "kb", "search", "no space left", "--json", "--kb", tmp_path / "kb")
        assert found.exit_code == 0 and json.loads(found.stdout)[0]["source"].endswith("disk.md")
        answer = run(*flags, "ask", "nginx returns 502", "--json", "--kb", tmp_path / "kb")
        assert answer.exit_code == 0, answer.output
        assert json.loads(answer.stdout)["citations"][0]["source"].endswith("nginx.md")
        stats = run("--milvus-uri", uri, "kb", "stats", "--json", "--kb", tmp_path / "kb")
        assert json.loads(stats.stdout)["index"] == "milvus" and uri.is_dir()
    finally:
        release_local(str(uri))


def test_kb_milvus_cli_default_kb_answers_from_the_demo_runbooks(home: Path) -> None:
    try:
        result = run("--kb-index", "milvus", "ask", "the disk is full on web-01", "--json")
        assert result.exit_code == 0, result.output
        assert "disk-full" in json.loads(result.stdout)["citations"][0]["source"]
        assert (home / "kb" / "milvus.db").is_dir()
    finally:
        release_local(str(home / "kb" / "milvus.db"))


def test_kb_milvus_cli_unreachable_server_is_one_line(
    home: Path, tmp_path: Path, docs: Path
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run("--milvus-uri", url, "kb", "ingest", docs, "--kb", tmp_path / "kb")
    assert_one_error_line(result, 1, f"the Milvus server at {url} does not answer")


def test_kb_milvus_cli_bad_paths_are_one_line(home: Path, tmp_path: Path, docs: Path) -> None:
    kb = ["kb", "ingest", docs, "--kb", tmp_path / "kb"]
    missing = run("--milvus-uri", tmp_path / "no" / "v.db", *kb)
    assert_one_error_line(missing, 2, "does not exist")
    no_suffix = run("--milvus-uri", tmp_path / "vectors", *kb)
    assert_one_error_line(no_suffix, 2, "ends in .db")
    kind = run("--kb-index", "graph", *kb)
    assert_one_error_line(kind, 2, "kb_index")


def test_kb_milvus_lite_folder_held_by_another_process_is_one_line(
    home: Path, tmp_path: Path, docs: Path
) -> None:
    uri = str(tmp_path / "held.db")
    MilvusIndex.build(clustered_keys(10), uri)  # this process now holds the folder
    try:
        opsqkv = Path(sys.executable).with_name("opsqkv")
        done = subprocess.run(
            [opsqkv, "--milvus-uri", uri, "kb", "ingest", str(docs), "--kb", str(tmp_path / "kb")],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "OPSQKV_HOME": str(home)},
        )
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert done.returncode == 1 and len(lines) == 1, done.stderr
        assert "another process holds" in lines[0] and "milvus-lite server" in lines[0]
    finally:
        release_local(uri)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture
def milvus_server(tmp_path: Path) -> Iterator[str]:
    """milvus-lite's gRPC server in its own process: a Milvus URL like a real server's."""
    port = free_port()
    server = Path(sys.executable).with_name("milvus-lite")
    process = subprocess.Popen(
        [server, "server", "--data-dir", tmp_path / "server-data", "--host", "127.0.0.1",
         "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_kb_milvus_server_url_runs_the_same_code(
    tmp_path: Path, docs: Path, encoder: Encoder, milvus_server: str
) -> None:
    settings = Settings(home=tmp_path, milvus_uri=milvus_server)
    kb = KnowledgeBase.open(tmp_path / "kb", create=True, encoder=encoder, settings=settings)
    kb.ingest([docs])
    assert kb.index.kind == "milvus" and kb.search(QUESTIONS[0], k=1)[0].source.endswith("nginx.md")
    reopened = KnowledgeBase.open(tmp_path / "kb", encoder=encoder, settings=settings)
    assert isinstance(reopened.index, MilvusIndex) and reopened.index.rebuilt_because is None
    assert reopened.search("SERVFAIL", k=1)[0].source.endswith("dns.md")
