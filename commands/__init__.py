"""CLI sub-apps, one module each; only cli.py imports them."""
