"""skgen.metrics' quality report against SDMetrics itself (the library it follows)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sdmetrics.reports import QualityReport as SDMetricsQualityReport

from skgen import AmplifySampler
from skgen.metrics import quality_report


def _sdmetrics_report(real, synthetic, kinds):
    metadata = {"tables": {"t": {"columns": {c: {"sdtype": k} for c, k in kinds.items()}}}}
    report = SDMetricsQualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas deprecations inside sdmetrics
        report.generate({"t": real}, {"t": synthetic}, metadata, verbose=False)
    return report


@pytest.mark.parametrize("table", ["adult", "diamonds"])
def test_quality_report_equals_sdmetrics(table, request):
    data = request.getfixturevalue(table)
    real, train = data.iloc[:1500].reset_index(drop=True), data.iloc[1500:].reset_index(drop=True)
    synthetic = AmplifySampler(random_state=0).fit(train).sample(1500, random_state=1)
    ours = quality_report(real, synthetic)
    theirs = _sdmetrics_report(real, synthetic, ours.metadata)

    properties = theirs.get_properties().set_index("Property")["Score"]
    assert ours.column_shapes == pytest.approx(properties["Column Shapes"], abs=1e-6)
    assert ours.column_pair_trends == pytest.approx(properties["Column Pair Trends"], abs=1e-6)
    assert ours.overall == pytest.approx(theirs.get_score(), abs=1e-6)

    shapes = theirs.get_details("Column Shapes")
    np.testing.assert_allclose(ours.details["column_shapes"]["score"], shapes["Score"],
                               atol=1e-6)
    pairs = theirs.get_details("Column Pair Trends")
    mine = ours.details["column_pair_trends"]
    assert list(zip(mine["column_1"], mine["column_2"], strict=True)) == list(
        zip(pairs["Column 1"], pairs["Column 2"], strict=True))
    assert mine["metric"].tolist() == pairs["Metric"].tolist()
    # only the pairs related in the real data count, as in SDMetrics >= 0.29
    assert mine["meets_threshold"].tolist() == pairs["Meets Threshold?"].tolist()
    assert 0 < mine["meets_threshold"].sum() < len(mine)
    np.testing.assert_allclose(mine["score"], pairs["Score"].astype(float), atol=1e-6)
    np.testing.assert_allclose(mine["real_association"],
                               pairs["Real Association"].astype(float), atol=1e-9)
    related = pd.Series(mine["metric"] == "CorrelationSimilarity") & mine["meets_threshold"]
    if table == "diamonds":
        assert related.any()  # carat ~ price: the correlation branch is compared too
