"""Quality measures against planted truth: pairwise precision/recall/F1, ARI, AUC, top-k."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["pair_scores", "adjusted_rand", "roc_auc", "top_k_accuracy", "match_rings"]


def _pairs(counts: pd.Series | np.ndarray) -> float:
    c = np.asarray(counts, dtype=np.float64)
    return float((c * (c - 1) / 2).sum())


def _labels(sellers: pd.Index, groups: pd.DataFrame, prefix: str) -> pd.Series:
    """Each seller's group, or a singleton label of its own when it is in none."""
    label = groups.drop_duplicates("seller_id").set_index("seller_id")["ring_id"].reindex(sellers)
    alone = label.isna()
    return label.astype(object).where(~alone, prefix + pd.Series(sellers, index=sellers).astype(str))


def _contingency(sellers, truth, predicted):
    t = _labels(sellers, truth, "t:")
    p = _labels(sellers, predicted, "p:")
    both = pd.DataFrame({"t": t.to_numpy(), "p": p.to_numpy()}).groupby(["t", "p"]).size()
    return both, t.value_counts(), p.value_counts()


def pair_scores(sellers: pd.Index, truth: pd.DataFrame, predicted: pd.DataFrame) -> dict[str, float]:
    """Pairwise precision, recall and F1: of seller pairs put together, how many truly are.

    >>> s = pd.Index(["a", "b", "c", "d"])
    >>> t = pd.DataFrame({"seller_id": ["a", "b", "c"], "ring_id": [1, 1, 1]})
    >>> p = pd.DataFrame({"seller_id": ["a", "b"], "ring_id": [9, 9]})
    >>> pair_scores(s, t, p)
    {'precision': 1.0, 'recall': 0.3333, 'f1': 0.5}
    """
    both, truth_sizes, predicted_sizes = _contingency(sellers, truth, predicted)
    together = _pairs(both)
    predicted_pairs, truth_pairs = _pairs(predicted_sizes), _pairs(truth_sizes)
    precision = together / predicted_pairs if predicted_pairs else 0.0
    recall = together / truth_pairs if truth_pairs else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def adjusted_rand(sellers: pd.Index, truth: pd.DataFrame, predicted: pd.DataFrame) -> float:
    """Adjusted Rand index over all ``sellers``; sellers outside any group are singletons (Hubert &
    Arabie 1985, "Comparing partitions", Journal of Classification 2:193-218), from the contingency table.

    >>> s = pd.Index(["a", "b", "c", "d"])
    >>> t = pd.DataFrame({"seller_id": ["a", "b"], "ring_id": [1, 1]})
    >>> adjusted_rand(s, t, t)
    1.0
    """
    both, truth_sizes, predicted_sizes = _contingency(sellers, truth, predicted)
    n = len(sellers)
    index = _pairs(both)
    a, b = _pairs(truth_sizes), _pairs(predicted_sizes)
    expected = a * b / (n * (n - 1) / 2)
    maximum = (a + b) / 2
    if maximum == expected:
        return 1.0
    return round((index - expected) / (maximum - expected), 4)


def roc_auc(scores: pd.Series | np.ndarray, positive: pd.Series | np.ndarray) -> float:
    """Area under the ROC curve: the chance a positive outscores a negative (ties count half).

    >>> roc_auc([0.9, 0.8, 0.3, 0.1], [True, False, True, False])
    0.75
    """
    s = pd.Series(np.asarray(scores, dtype=float))
    y = np.asarray(positive, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = s.rank(method="average").to_numpy()
    return round(float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)), 4)


def match_rings(truth: pd.DataFrame, predicted: pd.DataFrame) -> pd.DataFrame:
    """Each predicted ring with the truth ring most of its members belong to (or none).

    Returns ``ring_id, truth_ring, overlap, size`` where overlap is the share of the predicted
    ring's members in ``truth_ring``.

    >>> truth = pd.DataFrame({"seller_id": ["a", "b", "c"], "ring_id": ["T1", "T1", "T2"]})
    >>> found = pd.DataFrame({"seller_id": ["a", "b", "c"], "ring_id": ["R1", "R1", "R1"]})
    >>> match_rings(truth, found).to_dict("records")
    [{'ring_id': 'R1', 'truth_ring': 'T1', 'overlap': 0.6667, 'size': 3}]
    """
    joined = predicted.merge(truth, on="seller_id", how="left", suffixes=("", "_truth"))
    size = joined.groupby("ring_id").size().rename("size")
    counts = joined.dropna(subset=["ring_id_truth"]).groupby(["ring_id", "ring_id_truth"]).size()
    if counts.empty:
        out = size.to_frame().assign(truth_ring=None, overlap=0.0)
        return out.reset_index()[["ring_id", "truth_ring", "overlap", "size"]]
    best = counts.sort_values(ascending=False).reset_index(name="n").drop_duplicates("ring_id")
    out = size.to_frame().join(best.set_index("ring_id"))
    out["overlap"] = (out["n"].fillna(0) / out["size"]).round(4)
    out = out.rename(columns={"ring_id_truth": "truth_ring"}).reset_index()
    out["truth_ring"] = out["truth_ring"].where(out["overlap"] > 0.5)
    return out[["ring_id", "truth_ring", "overlap", "size"]]


def top_k_accuracy(ranked: pd.DataFrame, expected: pd.Series, k: int) -> float:
    """Share of rings whose expected source is among the first ``k`` of ``ranked``.

    ``ranked`` has ``ring_id, rank, entity_id``; ``expected`` maps ring_id to the source.

    >>> ranked = pd.DataFrame({"ring_id": ["R1", "R1", "R2"], "rank": [1, 2, 1],
    ...                        "entity_id": ["O1", "O2", "O3"]})
    >>> expected = pd.Series({"R1": "O2", "R2": "O3"})
    >>> top_k_accuracy(ranked, expected, 1), top_k_accuracy(ranked, expected, 2)
    (0.5, 1.0)
    """
    if expected.empty:
        return float("nan")
    top = ranked[ranked["rank"] <= k].groupby("ring_id")["entity_id"].agg(set)
    hits = [expected[r] in top.get(r, set()) for r in expected.index]
    return round(float(np.mean(hits)), 4)
