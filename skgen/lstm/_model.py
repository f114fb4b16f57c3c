"""The torch network: embedding, two LSTM layers, dropout, a softmax head.

The architecture follows gretel-synthetics' LSTM: ``Embedding -> Dropout ->
LSTM -> Dropout -> LSTM -> Dropout -> Dense``. With ``dp=True`` the LSTM layers
are opacus' ``DPLSTM`` (same parameters and state-dict names as
``torch.nn.LSTM``, with per-sample gradients), so weights trained privately
load into the fast ``torch.nn.LSTM`` network used for generation.

Randomness never comes from torch's global generator: weights are initialised
from a local ``torch.Generator`` (torch's own default draws happen inside
``fork_rng``, which restores the global state), and dropout masks are drawn
from the generator passed to ``forward``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence


def resolve_device(device: str) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; any other torch device string as is.

    Raises
    ------
    ValueError
        For a string torch does not know as a device, or CUDA asked for but
        not available.
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a torch device: {exc}") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} asked for, but CUDA is not available")
    return dev


class LSTMNetwork(nn.Module):
    """Two-layer LSTM language model over token ids.

    Parameters
    ----------
    vocab_size : int
        Number of token ids.
    embedding_dim : int
        Size of the token embedding.
    rnn_units : int
        Hidden size of both LSTM layers.
    dropout_rate : float
        Dropout after the embedding and after each LSTM layer (training only).
    dp : bool, default=False
        Use opacus' ``DPLSTM`` layers (per-sample gradients for DP-SGD).
    """

    def __init__(self, vocab_size: int, embedding_dim: int, rnn_units: int,
                 dropout_rate: float, dp: bool = False) -> None:
        super().__init__()
        if dp:
            from opacus.layers import DPLSTM as LSTM
        else:
            LSTM = nn.LSTM
        self.dropout_rate = float(dropout_rate)
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm1 = LSTM(embedding_dim, rnn_units, batch_first=True)
        self.lstm2 = LSTM(rnn_units, rnn_units, batch_first=True)
        self.head = nn.Linear(rnn_units, vocab_size)

    # ------------------------------------------------------------------ forward
    def _dropout(self, x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        if not self.training or self.dropout_rate <= 0 or generator is None:
            return x
        keep = 1.0 - self.dropout_rate
        # the mask as 0/1 in x's dtype (``lt_`` keeps the uniform draws' float32): a
        # boolean mask cost a slow conversion to bfloat16 at every use, forward and
        # backward, more than the rest of the dropout; the result is the same
        mask = torch.rand(x.shape, generator=generator, device=x.device).lt_(keep)
        return x * mask.to(x.dtype) / keep

    def forward(self, tokens: torch.Tensor, state: Any = None,
                lengths: torch.Tensor | None = None,
                generator: torch.Generator | None = None) -> tuple[torch.Tensor, Any]:
        """Logits for the next token at every position.

        Parameters
        ----------
        tokens : Tensor of shape (batch, steps), int64
            Input ids.
        state : tuple or None, default=None
            ``((h1, c1), (h2, c2))``, each of shape (1, batch, rnn_units), or
            ``None`` for zeros.
        lengths : Tensor of shape (batch,) or None, default=None
            True lengths of right-padded rows; the returned state is then the
            state after each row's last real token (packed sequences).
        generator : torch.Generator or None, default=None
            Source of the dropout masks; no dropout without it.

        Returns
        -------
        logits : Tensor of shape (batch, steps, vocab_size)
        state : tuple
            The final ``((h1, c1), (h2, c2))``.
        """
        s1, s2 = (None, None) if state is None else state
        x = self._dropout(self.embedding(tokens), generator)
        if lengths is None:
            x, s1 = self.lstm1(x, s1)
            x, s2 = self.lstm2(self._dropout(x, generator), s2)
            return self.head(self._dropout(x, generator)), (s1, s2)
        steps = tokens.shape[1]
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, s1 = self.lstm1(packed, s1)
        out = PackedSequence(self._dropout(out.data, generator), out.batch_sizes,
                             out.sorted_indices, out.unsorted_indices)
        out, s2 = self.lstm2(out, s2)
        x, _ = pad_packed_sequence(out, batch_first=True, total_length=steps)
        return self.head(self._dropout(x, generator)), (s1, s2)


def native_bf16(device: torch.device) -> bool:
    """Whether bfloat16 matrix products are native (fast) on ``device``.

    True on a CPU whose instructions oneDNN uses for bfloat16 (AVX512-BF16 or
    AMX) and on a CUDA device that supports bfloat16; elsewhere bfloat16 is
    emulated and slower than float32.
    """
    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    if device.type != "cpu":
        return False
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def build_network(vocab_size: int, embedding_dim: int, rnn_units: int, dropout_rate: float,
                  *, dp: bool, device: torch.device,
                  generator: torch.Generator | None = None,
                  weights: dict[str, np.ndarray] | None = None) -> LSTMNetwork:
    """Create a network on ``device``, initialised from ``generator`` or ``weights``.

    The module is built inside ``torch.random.fork_rng`` (the global random
    state is restored afterwards; building on the ``meta`` device would break
    opacus' ``DPLSTM`` parameter aliases) and then either filled with
    ``weights`` or initialised: standard normal embedding (torch's default;
    Keras' uniform(-0.05, 0.05) left the model on a long unigram plateau in
    our runs), and like Keras' LSTM defaults
    Glorot-uniform input kernels, orthogonal recurrent kernels, zero biases
    with a forget-gate bias of 1, Glorot-uniform head.

    Raises
    ------
    ValueError
        If neither ``generator`` nor ``weights`` is given.
    """
    # torch draws default initial weights from its global generator: fork it so
    # that the caller's global random state is left exactly as it was (the
    # weights are then re-initialised from ``generator`` or loaded)
    with torch.random.fork_rng(devices=[]):
        net = LSTMNetwork(vocab_size, embedding_dim, rnn_units, dropout_rate, dp=dp)
    net = net.to(device)
    if weights is not None:
        net.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in weights.items()})
        return net
    if generator is None:
        raise ValueError("build_network needs a generator or weights")
    with torch.no_grad():
        nn.init.normal_(net.embedding.weight, 0.0, 1.0, generator=generator)
        for lstm in (net.lstm1, net.lstm2):
            params = dict(lstm.named_parameters())
            hidden = params["weight_hh_l0"].shape[1]
            for g in range(4):
                block = slice(g * hidden, (g + 1) * hidden)
                nn.init.xavier_uniform_(params["weight_ih_l0"][block], generator=generator)
                nn.init.orthogonal_(params["weight_hh_l0"][block], generator=generator)
            params["bias_ih_l0"].zero_()
            params["bias_hh_l0"].zero_()
            params["bias_ih_l0"][hidden:2 * hidden] = 1.0  # forget gate
        nn.init.xavier_uniform_(net.head.weight, generator=generator)
        net.head.bias.zero_()
    return net


#: State-dict keys of the network (``torch.nn.LSTM`` names, also for ``DPLSTM``).
WEIGHT_NAMES = ("embedding.weight",
                *(f"{layer}.{name}" for layer in ("lstm1", "lstm2")
                  for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")),
                "head.weight", "head.bias")


def network_weights(net: nn.Module) -> dict[str, np.ndarray]:
    """The network's weights as float32 numpy arrays, under ``torch.nn.LSTM`` names.

    Opacus' ``DPLSTM`` keeps its parameters under its own names as well
    (``l0.ih.weight``, ...); only the names of :data:`WEIGHT_NAMES` are kept,
    so DP-trained weights load into the plain network used for generation.
    """
    inner = getattr(net, "_module", net)  # unwrap opacus' GradSampleModule
    state = inner.state_dict()
    return {k: state[k].detach().to("cpu", torch.float32).numpy().copy() for k in WEIGHT_NAMES}


def n_parameters(vocab_size: int, embedding_dim: int, rnn_units: int) -> int:
    """Number of trainable parameters of the network."""
    lstm1 = 4 * rnn_units * (embedding_dim + rnn_units + 2)
    lstm2 = 4 * rnn_units * (2 * rnn_units + 2)
    return vocab_size * embedding_dim + lstm1 + lstm2 + rnn_units * vocab_size + vocab_size


def torch_generator(rng: np.random.Generator, device: torch.device) -> torch.Generator:
    """A local torch generator on ``device`` seeded from a numpy Generator."""
    g = torch.Generator(device=device)
    g.manual_seed(int(rng.integers(0, 2**63 - 1)))
    return g


def sequence_loss_nats(loss: float, vocab_size: int) -> float:
    """Guard against divergence: the loss, or FloatingPointError.

    A loss that is not finite, or a hundred times the loss of guessing
    uniformly (``log(vocab_size)`` nats per token), means training diverged.
    """
    if not math.isfinite(loss) or loss > 100.0 * math.log(max(vocab_size, 2)):
        raise FloatingPointError(f"training diverged (loss {loss:.4g} nats per token); "
                                 "lower learning_rate")
    return loss


__all__ = [
    "LSTMNetwork",
    "build_network",
    "n_parameters",
    "network_weights",
    "resolve_device",
    "sequence_loss_nats",
    "torch_generator",
]
