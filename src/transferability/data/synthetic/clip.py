"""One generated clip and the words spoken in it."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SyntheticClip:
    waveform: np.ndarray  # float32 samples
    text: str = ""        # the words spoken, in order ("" where nothing is said: music, formant speech)
