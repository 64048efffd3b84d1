"""The demo estate `opsqkv chat` and `opsqkv cmdb demo` start from: the same for the same seed.

estate.py     what it is made of: idcs, envs, operating systems, roles, engines, services
generator.py  generate(hosts, seed): the load file, relations and plausible metrics
"""

from knowledge.cmdb.demo.generator import generate

__all__ = ["generate"]
