"""Evidently side of bench/drift: DataDriftPreset on two parquet files, prints one JSON line."""
import json
import resource
import sys
import time

t0 = time.perf_counter()
import pandas as pd  # noqa: E402
from evidently import Report  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402

t_import = time.perf_counter() - t0
ref_path, cur_path = sys.argv[1], sys.argv[2]
t1 = time.perf_counter()
ref = pd.read_parquet(ref_path)
cur = pd.read_parquet(cur_path)
snapshot = Report([DataDriftPreset()]).run(current_data=cur, reference_data=ref)
result = snapshot.dict()
elapsed = time.perf_counter() - t1

columns = {}
share = None
for m in result["metrics"]:
    cfg = m["config"]
    if cfg["type"].endswith("ValueDrift"):
        score = m["value"]
        method = cfg["method"]
        threshold = cfg["threshold"]
        p_value = "p_value" in method.lower()
        # Evidently: K-S drifts at p <= threshold, chi-square and Z at p < threshold, distances at >=.
        if p_value:
            drifted = score <= threshold if method.startswith("K-S") else score < threshold
        else:
            drifted = score >= threshold
        columns[cfg["column"]] = {"method": method, "score": float(score), "threshold": threshold, "drifted": bool(drifted)}
    elif cfg["type"].endswith("DriftedColumnsCount"):
        share = m["value"]["share"]

print(json.dumps({
    "seconds": elapsed,
    "import_seconds": t_import,
    "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "share": share,
    "columns": columns,
}))
