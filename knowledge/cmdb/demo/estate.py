"""What the demo estate is made of: idcs, envs, operating systems, host roles, engines,
and the services of a small shop (who owns them, what they call)."""

from __future__ import annotations

IDCS = ["sh-1", "sh-2", "bj-1", "bj-2", "gz-1"]
ENVS = ["prod", "staging", "dev"]
ENV_WEIGHTS = [0.6, 0.25, 0.15]
OSES = ["ubuntu-22.04", "ubuntu-20.04", "centos-7", "rocky-9", "debian-12"]
OS_WEIGHTS = [0.4, 0.2, 0.15, 0.15, 0.1]
ROLES = {
    "app": 0.34,
    "web": 0.18,
    "nginx": 0.06,
    "batch": 0.05,
    "mysql": 0.09,
    "postgres": 0.05,
    "mongodb": 0.02,
    "redis": 0.09,
    "kafka": 0.06,
    "es": 0.06,
}
DB_ENGINES = {"mysql": ["8.0", "5.7"], "postgres": ["14", "15", "16"], "mongodb": ["6.0", "7.0"]}
CACHE_ENGINES = {"redis": ["7.2", "6.2"], "memcached": ["1.6"]}
QUEUE_ENGINES = {"kafka": ["3.6", "3.4"], "rabbitmq": ["3.12"]}
# name, owner, tier, language, domain, services it calls
# fmt: off
SERVICES: list[tuple[str, str, str, str, str, list[str]]] = [
    ("api-gateway", "team-infra", "edge", "go", "gateway", ["payment-api", "order-service", "user-service", "search-api"]),
    ("checkout-web", "team-web", "frontend", "node", "checkout", ["cart-service", "payment-api", "order-service"]),
    ("admin-portal", "team-web", "frontend", "node", "admin", ["user-service", "report-worker"]),
    ("payment-api", "team-payments", "backend", "java", "payments", ["fraud-detector", "ledger-service"]),
    ("billing-service", "team-payments", "backend", "java", "billing", ["ledger-service", "notification-service"]),
    ("ledger-service", "team-payments", "backend", "java", "ledger", []),
    ("fraud-detector", "team-payments", "backend", "python", "fraud", ["user-service"]),
    ("order-service", "team-orders", "backend", "java", "orders", ["inventory-service", "payment-api", "user-service"]),
    ("cart-service", "team-orders", "backend", "go", "carts", ["inventory-service", "coupon-service"]),
    ("inventory-service", "team-orders", "backend", "go", "inventory", []),
    ("shipping-service", "team-orders", "backend", "java", "shipping", ["order-service", "notification-service"]),
    ("coupon-service", "team-orders", "backend", "go", "coupons", []),
    ("user-service", "team-users", "backend", "go", "users", ["auth-service"]),
    ("auth-service", "team-users", "backend", "go", "auth", []),
    ("session-service", "team-users", "backend", "go", "sessions", ["auth-service"]),
    ("notification-service", "team-users", "backend", "python", "notifications", []),
    ("search-api", "team-search", "backend", "java", "search", ["catalog-service"]),
    ("catalog-service", "team-search", "backend", "java", "catalog", []),
    ("review-service", "team-web", "backend", "python", "reviews", ["user-service"]),
    ("media-service", "team-web", "backend", "go", "media", []),
    ("recommendation-service", "team-data", "backend", "python", "recommendations", ["catalog-service"]),
    ("report-worker", "team-data", "batch", "python", "reports", ["order-service"]),
    ("etl-pipeline", "team-data", "batch", "python", "warehouse", []),
    ("log-collector", "team-infra", "infra", "go", "logs", []),
]
# fmt: on
EXTRA_DOMAINS = [
    "loyalty",
    "pricing",
    "tax",
    "invoice",
    "refund",
    "wallet",
    "ads",
    "chat",
    "geo",
    "fleet",
    "booking",
    "survey",
    "audit",
    "export",
    "import",
    "label",
    "quote",
    "promo",
    "stock",
    "vendor",
]
EXTRA_KINDS = [("api", "backend"), ("service", "backend"), ("worker", "batch"), ("web", "frontend")]
TEAMS = sorted({s[1] for s in SERVICES})
ROLE_TIERS = {
    "app": ("backend",),
    "web": ("frontend",),
    "nginx": ("edge", "frontend"),
    "batch": ("batch", "infra"),
}
