"""Classifier-free guidance in GPTTextSynthesizer's sampler (issue 10).

The sampler is checked on a stand-in model whose next-token law is known, the
estimator on the tiny random Llama of ``test_text.py``.
"""

from __future__ import annotations

import contextlib
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("transformers")
pytest.importorskip("peft")
import torch  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402
from test_text import _fast, tiny_model, tweets  # noqa: E402, F401

from skgen import GPTTextSynthesizer  # noqa: E402

PAD, STOP, A, LABEL, B = range(5)


class _LabelCache:
    """The stand-in's KV cache: whether each row's prompt held the label token."""

    def __init__(self, has_label: torch.Tensor) -> None:
        self.has_label = has_label
        self.kept: list[list[int]] = []

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        self.has_label = self.has_label[indices]
        self.kept.append(indices.tolist())


class _LabelModel(torch.nn.Module):
    """A row whose prompt holds ``LABEL`` writes A or B as 0.6 : 0.4, a row without as
    0.5 : 0.5; after a B it stops. So a row is A…AB and leaves the batch at a random step."""

    def __init__(self) -> None:
        super().__init__()
        self.batch_sizes: list[int] = []

    def forward(self, input_ids, attention_mask, position_ids, use_cache,
                past_key_values=None, logits_to_keep=None):
        self.batch_sizes.append(input_ids.shape[0])
        cache = past_key_values or _LabelCache((input_ids == LABEL).any(-1))
        logits = torch.full((input_ids.shape[0], 1, 5), -30.0)
        p_a = torch.where(cache.has_label, 0.6, 0.5)
        logits[:, -1, A], logits[:, -1, B] = p_a.log(), (1 - p_a).log()
        after_b = input_ids[:, -1] == B
        logits[after_b, -1] = -30.0
        logits[after_b, -1, STOP] = 0.0
        return SimpleNamespace(logits=logits, past_key_values=cache)


def _sample(scale: float, negatives: bool = True, n: int = 3000, penalty: float = 1.0):
    from skgen.text._generate import SamplingConfig, complete

    model = _LabelModel()
    cfg = SamplingConfig(max_new_tokens=60, temperature=1.0, top_p=1.0, top_k=None,
                         batch_size=n, guidance_scale=scale, repetition_penalty=penalty)
    prompts = [[A, LABEL]] * n
    out = complete(model, prompts, pad_id=PAD, stop=torch.tensor([False, True] + [False] * 3),
                   cfg=cfg, generator=torch.Generator().manual_seed(0),
                   device=torch.device("cpu"),
                   negative_prompts=[[A]] * n if negatives else None)
    return out, model


def _share_of_a(out) -> float:
    tokens = [t for ids, _ in out for t in ids[:-1]]  # every draw but the stop token
    return float(np.mean([t == A for t in tokens]))


def test_guidance_draws_from_uncond_plus_scale_times_cond_minus_uncond():
    out, model = _sample(1.0)
    assert abs(_share_of_a(out) - 0.6) < 0.02  # guidance_scale=1: the prompt's own law
    assert model.batch_sizes[0] == 3000  # no negative rows were run
    for scale in (2.0, 3.0):
        out, model = _sample(scale)
        # logit(A) - logit(B) = scale * log(0.6 / 0.4) when the negative row is 0.5 : 0.5
        want = 1 / (1 + math.exp(-scale * math.log(1.5)))
        assert abs(_share_of_a(out) - want) < 0.02, (scale, want)
        assert model.batch_sizes[0] == 6000  # each prompt beside its negative, one batch
        assert all(ended and ids[-1] == STOP for ids, ended in out)


def test_guided_rows_leave_the_batch_with_their_negative_rows():
    out, model = _sample(3.0, n=200)
    sizes = model.batch_sizes
    assert sizes[0] == 400 and all(s % 2 == 0 for s in sizes)
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] < 400
    # rows that went on were those still writing A: with the pairs kept, every step has
    # the guided law (a mix-up would pair prompts with prompts or negatives with negatives)
    lengths = [len(ids) for ids, _ in out]
    want = 1 / (1 + math.exp(-3.0 * math.log(1.5)))
    assert abs(np.mean(lengths) - (1 / (1 - want) + 1)) < 0.6


@pytest.mark.parametrize("scale", [1.0, 3.0])
def test_repetition_penalty_lowers_the_tokens_the_completion_already_wrote(scale):
    """CTRL's penalty (a negative score times the penalty, a positive one divided by it) on
    the guided scores of the tokens the completion holds, not the prompt's (which holds A)."""
    out, _ = _sample(scale, penalty=4.0)
    first = [ids[0] for ids, _ in out]
    later = [t for ids, _ in out for t in ids[1:-1]]  # each drawn after an A
    # guided scores: log 0.5 + scale * (log p - log 0.5), as log-probabilities
    a, b = (math.log(0.5) + scale * (math.log(p) - math.log(0.5)) for p in (0.6, 0.4))
    fresh = 1 / (1 + math.exp(b - a))
    repeated = 1 / (1 + math.exp(b - (a * 4.0 if a < 0 else a / 4.0)))
    assert abs(np.mean([t == A for t in first]) - fresh) < 0.03
    assert abs(np.mean([t == A for t in later]) - repeated) < 0.03
    assert repeated < fresh - 0.08  # so that the test tells the penalty from none


