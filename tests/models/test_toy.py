"""The toy classifiers: the raw-energy rule of LoudestBand and the audible-power rule of the demo's classifier."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.helpers.known_answer import SAMPLE_RATE, bins_in, tones
from transferability.models.toy import DEMO_BANDS, LoudestAudibleBand, LoudestBand, band_power

BANDS = list(DEMO_BANDS.values())


@pytest.mark.parametrize("n_samples", [16_000, 15_999])
def test_band_power_is_the_mean_square_of_the_band_limited_signal(n_samples):
    clip = np.random.default_rng(0).standard_normal(n_samples)
    spectrum = np.fft.rfft(clip)
    expected = [np.mean(np.fft.irfft(spectrum * bins_in(band, n_samples), n=n_samples) ** 2) for band in BANDS]
    measured = band_power(torch.from_numpy(clip)[None, :], BANDS, SAMPLE_RATE)[0].numpy()
    np.testing.assert_allclose(measured, expected, rtol=1e-9)


def test_probabilities_are_band_power_plus_floor_and_twice_the_floor_for_silent():
    model = LoudestAudibleBand(BANDS, floor_db=-40.0)
    clip = torch.from_numpy(tones([(500, 0.1), (2000, 0.3), (5000, 0.02)]))[None, :]
    weights = np.append(band_power(clip, BANDS, SAMPLE_RATE)[0].numpy() + 1e-4, 2e-4)
    probs = torch.softmax(model(clip), dim=-1)[0].numpy()
    np.testing.assert_allclose(probs, weights / weights.sum(), rtol=1e-5)
    assert probs.argmax() == 1


def test_a_band_below_the_floor_does_not_decide():
    """Scale-invariant LoudestBand lets one faint tone decide; below the floor the audible one says silent."""
    faint = torch.from_numpy(tones([(2000, 1e-4)]))[None, :]   # -83 dB: far below the -40 dB floor
    loud = torch.from_numpy(tones([(2000, 0.3)]))[None, :]
    raw = torch.softmax(LoudestBand(BANDS)(faint), dim=-1)[0]
    audible = LoudestAudibleBand(BANDS)
    assert raw[1] > 0.99                                        # the faint tone alone decides
    for quiet in (faint, torch.zeros_like(faint)):
        np.testing.assert_allclose(torch.softmax(audible(quiet), -1)[0].numpy(), [0.2, 0.2, 0.2, 0.4], atol=1e-3)
    assert torch.softmax(audible(loud), -1)[0, 1] > 0.99
    just_above = torch.from_numpy(tones([(2000, np.sqrt(2 * 2e-4))]))[None, :]   # power 2e-4: twice the floor
    assert torch.softmax(audible(just_above), -1)[0].argmax() == 1
