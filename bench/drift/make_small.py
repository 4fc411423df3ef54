"""Small mixed-type reference/current pair (Evidently's small-sample regime: K-S, chi-square, Z)."""
import sys

import numpy as np
import pandas as pd

rng = np.random.default_rng(5)


def make(n: int, shift: float) -> pd.DataFrame:
    return pd.DataFrame({
        "x": rng.normal(shift, 1, n),
        "k4": rng.choice([1.5, 2.5, 3.5, 4.5], n, p=[0.25 + shift / 10, 0.25, 0.25, 0.25 - shift / 10]),
        "cat": rng.choice(["a", "b", "c", "d"], n, p=[0.4 - shift / 10, 0.3, 0.2, 0.1 + shift / 10]),
        "bin": rng.choice(["yes", "no"], n, p=[0.5 + shift / 5, 0.5 - shift / 5]),
        "i": rng.integers(0, 50, n),
    })


make(800, 0).to_parquet(sys.argv[1], index=False)
make(600, 0.5).to_parquet(sys.argv[2], index=False)
