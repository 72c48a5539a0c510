"""Deterministic synthetic data for the demo seed and the benchmarks."""
