"""Values with a fixed shape: email addresses, IP addresses, URLs."""

from __future__ import annotations

import ipaddress
import re

from agents.tickets.tracking.normalisers.base import (
    Candidate,
    ExtractContext,
    Findings,
    Refusal,
    first_or_refusal,
)

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?![\w-])")
_ALMOST_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]*@[\w.-]*")
_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![\w:])", re.IGNORECASE)
_URL = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""


class EmailExtractor:
    """name@domain.tld, lower-cased."""

    def find(self, text: str, ctx: ExtractContext) -> Findings:
        found = Findings()
        for m in _EMAIL.finditer(text):
            email = m.group(0).rstrip(".")
            found.candidates.append(
                Candidate(email.lower(), m.start(), m.start() + len(email), 1.0)
            )
        if not found.candidates:
            for m in _ALMOST_EMAIL.finditer(text):
                found.refusals.append(
                    Refusal(
                        f"{m.group(0)!r} is not a complete email address (like name@example.com)",
                        *m.span(),
                    )
                )
        return found

    def read(self, text: str, ctx: ExtractContext) -> Candidate | Refusal:
        return first_or_refusal(self.find(text, ctx), text, "an email address (name@example.com)")


class IPExtractor:
    """IPv4 or IPv6 addresses, checked with the ipaddress module."""

    def find(self, text: str, ctx: ExtractContext) -> Findings:
        found = Findings()
        for pattern in (_IPV4, _IPV6):
            for m in pattern.finditer(text):
                if pattern is _IPV6 and m.group(0).count(":") < 2:
                    continue
                try:
                    address = ipaddress.ip_address(m.group(0))
                except ValueError:
                    found.refusals.append(
                        Refusal(f"{m.group(0)} is not a valid IP address", *m.span())
                    )
                    continue
                found.candidates.append(Candidate(str(address), m.start(), m.end(), 1.0))
        return found

    def read(self, text: str, ctx: ExtractContext) -> Candidate | Refusal:
        return first_or_refusal(self.find(text, ctx), text, "an IP address (like 10.0.0.12)")


class URLExtractor:
    """http(s) URLs, without trailing punctuation."""

    def find(self, text: str, ctx: ExtractContext) -> Findings:
        found = Findings()
        for m in _URL.finditer(text):
            url = m.group(0).rstrip(_TRAILING)
            found.candidates.append(Candidate(url, m.start(), m.start() + len(url), 1.0))
        return found

    def read(self, text: str, ctx: ExtractContext) -> Candidate | Refusal:
        return first_or_refusal(self.find(text, ctx), text, "a URL (https://…)")
