"""Numbers, booleans, emails, IPs, URLs and free text."""

from __future__ import annotations

from agents.tickets.tracking.normalisers.base import Candidate, ExtractContext, Refusal
from agents.tickets.tracking.normalisers.numbers import BoolExtractor, NumberExtractor
from agents.tickets.tracking.normalisers.patterns import EmailExtractor, IPExtractor, URLExtractor
from agents.tickets.tracking.normalisers.text import TextExtractor, says_nothing
from tests.support.clock import NOW

CTX = ExtractContext(now=NOW)


def test_extractors_values_numbers_skip_times_and_names() -> None:
    found = NumberExtractor(integer=True).find("scale web-01 to 3 replicas at 10:30", CTX)
    assert [c.value for c in found.candidates] == [3]


def test_extractors_values_number_words_and_bounds() -> None:
    assert [c.value for c in NumberExtractor(integer=True).find("two nodes", CTX).candidates] == [2]
    refused = NumberExtractor(integer=True, maximum=10).read("50", CTX)
    assert isinstance(refused, Refusal) and "above the maximum of 10" in refused.reason


def test_extractors_values_float_and_integer_check() -> None:
    found = NumberExtractor(integer=False).read("about 2.5", CTX)
    assert isinstance(found, Candidate) and found.value == 2.5
    assert isinstance(NumberExtractor(integer=True).read("2.5", CTX), Refusal)


def test_extractors_values_bool_reads_whole_answers_only() -> None:
    yes = BoolExtractor().read("yes please", CTX)
    no = BoolExtractor().read("nope", CTX)
    assert isinstance(yes, Candidate) and yes.value is True
    assert isinstance(no, Candidate) and no.value is False
    assert isinstance(BoolExtractor().read("maybe", CTX), Refusal)


def test_extractors_values_email_is_lower_cased_and_half_emails_refused() -> None:
    found = EmailExtractor().read("it's Bob.Smith@Example.COM.", CTX)
    assert isinstance(found, Candidate) and found.value == "bob.smith@example.com"
    refused = EmailExtractor().read("bob@", CTX)
    assert isinstance(refused, Refusal) and "not a complete email" in refused.reason


def test_extractors_values_ip_addresses_are_checked() -> None:
    found = IPExtractor().find("block 10.0.0.12 and fe80::1 but not 10.0.0.300", CTX)
    assert [c.value for c in found.candidates] == ["10.0.0.12", "fe80::1"]
    assert "10.0.0.300 is not a valid IP address" in found.refusals[0].reason


def test_extractors_values_url_without_trailing_punctuation() -> None:
    found = URLExtractor().read("see https://status.example.com/incidents/42).", CTX)
    assert isinstance(found, Candidate) and found.value == "https://status.example.com/incidents/42"


def test_extractors_values_text_trims_openers_and_keeps_the_words() -> None:
    found = TextExtractor().read("well, it's 502 errors on checkout.", CTX)
    assert isinstance(found, Candidate) and found.value == "502 errors on checkout"
    assert says_nothing("sorry, it's") and not says_nothing("customers can't pay")
