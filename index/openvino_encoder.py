"""Run the OpenVINO export (index/openvino_export.py) with OpenVINO's CPU plugin, without torch.

Tokenising, padding and pooling are index/onnx_encoder.py's (this class only opens and runs another graph).
One latency stream with ``threads`` inference threads; each calling thread gets its own infer request, so
the build's side-by-side calls do not share one request's buffers.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from index.onnx_encoder import OnnxEncoder
from index.openvino_export import EMBEDS_INPUT, OV_XML, SCALE_FILE, TABLE_FILE, require_openvino


class OpenVinoEncoder(OnnxEncoder):
    # Widths that are multiples of 16 take the same kernels whatever the batch: a text gets the same vector alone
    # and in a batch (with widths of any length it differed by up to 2.5e-3), and far fewer shapes meet the
    # plugin for the first time (first pass over the seeds at batch 1: 45 chunks/s instead of 20).
    pad_multiple = 16

    def _open(self, folder: Path, threads: int) -> None:
        require_openvino(need_nncf=False)
        import openvino as ov

        config = {
            "PERFORMANCE_HINT": "LATENCY",
            "NUM_STREAMS": "1",
            # What the int8 quantisation left in floating point (softmax, layer norms, GELU, the residual adds)
            # runs in this precision; recorded in the export's marker, chosen by measurement there.
            "INFERENCE_PRECISION_HINT": str(self.marker_precision),
        }
        if threads > 0:  # 0: OpenVINO picks (every core)
            config["INFERENCE_NUM_THREADS"] = str(threads)
        core = ov.Core()
        self.compiled = core.compile_model(str(folder / OV_XML), "CPU", config)
        self._inputs = {p.any_name for p in self.compiled.inputs}
        self._output = self.compiled.output(0)
        self._local = threading.local()
        # The token table, looked up here (index/openvino_export._table_out_of_graph): mapped, not read.
        self._table = np.load(folder / TABLE_FILE, mmap_mode="r")
        self._scale = np.load(folder / SCALE_FILE, mmap_mode="r")

    def __init__(self, folder: Path, marker: dict, threads: int) -> None:
        self.marker_precision = marker.get("inference_precision", "f32")
        super().__init__(folder, marker, threads)

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self.compiled.create_infer_request()
        feeds = {"input_ids": ids, "attention_mask": mask, EMBEDS_INPUT: self._table[ids] * self._scale[ids]}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        # share_inputs: OpenVINO reads the numpy arrays in place; the output is copied (the request reuses it).
        return np.array(request.infer(feeds, share_inputs=True)[self._output], copy=True)
