"""GANSynthesizer: a conditional tabular GAN (CTGAN / ACTGAN line).

- :mod:`skgen.gan._transformer` -- mode-specific normalisation, one-hot and
  binary encoding (:class:`DataTransformer`);
- :mod:`skgen.gan._sampler` -- training-by-sampling and the conditional vector;
- :mod:`skgen.gan._modules` -- residual generator, PacGAN critic, Gumbel-softmax
  outputs, WGAN-GP penalty;
- :mod:`skgen.gan._synthesizer` -- the estimator.
"""

from skgen.gan._synthesizer import GANSynthesizer
from skgen.gan._transformer import DataTransformer

__all__ = ["DataTransformer", "GANSynthesizer"]
