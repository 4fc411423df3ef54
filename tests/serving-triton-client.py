"""Calls a Slipway server through tritonclient[http] (the real Triton client) and prints JSON results."""
import json
import sys

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

url, model, rows_json = sys.argv[1], sys.argv[2], sys.argv[3]
rows = json.loads(rows_json)
n = len(rows)
client = httpclient.InferenceServerClient(url=url)
out = {
    "live": client.is_server_live(),
    "ready": client.is_server_ready(),
    "model_ready": client.is_model_ready(model),
    "server": client.get_server_metadata(),
    "metadata": client.get_model_metadata(model),
}


def inputs(binary):
    d = httpclient.InferInput("distance", [n], "FP64")
    d.set_data_from_numpy(np.array([r["distance"] for r in rows], dtype=np.float64), binary_data=binary)
    h = httpclient.InferInput("hour", [n, 1], "INT32")
    h.set_data_from_numpy(np.array([[r["hour"]] for r in rows], dtype=np.int32), binary_data=binary)
    c = httpclient.InferInput("carrier", [n], "BYTES")
    c.set_data_from_numpy(np.array([r["carrier"] for r in rows], dtype=np.object_), binary_data=binary)
    return [d, h, c]


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
bad = httpclient.InferInput("distance", [n], "BYTES")
bad.set_data_from_numpy(np.array(["x"] * n, dtype=np.object_), binary_data=True)
try:
    client.infer(model, [bad] + inputs(True)[1:])
    out["bad"] = None
except InferenceServerException as e:
    out["bad"] = {"status": e.status(), "message": e.message()}
print(json.dumps(out))
