"""How good, useful and private is a synthetic table?

Fidelity, following SDMetrics' definitions so that the numbers compare with SDV's:

- :func:`column_shapes`, :func:`column_pair_trends` and :func:`quality_report`
  (Column Shapes, Column Pair Trends and their mean), built on
  :func:`ks_complement`, :func:`tv_complement`, :func:`correlation_similarity`
  and :func:`contingency_similarity`.

Conditional fidelity (:mod:`skgen.metrics.conditional`):

- :func:`functional_dependencies` and :func:`dependency_consistency`: rows that
  break a dependency of the real table (``education -> education_num``);
- :func:`conditional_quality`: quality of rows conditioned on a level against
  real rows of that level, relative to the real hold-out's.

Usefulness:

- :func:`tstr_score`: train on synthetic, test on real, against train on real.

Privacy:

- :func:`exact_match_rate`: share of rows copied from the training table;
- :func:`distance_to_closest_record`: Gower distance to the closest training row,
  against a real hold-out's.

Text (:mod:`skgen.metrics.text`):

- :func:`text_report`: label fidelity, novelty (:func:`copy_rate`,
  :func:`ngram_overlap_rate`), diversity (:func:`distinct_n`,
  :func:`distinct_starts`, :func:`self_bleu`) and augmentation gain, synthetic
  beside real.

Column kinds (``numerical``, ``categorical``, ``datetime``, ``boolean``, ``id``,
``text``) are given as ``metadata={column: kind}`` or inferred by
:func:`infer_metadata` as SDV would.
"""

from skgen.metrics._metadata import METRIC_KINDS, infer_metadata
from skgen.metrics.conditional import (
    ConsistencyReport,
    conditional_quality,
    dependency_consistency,
    functional_dependencies,
)
from skgen.metrics.efficacy import tstr_score
from skgen.metrics.privacy import distance_to_closest_record, exact_match_rate
from skgen.metrics.quality import (
    QualityReport,
    column_pair_trends,
    column_shapes,
    contingency_similarity,
    correlation_similarity,
    ks_complement,
    quality_report,
    tv_complement,
)
from skgen.metrics.text import (
    TextReport,
    augmentation_gain,
    copy_rate,
    distinct_n,
    distinct_starts,
    label_fidelity,
    ngram_overlap_rate,
    self_bleu,
    text_report,
)

__all__ = [
    "METRIC_KINDS",
    "ConsistencyReport",
    "QualityReport",
    "TextReport",
    "augmentation_gain",
    "column_pair_trends",
    "column_shapes",
    "conditional_quality",
    "contingency_similarity",
    "copy_rate",
    "dependency_consistency",
    "correlation_similarity",
    "distance_to_closest_record",
    "distinct_n",
    "distinct_starts",
    "exact_match_rate",
    "functional_dependencies",
    "infer_metadata",
    "ks_complement",
    "label_fidelity",
    "ngram_overlap_rate",
    "quality_report",
    "self_bleu",
    "text_report",
    "tstr_score",
    "tv_complement",
]
