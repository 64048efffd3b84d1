"""Enum values (synonyms, typos, embeddings) and host/service names (catalog, unknown names)."""

from __future__ import annotations

from agents.tickets.templates import EnumValue, load_templates
from agents.tickets.tracking.normalisers.base import Candidate, ExtractContext, Refusal
from agents.tickets.tracking.normalisers.entities import EntityExtractor, ListCatalog
from agents.tickets.tracking.normalisers.enums import EnumExtractor
from knowledge.encoder import Encoder
from tests.support.clock import NOW

CTX = ExtractContext(now=NOW)
CATALOG = ListCatalog(
    {"service": ["payment-api", "billing"], "host": ["web-01", "web-02", "pay-01"]},
    links={"payment-api": ["pay-01"]},
)


def severity() -> EnumExtractor:
    return EnumExtractor(load_templates()["incident"].slot("severity").values or [])


def test_extractors_names_enum_synonyms_give_the_canonical_value() -> None:
    found = severity().find("payment-api is down, sev 1, really critical", CTX)
    assert {c.value for c in found.candidates} == {"P1"}


def test_extractors_names_enum_last_mention_wins_in_an_answer() -> None:
    found = severity().read("P2, no wait, P1", CTX)
    assert isinstance(found, Candidate) and found.value == "P1"


def test_extractors_names_enum_spelling_variants_and_typos() -> None:
    env = EnumExtractor([EnumValue(value="read-only"), EnumValue(value="staging")])
    assert [c.value for c in env.find("Read Only please", CTX).candidates] == ["read-only"]
    (typo,) = env.find("deploy to stagging", CTX).candidates
    assert typo.value == "staging" and typo.strength < 1.0


def test_extractors_names_enum_distinctive_word_answers() -> None:
    found = severity().read("high", CTX)
    assert isinstance(found, Candidate) and found.value == "P2"
    assert severity().find("latency is high", CTX).candidates == []  # not inside a sentence


def test_extractors_names_enum_by_embedding(encoder: Encoder) -> None:
    values = [
        EnumValue(value="read-only", synonyms=["viewer"]),
        EnumValue(value="admin", synonyms=["administrator", "root"]),
    ]
    names = [n for v in values for n in v.names()]
    enum = EnumExtractor(values, embed=encoder.encode_one, name_keys=encoder.encode(names))
    found = enum.read("full administrative rights", CTX)
    assert isinstance(found, Candidate) and found.value == "admin"


def test_extractors_names_enum_unknown_answer_lists_the_values() -> None:
    found = severity().read("purple", CTX)
    assert isinstance(found, Refusal) and "not one of P1, P2, P3, P4" in found.reason


def test_extractors_names_known_name_is_verified() -> None:
    (found,) = EntityExtractor(["host"], CATALOG).find("disk full on WEB-01 again", CTX).candidates
    assert found.value == "web-01" and found.verified and found.strength == 1.0


def test_extractors_names_unknown_name_is_kept_with_suggestions() -> None:
    (found,) = EntityExtractor(["host"], CATALOG).find("web-O1 is down", CTX).candidates
    assert found.value == "web-O1" and not found.verified and "web-01" in found.suggestions


def test_extractors_names_strict_slot_refuses_unknown_names() -> None:
    found = EntityExtractor(["host"], CATALOG, strict=True).read("web-O1", CTX)
    assert isinstance(found, Refusal) and "did you mean web-01" in found.reason


def test_extractors_names_plain_answer_is_taken_as_given() -> None:
    found = EntityExtractor(["service"], None).read("it's the checkout service", CTX)
    assert isinstance(found, Candidate) and found.value == "checkout" and not found.verified


def test_extractors_names_known_service_narrows_the_hosts() -> None:
    narrowed = ExtractContext(now=NOW, related={"service": "payment-api"})
    found = EntityExtractor(["host"], CATALOG).find("pay-01 and web-02", narrowed)
    assert [(c.value, c.verified) for c in found.candidates] == [
        ("pay-01", True),
        ("web-02", False),
    ]
