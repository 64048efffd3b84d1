"""The demo estate `opsqkv chat` and `opsqkv cmdb demo` start from: the same for the same seed.

estate.py     what it is made of: idcs, envs, operating systems, roles, engines, services
generator.py  stream(hosts, seed): the load file in batches (generate: all at once):
              hosts with plausible metrics and the services they run
infrastructure.py  what sits on the hosts: datastores, k8s clusters, load balancers
files.py      write_estate: the same estate as a .json or .jsonl load file, streamed
"""

from knowledge.cmdb.demo.files import write_estate
from knowledge.cmdb.demo.generator import generate, stream

__all__ = ["generate", "stream", "write_estate"]
