import sys

from .cli import main

if __name__ == "__main__":  # not again in a process a Dask worker spawns from this one
    sys.exit(main())
