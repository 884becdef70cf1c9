"""Benchmarks: latency, build throughput, scale, load. Each script has a --smoke mode."""
