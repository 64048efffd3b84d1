"""opsqkv as an HTTP service: FastAPI app, tokens and tenants, rate limits, metrics, web page.

create_app(settings, config)   the ASGI app (one OpsBot per process, loaded at start-up)
TokenStore                     API tokens, stored hashed, each mapping to a tenant
"""
