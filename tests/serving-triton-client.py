"""Calls a Slipway server through tritonclient[http] (the real Triton client) and prints JSON results.

argv: host:port model rows-json. Inputs are built from the model metadata the server reports.
"""
import json
import sys

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

url, model, rows_json = sys.argv[1], sys.argv[2], sys.argv[3]
rows = json.loads(rows_json)
n = len(rows)
client = httpclient.InferenceServerClient(url=url)
metadata = client.get_model_metadata(model)
out = {
    "live": client.is_server_live(),
    "ready": client.is_server_ready(),
    "model_ready": client.is_model_ready(model),
    "server": client.get_server_metadata(),
    "metadata": metadata,
}
NUMPY = {"FP64": np.float64, "FP32": np.float32, "INT64": np.int64, "INT32": np.int32, "BOOL": np.bool_}


def tensor(name, datatype, values, binary, shape=None):
    t = httpclient.InferInput(name, shape or [n], datatype)
    arr = np.array(values, dtype=np.object_ if datatype == "BYTES" else NUMPY[datatype])
    t.set_data_from_numpy(arr.reshape(shape or [n]), binary_data=binary)
    return t


def inputs(binary):
    result = []
    for i, spec in enumerate(metadata["inputs"]):
        values = [r[spec["name"]] for r in rows]
        datatype = spec["datatype"]
        if datatype == "INT64" and any(isinstance(v, str) for v in values):
            datatype = "BYTES"  # timestamps as ISO strings
        # The second input goes as [n, 1], which OIP allows for a column.
        result.append(tensor(spec["name"], datatype, values, binary, [n, 1] if i == 1 else None))
    return result


res = client.infer(model, inputs(True))
out["binary"] = res.as_numpy("predictions").tolist()
out["version"] = res.get_response()["model_version"]
out["variant"] = res.get_response()["parameters"]["variant"]
res = client.infer(model, inputs(False), outputs=[httpclient.InferRequestedOutput("predictions", binary_data=False)])
out["json"] = res.as_numpy("predictions").tolist()
try:
    client.infer("no-such-model", inputs(False))
    out["unknown"] = None
except InferenceServerException as e:
    out["unknown"] = {"status": e.status(), "message": e.message()}
first = metadata["inputs"][0]
try:
    client.infer(model, [tensor(first["name"], "BYTES", ["x"] * n, True)] + inputs(True)[1:])
    out["bad"] = None
except InferenceServerException as e:
    out["bad"] = {"status": e.status(), "message": e.message()}
print(json.dumps(out))
