"""Transfer across labels (Section 5.3): add one class's global signature to items of another class.

The signature is the sufficient signal of a model's composite of class ``fake``; it is added,
unchanged otherwise, to every item the same model puts in class ``real``, and the rate at which
the model's class turns to ``fake`` is reported.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from transferability.models.contract import AudioClassifier
from transferability.models.labels import LabelMap
from transferability.models.probabilities import target_probabilities

ITEM_COLUMNS = ("item_id", "original_class", "signed_class", "p_fake_before", "p_fake_after", "turned")


def add_signature(waveform: np.ndarray, signature: np.ndarray) -> np.ndarray:
    """``waveform + signature``, the signature cropped or zero-padded to the waveform's length."""
    fitted = np.zeros(waveform.shape[0], dtype=np.float64)
    n = min(waveform.shape[0], signature.shape[0])
    fitted[:n] = signature[:n]
    return (waveform.astype(np.float64) + fitted).astype(np.float32)


def signature_transfer(
    items: Sequence[tuple[str, np.ndarray]],
    signature: np.ndarray,
    classifier: AudioClassifier,
    label_map: LabelMap,
    canonical: Sequence[str],
    real: str,
    fake: str,
    sample_rate: int,
    batch_size: int,
) -> pd.DataFrame:
    """One row per item the model puts in ``real``: its class before and after adding the signature."""
    canonical = list(canonical)
    real_index, fake_index = canonical.index(real), canonical.index(fake)
    waveforms = [w for _, w in items]
    before = label_map.to_canonical(target_probabilities(waveforms, sample_rate, classifier, batch_size))
    chosen = [i for i in range(len(items)) if int(np.argmax(before[i])) == real_index]
    signed = [add_signature(waveforms[i], signature) for i in chosen]
    after = label_map.to_canonical(target_probabilities(signed, sample_rate, classifier, batch_size)) if signed else np.zeros((0, len(canonical)))
    rows = [
        (items[i][0], real, canonical[int(np.argmax(a))], float(before[i, fake_index]), float(a[fake_index]),
         int(np.argmax(a)) == fake_index)
        for i, a in zip(chosen, after)
    ]
    return pd.DataFrame(rows, columns=list(ITEM_COLUMNS))
