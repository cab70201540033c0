"""Rewrite a GGUF that llama.cpp's converter wrote wrongly (see ``gguf_checks.load_problem``) into one it loads.

Every key and tensor is copied unchanged (gguf-py GGUFReader -> GGUFWriter), except:

- ModernBERT: ``modern-bert.attention.layer_norm_epsilon`` is added with the value of
  ``modern-bert.attention.layer_norm_rms_epsilon`` (the converter stores ModernBERT's ``norm_eps`` only there);
- a 2-label classifier stored in the pooler slot ``cls.weight`` / ``cls.bias`` is renamed to ``cls.output.weight`` /
  ``cls.output.bias`` and ``<arch>.classifier.output_labels`` is written (llama.cpp sizes the rank output from it):
  what the converter writes when the labels have names.

The result equals converting again after the config.json fix that ``load_problem`` names (checked on the tiny
fixtures: identical scores). Used by tests; meant for a convert command as well.
"""

from __future__ import annotations

from pathlib import Path

from app.backends.gguf_checks import load_problem


def _renames(shapes: dict[str, tuple[int, ...]], n_embd: int | None) -> dict[str, str]:
    cls = shapes.get("cls.weight")
    if cls is None or "cls.output.weight" in shapes or n_embd is None or min(cls) == n_embd:
        return {}
    return {"cls.weight": "cls.output.weight", "cls.bias": "cls.output.bias"}


def repair(src: Path, dst: Path) -> list[str]:
    """Write the repaired copy of ``src`` to ``dst``; returns what was changed (empty: nothing to repair, no file)."""
    import gguf

    from app.backends.gguf_meta import read_gguf

    meta, shapes, _ = read_gguf(src)
    if load_problem(meta, shapes) is None:
        return []
    arch = meta.get("general.architecture", "")
    n_embd = meta.get(f"{arch}.embedding_length", "")
    renames = _renames(shapes, int(n_embd) if n_embd.isdigit() else None)
    reader = gguf.GGUFReader(str(src))
    writer = gguf.GGUFWriter(str(dst), arch=arch, endianess=reader.endianess)
    changes = []
    for field in reader.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue
        val_type = field.types[0]
        sub_type = field.types[-1] if val_type == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), val_type, sub_type=sub_type)
    eps_key, rms_key = f"{arch}.attention.layer_norm_epsilon", f"{arch}.attention.layer_norm_rms_epsilon"
    if arch == "modern-bert" and eps_key not in meta and rms_key in meta:
        writer.add_float32(eps_key, float(meta[rms_key]))
        changes.append(f"added {eps_key} = {meta[rms_key]}")
    labels_key = f"{arch}.classifier.output_labels"
    if renames and labels_key not in meta:  # llama.cpp sizes the rank output from the label names
        n_labels = min(shapes["cls.weight"])
        writer.add_array(labels_key, [f"LABEL_{i}" for i in range(n_labels)])
        changes.append(f"added {labels_key} = LABEL_0..LABEL_{n_labels - 1}")
    for tensor in reader.tensors:
        name = renames.get(tensor.name, tensor.name)
        if name != tensor.name:
            changes.append(f"renamed {tensor.name} -> {name}")
        writer.add_tensor_info(name, tensor.data.shape, tensor.data.dtype, tensor.data.nbytes, tensor.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for tensor in reader.tensors:
        writer.write_tensor_data(tensor.data, tensor_endianess=reader.endianess)
    writer.close()
    return changes