class _EndingModel(torch.nn.Module):
    """A row whose prompt holds ``LABEL`` ends its line, writes A or writes B as
    0.5 : 0.3 : 0.2; a row without, as 0.1 : 0.45 : 0.45."""

    def forward(self, input_ids, attention_mask, position_ids, use_cache,
                past_key_values=None, logits_to_keep=None):
        cache = past_key_values or _LabelCache((input_ids == LABEL).any(-1))
        law = torch.where(cache.has_label[:, None], torch.tensor([0.5, 0.3, 0.2]),
                          torch.tensor([0.1, 0.45, 0.45]))
        logits = torch.full((input_ids.shape[0], 1, 5), -30.0)
        logits[:, -1, [STOP, A, B]] = law.log()
        return SimpleNamespace(logits=logits, past_key_values=cache)


@pytest.mark.parametrize("guide_line_end", [False, True])
def test_the_line_ends_as_the_conditional_model_says_unless_guided(guide_line_end):
    """Guidance draws what a row writes; whether the line ends there is the prompted
    model's own probability (0.5), not the guided one, which a negative row that
    ends less often would raise (and one that ends more often would lower)."""
    from skgen.text._generate import SamplingConfig, complete

    n, scale = 20000, 2.0
    cfg = SamplingConfig(max_new_tokens=1, temperature=1.0, top_p=1.0, top_k=None,
                         batch_size=n, guidance_scale=scale, guide_line_end=guide_line_end)
    out = complete(_EndingModel(), [[A, LABEL]] * n, pad_id=PAD,
                   stop=torch.tensor([False, True] + [False] * 3), cfg=cfg,
                   generator=torch.Generator().manual_seed(0), device=torch.device("cpu"),
                   negative_prompts=[[A]] * n)
    first = np.array([ids[0] for ids, _ in out])
    guided = {t: math.exp(math.log(u) + scale * (math.log(c) - math.log(u)))
              for t, c, u in ((STOP, 0.5, 0.1), (A, 0.3, 0.45), (B, 0.2, 0.45))}
    total = sum(guided.values())
    end = guided[STOP] / total if guide_line_end else 0.5
    share_a = guided[A] / (guided[A] + guided[B])  # of the rows going on: guided either way
    assert abs(np.mean(first == STOP) - end) < 0.015
    assert abs(np.mean(first[first != STOP] == A) - share_a) < 0.03
    assert guided[STOP] / total > 0.85  # so that the test tells the two apart


# ----------------------------------------------------------------- estimator
@pytest.fixture(scope="module")
def fitted(tiny_model, tweets) -> GPTTextSynthesizer:  # noqa: F811
    return GPTTextSynthesizer(**_fast(tiny_model)).fit(tweets)


@pytest.mark.parametrize("params, name", [({"guidance_scale": 0.5}, "guidance_scale"),
                                          ({"guidance_negative": "empty"}, "guidance_negative"),
                                          ({"repetition_penalty": 0.0}, "repetition_penalty")])
def test_guidance_parameters_are_validated_by_name(tiny_model, tweets, params,  # noqa: F811
                                                   name):
    with pytest.raises(InvalidParameterError, match=name):
        GPTTextSynthesizer(**_fast(tiny_model, epochs=1, **params)).fit(tweets)


def _spy_on_sampler(monkeypatch) -> list[dict]:
    """Each call of the sampler from now on: its prompts, keyword arguments and output."""
    import skgen.text._generate as gen

    calls = []
    real = gen.complete

    def spy(model, prompts, **kw):
        out = real(model, prompts, **kw)
        calls.append({"prompts": prompts, **kw, "out": out})
        return out

    monkeypatch.setattr(gen, "complete", spy)
    return calls


def _negatives(syn, seeds, monkeypatch):
    calls = _spy_on_sampler(monkeypatch)
    syn._generate(seeds, np.random.default_rng(0))
    call, tok = calls[-1], syn._runtime.tokenizer
    decode = [tok.decode(p, skip_special_tokens=True) for p in call["negative_prompts"] or []]
    return [tok.decode(p, skip_special_tokens=True) for p in call["prompts"]], decode


@contextlib.contextmanager
def _guidance_restored(syn):
    """The shared fitted model's guidance settings put back however the test ends."""
    saved = {k: getattr(syn, k) for k in ("guidance_scale", "guidance_negative",
                                          "repetition_penalty")}
    try:
        yield
    finally:
        syn.set_params(**saved)


