"""The cluster backend: a batch's letters rendered on a Dask cluster, with the bytes of a local run.

``appeal-gen batch … --cluster ADDRESS`` (docs/cluster.md). ``backend``
holds ``ClusterBackend`` (the client side), ``tasks`` what the workers run,
``identity`` the handshake that keeps a worker with other fonts or code
from writing letters. Dask is an optional extra (``appeal-gen[cluster]``),
imported only when a run connects.
"""

from __future__ import annotations

from collections.abc import Callable

from ...spec import Spec
from ..model import BatchOptions
from .backend import ClusterBackend, ClusterError, check_address


def cluster_backend(address: str) -> Callable[[Spec, BatchOptions], ClusterBackend]:
    """The ``run_batch(backend=...)`` of ``--cluster ADDRESS`` (checked now, connected at the first task)."""
    check_address(address)

    def make(spec: Spec, options: BatchOptions) -> ClusterBackend:
        return ClusterBackend(address, spec, options)

    return make


__all__ = ["ClusterBackend", "ClusterError", "check_address", "cluster_backend"]
