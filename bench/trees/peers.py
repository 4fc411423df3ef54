"""bench/trees peers: scikit-learn HistGradientBoosting and LightGBM on the matrices run.ts wrote.

Usage: python peers.py <case dir> <threads> [peers]. peers: comma-separated, default
"sklearn,lightgbm". Reads x_train.f32, y_train.f32, x_test.f32 and case.json
(task, width, classes, params); fits each peer with the same hyper-parameters and thread count; writes
pred_<peer>.f64 (P(positive), class probabilities row-major, or values) and prints one JSON line with
the fit seconds and versions.
"""
import json, os, sys, time, warnings

case, threads = sys.argv[1], int(sys.argv[2])
peers = (sys.argv[3] if len(sys.argv) > 3 else "sklearn,lightgbm").split(",")
os.environ["OMP_NUM_THREADS"] = str(threads)
import numpy as np  # noqa: E402
import lightgbm as lgb  # noqa: E402
import sklearn  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

# LightGBM names the columns of a plain array itself, and scikit-learn then warns on every predict.
warnings.filterwarnings("ignore", message="X does not have valid feature names")
c = json.load(open(os.path.join(case, "case.json")))
w, task, p = c["width"], c["task"], c["params"]
x_train = np.fromfile(os.path.join(case, "x_train.f32"), dtype=np.float32).reshape(-1, w)
y_train = np.fromfile(os.path.join(case, "y_train.f32"), dtype=np.float32)
x_test = np.fromfile(os.path.join(case, "x_test.f32"), dtype=np.float32).reshape(-1, w)
out = {"sklearn": sklearn.__version__, "lightgbm": lgb.__version__, "threads": threads}


def predict(m):
    if task == "regression":
        return m.predict(x_test).astype(np.float64)
    proba = m.predict_proba(x_test).astype(np.float64)
    return proba[:, 1] if task == "binary" else proba.ravel()


y = y_train if task == "regression" else y_train.astype(np.int64)
with threadpool_limits(limits=threads):
    if "sklearn" in peers:
        kw = dict(max_iter=p["iterations"], learning_rate=p["learningRate"], max_leaf_nodes=p["maxLeaves"],
                  min_samples_leaf=p["minSamplesLeaf"], l2_regularization=p["l2"], max_bins=p["maxBins"],
                  early_stopping=False, random_state=0)
        hgb = HistGradientBoostingRegressor(**kw) if task == "regression" else HistGradientBoostingClassifier(**kw)
        t = time.perf_counter()
        hgb.fit(x_train, y)
        out["sklearnSeconds"] = time.perf_counter() - t
        predict(hgb).tofile(os.path.join(case, "pred_sklearn.f64"))

    if "lightgbm" in peers:
        # Matched hyper-parameters; everything else is LightGBM's default (EFB, col/row-wise choice).
        params = dict(objective=task, n_estimators=p["iterations"], learning_rate=p["learningRate"],
                      num_leaves=p["maxLeaves"], max_depth=-1, min_child_samples=p["minSamplesLeaf"],
                      min_child_weight=p["minHessianLeaf"], reg_lambda=p["l2"], max_bin=p["maxBins"],
                      subsample_for_bin=200000, num_threads=threads, verbose=-1)
        model = lgb.LGBMRegressor(**params) if task == "regression" else lgb.LGBMClassifier(**params)
        t = time.perf_counter()
        model.fit(x_train, y)
        out["lightgbmSeconds"] = time.perf_counter() - t
        predict(model).tofile(os.path.join(case, "pred_lightgbm.f64"))

print(json.dumps(out))
