"""Six one-line runbook passages, one topic each, and the records a KB upserts them as."""

from __future__ import annotations

from knowledge import Record

PASSAGES = {
    "disk": "Disk full: find large files with du -sh and rotate or delete old logs.",
    "inode": "Inode exhaustion: df -i shows 100% IUse; delete the many small files.",
    "nginx": "nginx 502 bad gateway: the upstream application server is not answering.",
    "mysql": "MySQL replication lag: check Seconds_Behind_Master on the replica.",
    "tls": "TLS certificate expiry: renew the certificate with certbot renew.",
    "ntp": "Clock drift: check chronyc tracking and restart chronyd.",
}


def records(texts: dict[str, str]) -> list[Record]:
    """One record per passage, its id the key and its source `<id>.md`."""
    return [Record(id=i, text=t, source=f"{i}.md") for i, t in texts.items()]
