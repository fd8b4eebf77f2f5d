"""Welch power spectral densities and normalised spectral entropy (Figures 3 and 4, Section 5.2)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.signal import welch
from scipy.stats import mannwhitneyu


def welch_psd(waveform: np.ndarray, sample_rate: int, segment: int) -> tuple[np.ndarray, np.ndarray]:
    """Frequencies (Hz) and Welch PSD with Hann segments of ``segment`` samples (shorter clips: one segment)."""
    waveform = np.asarray(waveform, dtype=np.float64)
    if waveform.ndim != 1 or waveform.size < 2:
        raise ValueError(f"expected a mono waveform of at least 2 samples, got shape {waveform.shape}")
    return welch(waveform, fs=sample_rate, nperseg=min(int(segment), waveform.size))


def normalised_spectral_entropy(waveform: np.ndarray, sample_rate: int, segment: int) -> float:
    """Shannon entropy of the normalised Welch PSD divided by log2 of its length (0..1; NaN for silence)."""
    _, psd = welch_psd(waveform, sample_rate, segment)
    total = psd.sum()
    if not np.isfinite(total) or total <= 0:
        return float("nan")
    p = psd[psd > 0] / total
    return float(-(p * np.log2(p)).sum() / np.log2(psd.size))


def mann_whitney(entropies: pd.DataFrame, first: str, second: str) -> dict:
    """Two-sided Mann-Whitney U test of the ``entropy`` of class ``first`` vs ``second`` (NaN when a group is empty)."""
    a = entropies.loc[entropies["class"] == first, "entropy"].dropna().to_numpy()
    b = entropies.loc[entropies["class"] == second, "entropy"].dropna().to_numpy()
    result = {"first": first, "second": second, "n_first": int(a.size), "n_second": int(b.size),
              "median_first": float(np.median(a)) if a.size else float("nan"),
              "median_second": float(np.median(b)) if b.size else float("nan"), "u": float("nan"), "p": float("nan")}
    if a.size and b.size:
        test = mannwhitneyu(a, b, alternative="two-sided")
        result.update(u=float(test.statistic), p=float(test.pvalue))
    return result
