"""Grounding: does the runbook an answer comes from speak of what the question names?

"How do I find slow queries in mysql?" answered from the PostgreSQL runbook is an answer
about the wrong database unless it says so. The technologies a text names are found
through a list of common ops technologies (with their aliases and kind). A caveat is due
when the question names one and the cited runbook is about another (its title or cited
heading names a different one) without its cited passages mentioning the asked one; or
when the runbook is about none in particular ("Disk Full") and never mentions it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# canonical name -> (kind, aliases); aliases are matched as whole words, case-insensitively.
TECHNOLOGIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "MySQL": ("database", ("mysql", "mysqld", "innodb")),
    "MariaDB": ("database", ("mariadb", "galera")),
    "PostgreSQL": ("database", ("postgresql", "postgres", "psql", "pg", "pgbouncer")),
    "MongoDB": ("database", ("mongodb", "mongo", "mongod")),
    "Cassandra": ("database", ("cassandra", "nodetool")),
    "Oracle": ("database", ("oracle",)),
    "SQL Server": ("database", ("mssql", "sql server", "sqlserver")),
    "ClickHouse": ("database", ("clickhouse",)),
    "CockroachDB": ("database", ("cockroachdb", "cockroach")),
    "DynamoDB": ("database", ("dynamodb",)),
    "InfluxDB": ("database", ("influxdb",)),
    "Redis": ("cache", ("redis", "redis-cli")),
    "Memcached": ("cache", ("memcached", "memcache")),
    "Kafka": ("queue", ("kafka",)),
    "RabbitMQ": ("queue", ("rabbitmq", "rabbit", "amqp")),
    "ActiveMQ": ("queue", ("activemq",)),
    "NATS": ("queue", ("nats",)),
    "SQS": ("queue", ("sqs",)),
    "Pulsar": ("queue", ("pulsar",)),
    "Elasticsearch": ("search", ("elasticsearch", "elastic", "opensearch")),
    "Solr": ("search", ("solr",)),
    "Nginx": ("web server", ("nginx",)),
    "Apache httpd": ("web server", ("apache", "httpd")),
    "HAProxy": ("load balancer", ("haproxy",)),
    "Envoy": ("proxy", ("envoy",)),
    "Traefik": ("proxy", ("traefik",)),
    "Varnish": ("cache", ("varnish",)),
    "Tomcat": ("app server", ("tomcat",)),
    "Kubernetes": ("orchestrator", ("kubernetes", "k8s", "kubectl", "kubelet", "kube")),
    "OpenShift": ("orchestrator", ("openshift",)),
    "Nomad": ("orchestrator", ("nomad",)),
    "Docker": ("container runtime", ("docker", "dockerd")),
    "containerd": ("container runtime", ("containerd",)),
    "etcd": ("datastore", ("etcd", "etcdctl")),
    "ZooKeeper": ("coordination", ("zookeeper",)),
    "Consul": ("coordination", ("consul",)),
    "Vault": ("secrets", ("vault",)),
    "Prometheus": ("monitoring", ("prometheus", "promql")),
    "Alertmanager": ("monitoring", ("alertmanager",)),
    "Grafana": ("monitoring", ("grafana",)),
    "Datadog": ("monitoring", ("datadog",)),
    "Jenkins": ("ci", ("jenkins",)),
    "Terraform": ("provisioning", ("terraform",)),
    "Ansible": ("provisioning", ("ansible",)),
    "Ceph": ("storage", ("ceph",)),
    "NFS": ("storage", ("nfs",)),
    "ZFS": ("storage", ("zfs",)),
    "Hadoop": ("data platform", ("hadoop", "hdfs")),
    "Spark": ("data platform", ("spark",)),
    "Airflow": ("scheduler", ("airflow",)),
    "Java": ("runtime", ("java", "jvm")),
    "Node.js": ("runtime", ("node.js", "nodejs")),
    "AWS": ("cloud", ("aws", "ec2", "s3", "rds")),
    "GCP": ("cloud", ("gcp", "gke")),
    "Azure": ("cloud", ("azure", "aks")),
}
_ALIASES: dict[str, str] = {
    alias: name for name, (_, aliases) in TECHNOLOGIES.items() for alias in aliases
}
_PATTERN = re.compile(
    r"(?<![\w.-])(" + "|".join(sorted(map(re.escape, _ALIASES), key=len, reverse=True)) + r")"
    r"(?![\w-])",
    re.IGNORECASE,
)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def technologies(text: str) -> set[str]:
    """The canonical names of the technologies `text` names (CamelCase split: KubePod...)."""
    found: set[str] = set()
    for form in (text, _CAMEL.sub(" ", text)):  # "PostgreSQL" whole, "KubePod" split
        found.update(_ALIASES[m.group(1).lower()] for m in _PATTERN.finditer(form))
    return found


@dataclass(frozen=True)
class Runbook:
    """What the grounding check needs of a cited runbook."""

    title: str
    subject: str  # the title and the cited headings: what the runbook is about
    cited_text: str  # the cited passages
    whole_text: str  # every passage of the runbook


def caveat(question: str, runbook: Runbook, catalog: Iterable[str] = ()) -> str | None:
    """A caveat when the runbook is not about the technology the question names.

    A runbook about a technology (its title or cited heading names one) grounds the
    question when it is about, or its cited passages mention, an asked technology; a
    runbook about none in particular ("Disk Full") when it mentions one anywhere.
    `catalog` holds the KB's runbook titles: those about the asked technology are named,
    so the engineer sees where the KB does speak of it.
    """
    asked = technologies(question)
    if not asked:
        return None
    about = technologies(runbook.subject)
    if about and asked & (about | technologies(runbook.cited_text)):
        return None
    if not about and asked & technologies(runbook.whole_text):
        return None
    missing = ", ".join(sorted(asked))
    closest = f"for {', '.join(sorted(about))}" if about else f"“{runbook.title}”"
    related = sorted({t for t in catalog if asked & technologies(t) and t != runbook.title})
    also = f" (the {missing} runbooks here: {'; '.join(related[:4])})" if related else ""
    return f"No runbook for {missing} covers this{also}; the closest is {closest}:"


def missing_note(question: str, catalog: Iterable[str]) -> str | None:
    """For an unanswered question: which asked technologies no runbook title names."""
    covered = set().union(*(technologies(t) for t in catalog))
    missing = sorted(technologies(question) - covered)
    return f"No runbook for {', '.join(missing)} here." if missing else None
