"""bench/serve peer model: trains LightGBM on the benchmark's train.csv with the hyper-parameters of the
Slipway gbdt package (100 trees, 31 leaves, learning rate 0.1, >= 20 rows per leaf, no L2, 255 bins, one
thread) and writes model.txt plus MLServer's model-settings.json and settings.json into <outdir>.
argv: <train.csv> <outdir> <http_port> <grpc_port> <metrics_port>"""
import json
import sys

import lightgbm as lgb
import numpy as np
import pandas as pd

train, out, http_port, grpc_port, metrics_port = sys.argv[1:6]
df = pd.read_csv(train)
x = df[[c for c in df.columns if c != "label"]].to_numpy(dtype=np.float64)
y = df["label"].to_numpy()
params = {
    "objective": "binary",
    "num_leaves": 31,
    "learning_rate": 0.1,
    "min_data_in_leaf": 20,
    "lambda_l2": 0.0,
    "max_bin": 255,
    "num_threads": 1,
    "verbose": -1,
}
booster = lgb.train(params, lgb.Dataset(x, label=y), num_boost_round=100)
booster.save_model(f"{out}/model.txt")
with open(f"{out}/model-settings.json", "w") as f:
    json.dump(
        {
            "name": "gbdt",
            "implementation": "mlserver_lightgbm.LightGBMModel",
            "parameters": {"uri": "./model.txt", "version": "1"},
        },
        f,
    )
with open(f"{out}/settings.json", "w") as f:
    json.dump(
        {
            "http_port": int(http_port),
            "grpc_port": int(grpc_port),
            "metrics_port": int(metrics_port),
            "host": "127.0.0.1",
        },
        f,
    )
print(json.dumps({"features": x.shape[1], "rows": x.shape[0]}))
