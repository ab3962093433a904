"""Experiments, indicators and their ex-post evaluation (`stats/`: the pure engine).

The engine works on tiny matrices (tens of donors, tens of predictors) in tight loops: a
multi-threaded BLAS only adds thread wake-ups and contention. Measured on the busy 2-core
machine (load 7, under cProfile), the Basque evaluation took 77 s CPU with OpenBLAS
threads and 18 s with one. One BLAS thread is therefore the default of every process that
imports this package before numpy (the web server, the worker, `region27 evaluate`); an
operator's own `OPENBLAS_NUM_THREADS` wins.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
