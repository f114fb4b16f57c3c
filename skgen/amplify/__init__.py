"""AmplifySampler: a fast latent-class mixture with exact conditional sampling.

Two layers, both fitted in time linear in the number of rows:

1. **Latent-class mixture** ("mixture of products"). Every row belongs to one of
   ``n_components`` classes; inside a class the columns are independent:
   categorical columns (missing as one more level) follow a categorical
   distribution, numeric columns (integers and datetimes too) a Gaussian on their
   *normal scores* -- the value pushed through its empirical distribution function
   and the standard normal quantile function -- and are missing with a per-class
   probability. Fitted by EM (vectorised, log-space, memory linear in the number of
   category levels). The numeric columns' residual correlation inside the classes
   is then kept by up to 32 shared factors: a class draws its numbers from a
   correlated Gaussian (a mixture of Gaussian copulas), and a free number follows
   the fixed numbers of its row.

   Because each class factorises over the columns, conditioning on *any* subset of
   cells is closed form: the posterior over the classes is the prior times the
   fixed cells' likelihoods; a class is drawn from it and the free cells from that
   class. Conditions on several columns at once -- categories, numbers,
   combinations never seen in training -- hold by construction, without rejection.

2. **Refinement** (``refine=True``): one Gibbs sweep that draws every *free*
   categorical cell again from a classification tree of that column on all the
   row's other cells (fixed ones included). The trees carry the sharp,
   non-linear dependence a mixture of a few dozen classes blurs (a diamond's cut
   given its depth and table); their leaves are calibrated at fit time so that
   the sweep keeps each column's marginal. Fixed cells are never redrawn.

3. **Fixed cells that pin others down.** A row with a fixed categorical cell
   keeps one of several completions, weighted by ``tree(level | completion) /
   mixture(level | completion)`` (sampling-importance-resampling), so a
   condition ``education = "Masters"`` brings the ``education_num`` and the
   rest of the row of Masters holders; exact dependencies (a category that
   fixes another column in every training row) are learned at fit and kept.

Numbers are given back through bounded quantile knots (at most ``n_quantiles``),
which keep each marginal, including point masses such as a column that is 92 %
zeros. ID-like columns get fresh identifiers drawn from the character pattern of
the training IDs; free-text columns get text from a word-level Markov chain;
neither ever gives back a training value (both keep only 64-bit hashes of the
training values to check against).

The choice of this design over a Gaussian copula, a Gaussian mixture copula and
sequential CART was made by measurement: see ``docs/amplify_model_selection.md``
and ``benchmarks/amplify_candidates.py``.

The parts: ``_marginals`` (quantile knots, normal scores), ``_mixture`` (the
latent-class mixture: EM as ``_e_step``/``_m_step``, calibration, conditional
draws), ``_trees`` (the refinement trees), ``_dependencies`` (exact dependencies)
and ``_synthesizer`` (the estimator).
"""

from skgen.amplify._marginals import (
    fit_quantile_knots,
    quantile_interval,
    quantile_inverse,
    randomized_pit,
)
from skgen.amplify._mixture import fit_mixture, sample_rows_categorical
from skgen.amplify._synthesizer import AmplifySampler

__all__ = [
    "AmplifySampler",
    "fit_mixture",
    "fit_quantile_knots",
    "quantile_interval",
    "quantile_inverse",
    "randomized_pit",
    "sample_rows_categorical",
]
