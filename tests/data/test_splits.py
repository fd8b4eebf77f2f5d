"""Seeded choice of items per dataset and class."""
from __future__ import annotations

import pandas as pd

from transferability.data.splits import choose_items


def _candidates(counts: dict[tuple[str, str], int]) -> pd.DataFrame:
    rows = [{"item_id": f"{d}-{label}-{i:02d}", "dataset": d, "label": label}
            for (d, label), n in counts.items() for i in range(n)]
    return pd.DataFrame(rows)


def test_items_are_drawn_per_dataset_and_class_with_the_seed():
    candidates = _candidates({("a", "low"): 5, ("a", "mid"): 1, ("b", "low"): 4, ("b", "mid"): 0})
    chosen = choose_items(candidates, ["a", "b"], ["low", "mid", "silent"], 2, seed=3)
    assert chosen.groupby(["dataset", "label"]).size().to_dict() == {("a", "low"): 2, ("a", "mid"): 1, ("b", "low"): 2}
    assert chosen.equals(choose_items(candidates.sample(frac=1, random_state=0), ["a", "b"], ["low", "mid", "silent"], 2, seed=3))
    others = {tuple(choose_items(candidates, ["a", "b"], ["low", "mid", "silent"], 2, seed=s)["item_id"]) for s in range(8)}
    assert len(others) > 1
    # more items per class keep the ones drawn before; a class's items do not depend on the other classes
    assert set(chosen["item_id"]) <= set(choose_items(candidates, ["a", "b"], ["low", "mid", "silent"], 3, seed=3)["item_id"])
    alone = choose_items(candidates[candidates["label"] == "low"], ["a", "b"], ["low", "mid", "silent"], 2, seed=3)
    assert list(alone["item_id"]) == list(chosen[chosen["label"] == "low"]["item_id"])
