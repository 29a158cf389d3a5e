"""Percentiles and a fixed table format shared by the benchmarks."""

from __future__ import annotations

import statistics


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(samples_s: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    return {
        "n": len(ms),
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "mean": statistics.fmean(ms) if ms else float("nan"),
    }


def print_row(label: str, samples_s: list[float]) -> dict[str, float]:
    s = summary_ms(samples_s)
    print(f"{label:<48} n={s['n']:<6} p50={s['p50']:.3f} ms  p95={s['p95']:.3f} ms  p99={s['p99']:.3f} ms")
    return s
