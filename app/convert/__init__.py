"""Convert a transformers reranker into the formats the app runs, and validate the result (``convert``).

- formats.py: the targets (``onnx:fp32`` ... ``gguf:q4_k``), where each goes, which families each runs faithfully
- source.py: a local transformers folder, or a Hub repo through the model manager
- onnx_export.py, ct2_export.py, gguf_export.py (+ llama_tools.py, gguf_wrapper.py): stock exporters + repairs
- pipeline.py: temp folder per artifact, atomic rename, provenance.json; validate.py + report.py: the report

Importing this package imports no runtime and no torch.
"""
