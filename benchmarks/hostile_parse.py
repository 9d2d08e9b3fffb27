"""How long the event loop is held parsing each hostile answer just under 2 MB.

Each body (``tests/hostile_payloads.py``) goes through ``core.decode`` as a 200 answer and
its error through ``scrub``, as the engine handles it, ``--repeat`` times; the slowest run
per body is printed. The goal: none over 100 ms. ``--profile NAME`` prints the cProfile of one body.

    .venv/bin/python benchmarks/hostile_parse.py [--repeat 3] [--profile "many unknown keys"]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from blaaiz_async import core
from blaaiz_async.errors import BlaaizError
from blaaiz_async.routes import ROUTES
from blaaiz_async.transport import HTTPResponse
from tests.hostile_payloads import bodies

# What the engine masks in every error it raises (``Pipeline.call``): a token's value.
SECRETS = ("eyJhbGciOiJIUzI1NiJ9.c2FuZGJveC10b2tlbg.c2lnbmF0dXJl",)


def parse(route_name: str, raw: bytes) -> str:
    """``core.decode`` and, on an error, the masking ``Pipeline.call`` does next."""
    try:
        core.decode(ROUTES[route_name], HTTPResponse(200, {}, raw))
    except BlaaizError as exc:
        exc.scrub(SECRETS)
        return type(exc).__name__
    return "parsed"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", default=None)
    args = parser.parse_args()
    cases = bodies()
    if args.profile:
        route_name, raw = cases[args.profile]
        profiler = cProfile.Profile()
        profiler.runcall(parse, route_name, raw)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        return
    worst_all = 0.0
    for name, (route_name, raw) in cases.items():
        worst, outcome = 0.0, ""
        for _ in range(args.repeat):
            started = time.perf_counter()
            outcome = parse(route_name, raw)
            worst = max(worst, time.perf_counter() - started)
        worst_all = max(worst_all, worst)
        flag = "  OVER 100 ms" if worst > 0.1 else ""
        print(f"{name:40} {len(raw) / 1e6:5.2f} MB  {worst * 1e3:8.1f} ms  {outcome}{flag}")
    print(f"slowest: {worst_all * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
