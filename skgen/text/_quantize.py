"""Int8 linear layers for sampling on the CPU.

Each ``torch.nn.Linear`` of a sampling model is replaced by :class:`Int8Linear`:
its weight rounded to 8-bit integers with one scale per output channel, and at
each call the input rounded the same way with one scale per row (per token),
multiplied in integers by ``torch._int_mm`` (int32 accumulation; uint8 inputs
on CPUs with AVX512-VNNI and no AMX, as torchao does) and scaled back to float.
Input features holding a value above ``outlier_threshold`` are multiplied in
float32 instead: the mixed-precision decomposition of LLM.int8() (Dettmers et
al. 2022).

Why not a library (``benchmarks/gpt_int8_probe.py``; docs/benchmarks.md, GPT
section, "Sampling precision"), SmolLM2-135M, batch 64, one thread:
``torch.ao.quantization.quantize_dynamic`` (deprecated since torch 2.10) is
fast but quantizes activations with one scale per tensor, which SmolLM2's
outlier features break (next-token argmax as float32's on 43 % of positions);
torchao's int8 dynamic path rounds per row as here but, without
``torch.compile``, was no faster than float32 (Python dispatch on every
layer). Even per token, int8 cost label fidelity under guidance until the
outlier features were kept in float, and then still some: not the default.

References
----------
.. [1] Dettmers, T., Lewis, M., Belkada, Y., & Zettlemoyer, L. (2022).
   LLM.int8(): 8-bit Matrix Multiplication for Transformers at Scale.
   *NeurIPS 2022*.
"""

from __future__ import annotations

import torch


def _u8_activations() -> bool:
    """Whether the CPU multiplies uint8 by int8 faster than int8 by int8 (VNNI without
    AMX), as torchao's ``int_scaled_matmul`` decides."""
    cpu = torch.cpu
    vnni = getattr(cpu, "_is_vnni_supported", lambda: False)()
    amx = getattr(cpu, "_is_amx_tile_supported", lambda: False)()
    return bool(vnni and not amx)


class Int8Linear(torch.nn.Module):
    """A ``torch.nn.Linear`` with int8 weights (a scale per output channel) and int8
    activations (a scale per row), for inference on the CPU.

    Parameters
    ----------
    linear : torch.nn.Linear
        The float layer; its weight is copied (rounded), never changed.
    outlier_threshold : float or None, default=6.0
        Input features holding a value above this (in absolute value) in any
        row of a call are multiplied in float32, the others in int8 (LLM.int8()'s
        mixed-precision decomposition, at its threshold); ``None``: all in int8.
    """

    def __init__(self, linear: torch.nn.Linear, outlier_threshold: float | None = 6.0) -> None:
        super().__init__()
        weight = linear.weight.detach().float()
        self.outlier_threshold = outlier_threshold
        self.register_buffer("weight_float", None if outlier_threshold is None
                             else weight.t().contiguous())
        scale = weight.abs().amax(dim=1).clamp(min=1e-12) / 127
        q = (weight / scale[:, None]).round().to(torch.int8).t().contiguous()  # (in, out)
        self.register_buffer("weight_int8", q)
        self.register_buffer("weight_scale", scale)
        self.register_buffer("bias", None if linear.bias is None
                             else linear.bias.detach().float().clone())
        self.u8 = _u8_activations()
        # uint8 input = int8 input + 128: subtract 128 * each column's sum of weights
        self.register_buffer("u8_offset", q.sum(dim=0, dtype=torch.int32) * 128
                             if self.u8 else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        rows = x.reshape(-1, shape[-1]).float()
        outliers = None
        if self.outlier_threshold is not None:
            cols = (rows.abs() > self.outlier_threshold).any(dim=0).nonzero().squeeze(1)
            if len(cols):
                outliers = rows[:, cols] @ self.weight_float[cols]
                rows = rows.index_fill(1, cols, 0.0)
        scale = rows.abs().amax(dim=1, keepdim=True).clamp(min=1e-12) / 127
        q = (rows / scale).round_().to(torch.int8)
        if self.u8:
            acc = torch._int_mm((q.to(torch.int32) + 128).to(torch.uint8), self.weight_int8)
            acc = acc - self.u8_offset
        else:
            acc = torch._int_mm(q, self.weight_int8)
        out = acc.float() * scale * self.weight_scale
        if outliers is not None:
            out = out + outliers
        if self.bias is not None:
            out = out + self.bias
        return out.reshape(*shape[:-1], -1).to(x.dtype)

    def extra_repr(self) -> str:
        n_in, n_out = self.weight_int8.shape
        return f"in_features={n_in}, out_features={n_out}, bias={self.bias is not None}"


def quantize_linear_layers(model: torch.nn.Module, outlier_threshold: float | None = 6.0
                           ) -> torch.nn.Module:
    """Replace every ``torch.nn.Linear`` of ``model`` by an :class:`Int8Linear`, in place.

    A layer whose weight is shared with an embedding (tied input and output
    embeddings) gets its own int8 copy; the embedding keeps its float weight.

    Parameters
    ----------
    model : torch.nn.Module
        A float model, for inference (not trained afterwards).
    outlier_threshold : float or None, default=6.0
        See :class:`Int8Linear`.

    Returns
    -------
    torch.nn.Module
        ``model``, its linear layers replaced.
    """
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, torch.nn.Linear):
                setattr(module, name, Int8Linear(child, outlier_threshold))
    return model


__all__ = ["Int8Linear", "quantize_linear_layers"]
