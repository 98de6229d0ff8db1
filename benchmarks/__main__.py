"""`python -m benchmarks` (= `make bench`): the default suite, N = 1,000 (3 runs) and 10,000 (1 run)."""

from .run import main

raise SystemExit(main())
