import math

import pytest

from app.core.metrics import drift, kendall_tau, mrr_at_k, ndcg_at_k, ranks, recall_at_k


def test_ndcg_hand_computed():
    # ranking by score: doc1 (label 0), doc0 (label 3), doc2 (label 1)
    scores, labels = [0.5, 0.9, 0.1], [3, 0, 1]
    dcg = 0 / math.log2(2) + 7 / math.log2(3) + 1 / math.log2(4)
    idcg = 7 / math.log2(2) + 1 / math.log2(3) + 0
    assert ndcg_at_k(scores, labels, 10) == pytest.approx(dcg / idcg)
    assert ndcg_at_k([0.9, 0.5, 0.1], [3, 1, 0], 10) == pytest.approx(1.0)


def test_ndcg_cutoff_and_no_relevant():
    assert ndcg_at_k([0.9, 0.8], [0, 2], 1) == 0.0
    assert ndcg_at_k([0.9, 0.8], [0, 0], 10) == 0.0


def test_mrr_and_recall():
    scores, labels = [0.1, 0.9, 0.5, 0.7], [1, 0, 0, 1]
    assert mrr_at_k(scores, labels, 10) == pytest.approx(1 / 2)  # order: 1, 3, 2, 0
    assert mrr_at_k(scores, labels, 1) == 0.0
    assert recall_at_k(scores, labels, 2) == pytest.approx(0.5)
    assert recall_at_k(scores, labels, 4) == pytest.approx(1.0)


def test_kendall_tau():
    assert kendall_tau([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert kendall_tau([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # one discordant pair of 6: (6 - 2*1) / 6
    assert kendall_tau([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(4 / 6)
    assert kendall_tau([1.0], [2.0]) == 1.0


def test_drift_summary_and_changed_ranks():
    a = [0.9, 0.5, 0.1, 0.3]
    b = [0.8, 0.2, 0.4, 0.35]
    d = drift(a, b, k=2)
    assert d.max_abs == pytest.approx(0.3)
    assert d.mean_abs == pytest.approx((0.1 + 0.3 + 0.3 + 0.05) / 4)
    assert d.top1_kept
    assert d.topk_overlap == 1  # {0,1} vs {0,2}
    assert set(d.rank_changed) == {1, 2}  # doc 3 stays third
    assert "top-1 kept" in d.summary()


def test_ranks_ties_keep_input_order():
    assert ranks([0.5, 0.9, 0.5]) == [2, 1, 3]


def test_kendall_tau_blocks_match_the_full_computation():
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.normal(size=700).round(1)  # rounding makes ties
    b = a + rng.normal(scale=0.5, size=700).round(1)
    assert kendall_tau(a, b, block=64) == pytest.approx(kendall_tau(a, b, block=10_000))
    # reference: the plain O(n^2) definition of tau-b
    iu = np.triu_indices(700, k=1)
    dx = np.sign(a[:, None] - a[None, :])[iu]
    dy = np.sign(b[:, None] - b[None, :])[iu]
    expected = np.sum(dx * dy) / np.sqrt(np.sum(dx != 0) * np.sum(dy != 0))
    assert kendall_tau(a, b, block=64) == pytest.approx(expected)
    assert kendall_tau(a, b, block=3) == pytest.approx(expected)


def test_kendall_tau_degenerate_and_tied_inputs():
    assert kendall_tau([1, 1, 1], [3, 2, 1]) == 1.0  # no untied pair in a: defined as 1.0, not a division by 0
    assert kendall_tau([1, 2, 2, 3], [1, 2, 2, 3]) == pytest.approx(1.0)
    assert kendall_tau([1, 2, 3], [1, 1, 2]) == pytest.approx(2 / (3 * 2) ** 0.5)  # tau-b: (2 - 0) / sqrt(3 * 2)
