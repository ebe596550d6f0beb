"""Percentiles for benchmark reports."""


def percentile(samples: list[float], fraction: float) -> float:
	ordered = sorted(samples)
	return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(samples_ms: list[float]) -> str:
	return (
		f"n={len(samples_ms)} p50={percentile(samples_ms, 0.5):.3f} ms "
		f"p95={percentile(samples_ms, 0.95):.3f} ms p99={percentile(samples_ms, 0.99):.3f} ms "
		f"max={max(samples_ms):.3f} ms"
	)