def test_repetition_penalty_reaches_the_sampler(fitted, monkeypatch):
    calls = _spy_on_sampler(monkeypatch)
    seeds = pd.DataFrame({"sentiment": ["positive", "negative"] * 10, "text": [None] * 20})
    with _guidance_restored(fitted):
        repeats = []
        for penalty in (1.0, 1e6):  # unguided scores are log-probabilities: 1e6 bans repeats
            fitted.set_params(guidance_scale=1.0, repetition_penalty=penalty)
            fitted._generate(seeds, np.random.default_rng(0))
            repeats.append(sum(len(set(ids)) < len(ids) for ids, _ in calls[-1]["out"]))
    assert fitted.repetition_penalty == 1.0
    assert repeats[0] > 0 and repeats[1] == 0, repeats


def test_guidance_is_on_by_default(fitted):
    assert fitted.guidance_scale == 5.0 and fitted.guidance_negative == "no_label"


def test_negative_prompts_drop_what_conditions_the_line(fitted, monkeypatch):
    seeds = pd.DataFrame({"sentiment": ["positive", "negative", None],
                          "text": [None, "I hate", None]})
    with _guidance_restored(fitted):
        fitted.set_params(guidance_scale=1.0)
        assert _negatives(fitted, seeds, monkeypatch)[1] == []  # scale 1: no negative rows
        fitted.set_params(guidance_scale=2.0)
        prompts, negatives = _negatives(fitted, seeds, monkeypatch)
        # a free label is drawn for the prompt (the model hardly writes one at the start)
        assert prompts[:2] == ["positive|", "negative|I hate"]
        assert prompts[2] in ("positive|", "negative|")
        assert negatives == ["|", "|I hate", "|"]  # no_label: the labels left empty
        fitted.set_params(guidance_negative="no_prompt")
        assert _negatives(fitted, seeds, monkeypatch)[1] == ["", "I hate", ""]
        fitted.set_params(guidance_negative="other_label")
        prompts, negatives = _negatives(fitted, seeds, monkeypatch)
        other = {"positive|": "negative|", "negative|": "positive|"}
        assert negatives == ["negative|", "positive|I hate", other[prompts[2]]]


def test_few_shot_negative_prompts_keep_or_drop_the_examples(tiny_model, tweets,  # noqa: F811
                                                              monkeypatch):
    syn = GPTTextSynthesizer(**_fast(tiny_model, finetune=None, prompt_examples=3,
                                     guidance_scale=2.0)).fit(tweets)
    seeds = pd.DataFrame({"sentiment": ["positive"], "text": [None]})
    prompts, negatives = _negatives(syn, seeds, monkeypatch)
    *shots, head = prompts[0].split("\n")
    assert head == "positive|" and len(shots) == 3
    assert negatives == ["\n".join([*shots, "|"])]  # the same examples, the label left empty
    syn.set_params(guidance_negative="other_label")
    _, negatives = _negatives(syn, seeds, monkeypatch)
    *shots, head = negatives[0].split("\n")
    assert head == "negative|" and len(shots) == 3
    assert all(s.startswith("negative|") for s in shots)  # examples of the other label


def test_the_line_end_is_guided_only_with_examples_in_the_prompt(
        fitted, tiny_model, tweets, monkeypatch):  # noqa: F811
    few = GPTTextSynthesizer(**_fast(tiny_model, finetune=None, prompt_examples=3,
                                     guidance_scale=2.0)).fit(tweets)
    calls = _spy_on_sampler(monkeypatch)
    seeds = pd.DataFrame({"sentiment": ["positive"], "text": [None]})
    for syn in (fitted, few):
        syn._generate(seeds, np.random.default_rng(0))
    assert [c["cfg"].guide_line_end for c in calls] == [False, True]
    assert all(c["cfg"].guidance_scale > 1 for c in calls)


def test_guided_sampling_keeps_labels_reproduces_and_leaves_torch_rng(fitted):
    torch.manual_seed(5)
    before = torch.get_rng_state().clone()
    with _guidance_restored(fitted):
        plain = fitted.set_params(guidance_scale=1.0).sample(
            8, conditions={"sentiment": "negative"}, random_state=3)
        for negative in ("no_label", "no_prompt", "other_label"):
            fitted.set_params(guidance_scale=3.0, guidance_negative=negative)
            out = fitted.sample(8, conditions={"sentiment": "negative"}, random_state=3)
            assert (out["sentiment"] == "negative").all() and len(out) == 8
            pd.testing.assert_frame_equal(
                out, fitted.sample(8, conditions={"sentiment": "negative"}, random_state=3))
            assert not out.equals(plain)
        assert torch.equal(torch.get_rng_state(), before)
