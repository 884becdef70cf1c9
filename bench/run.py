"""`make bench`: latency, build throughput and scale (10k, 100k) with their figures; results in bench/results/.

    python -m bench.run [--smoke] [--sizes 10000,100000]

The load test needs a free port and a second model in memory; run it alone: ``python -m bench.load``.
"""

from __future__ import annotations

import argparse

from bench import build, latency, scale
from index.settings import REPO_ROOT

RESULTS = REPO_ROOT / "bench" / "results"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--sizes", default="10000,100000")
    args = ap.parse_args(argv)
    if args.smoke:
        for mod in (latency, build, scale):
            print(f"== {mod.__name__} (smoke)")
            mod.main(["--smoke"])
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    print("== latency")
    latency.main(["--json", str(RESULTS / "latency.json")])
    print("== build")
    build.main(["--json", str(RESULTS / "build.json")])
    print("== scale")
    scale.main(["--sizes", args.sizes, "--out", str(RESULTS / "scale.json")])


if __name__ == "__main__":
    main()
