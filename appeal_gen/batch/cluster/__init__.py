"""The cluster backend: a batch's letters rendered on a Dask cluster, with the bytes of a local run.

``appeal-gen batch … --cluster ADDRESS`` (docs/cluster.md):
``with Cluster(address) as cluster: run_batch(..., backend=cluster)``.
``backend`` holds the client side, ``tasks`` what the workers run,
``identity`` the handshake that keeps a worker with other fonts or code
from writing letters. Dask is an optional extra (``appeal-gen[cluster]``),
imported only when a run connects.
"""

from __future__ import annotations

from .backend import Cluster, ClusterBackend, ClusterError, check_address

__all__ = ["Cluster", "ClusterBackend", "ClusterError", "check_address"]
