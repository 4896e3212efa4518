"""digest: an offline news digest generator."""

import os

__version__ = "0.1.0"

# numpy asks the kernel for transparent huge pages for every large array; a build makes many
# large arrays that live for milliseconds (clustering), and on a virtual machine the first touch
# of a huge page cost more system time than their work (docs/performance.md, "A year of daily
# use"). Set before numpy is imported; a value in the environment wins (`HUGE_PAGES_GIVEN` says
# whether there was one, for what starts other Python processes on purpose: the benchmarks).
HUGE_PAGES_GIVEN = "NUMPY_MADVISE_HUGEPAGE" in os.environ
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
