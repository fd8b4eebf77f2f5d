"""Data: the clips a task is made of, and the manifest that describes them.

Holds audio I/O (``audio``: read, downmix, resample, write WAV), the item manifest every dataset
is described by (``manifest``) and its splits (``splits``), the synthetic tasks of the embedded
default (``synthetic``) and the real datasets of the paper configuration (``datasets``: download,
safe extraction, each dataset's layout, seeded sampling into a manifest). Imports nothing of this
package but the classifier contract's waveform checks (``transferability.models.contract``).
"""
