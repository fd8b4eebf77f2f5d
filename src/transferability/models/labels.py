"""Canonical class labels per task, and the mapping of each model's classes onto them.

Models of one task name and order their classes differently ("hip-hop"/"hiphop",
"bona-fide"/"real"). A :class:`LabelMap` sends every model class index to the index of a
canonical label of the task, in this order of precedence:

1. **Overrides**: ``{model label: canonical label}``, both spelled exactly as the model and the
   task spell them. An override naming a label the model or the task does not have is an error.
2. **Same normalised name**: :func:`normalise_label` (case-folded, non-alphanumerics dropped),
   so "Hip Hop" == "hip-hop" == "hiphop".
3. **Synonyms**: :data:`SYNONYM_GROUPS`, applied only when no canonical label has the same
   normalised name. "neutral" and "calm" are deliberately *not* synonyms: RAVDESS has both.

Any model label left unmapped raises :class:`LabelMappingError` naming the model, the label and
the canonical labels. A canonical label that no model class maps to is fine (its probability is
0). Collisions: each canonical label may receive **at most one automatic** (name or synonym)
mapping, so two model classes are merged only when an override says so; the probabilities of
merged classes are summed by :meth:`LabelMap.to_canonical`. A model label that is a synonym of
two canonical labels (and the exact name of neither) is an error too.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

# Canonical labels of the paper's three tasks (GTZAN genres, RAVDESS speech emotions, spoofing).
PAPER_TASK_LABELS: dict[str, tuple[str, ...]] = {
    "genre": ("blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"),
    "emotion": ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"),
    "spoof": ("bonafide", "spoof"),
}

# Groups of normalised names that mean the same class.
SYNONYM_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"bonafide", "real", "genuine"}),
    frozenset({"spoof", "fake", "spoofed", "deepfake"}),
    frozenset({"angry", "anger"}),
    frozenset({"happy", "happiness"}),
    frozenset({"sad", "sadness"}),
    frozenset({"fearful", "fear"}),
    frozenset({"surprised", "surprise"}),
    frozenset({"disgust", "disgusted"}),
)


class LabelMappingError(ValueError):
    """A model's class labels cannot be mapped onto a task's canonical labels."""


def normalise_label(label: str) -> str:
    """Case-folded label with every non-alphanumeric character removed."""
    return "".join(ch for ch in str(label).casefold() if ch.isalnum())


def _synonym_group(normalised: str) -> frozenset[str]:
    return next((group for group in SYNONYM_GROUPS if normalised in group), frozenset({normalised}))


def _automatic_matches(model_label: str, canonical: Sequence[str]) -> list[int]:
    """Indices of the canonical label with the same normalised name, else of its synonyms."""
    name = normalise_label(model_label)
    normalised = [normalise_label(c) for c in canonical]
    if name in normalised:
        return [normalised.index(name)]
    group = _synonym_group(name)
    return [i for i, c in enumerate(normalised) if c in group]


@dataclass(frozen=True)
class LabelMap:
    """Model class index -> canonical label index for one model of one task."""

    model_name: str
    model_labels: tuple[str, ...]
    canonical: tuple[str, ...]
    indices: tuple[int, ...]  # indices[model class] = canonical label index

    @classmethod
    def build(
        cls,
        model_name: str,
        model_labels: Sequence[str],
        canonical: Sequence[str],
        overrides: Mapping[str, str] | None = None,
    ) -> "LabelMap":
        model_labels, canonical, overrides = tuple(model_labels), tuple(canonical), dict(overrides or {})
        if len(model_labels) < 2 or len(set(model_labels)) != len(model_labels):
            raise LabelMappingError(f"model {model_name!r}: needs at least 2 distinct labels, got {model_labels!r}")
        _check_canonical(model_name, canonical)
        _check_overrides(model_name, model_labels, canonical, overrides)
        indices, automatic_owner = [], {}
        for label in model_labels:
            if label in overrides:
                indices.append(canonical.index(overrides[label]))
                continue
            matches = _automatic_matches(label, canonical)
            if len(matches) != 1:
                how = "matches no" if not matches else "is a synonym of more than one"
                raise LabelMappingError(
                    f"model {model_name!r}: label {label!r} {how} canonical label "
                    f"(canonical labels: {', '.join(canonical)}); add an override"
                )
            index = matches[0]
            if index in automatic_owner:
                raise LabelMappingError(
                    f"model {model_name!r}: labels {automatic_owner[index]!r} and {label!r} both map to "
                    f"canonical label {canonical[index]!r}; merge them only with an explicit override"
                )
            automatic_owner[index] = label
            indices.append(index)
        return cls(model_name, model_labels, canonical, tuple(indices))

    @property
    def mapping(self) -> dict[str, str]:
        """Model label -> canonical label, for the record."""
        return {m: self.canonical[i] for m, i in zip(self.model_labels, self.indices)}

    def canonical_index(self, model_index: int) -> int:
        return self.indices[model_index]

    def to_canonical(self, probs: np.ndarray) -> np.ndarray:
        """Probabilities ``[..., n_model_classes]`` -> ``[..., n_canonical]``, merged classes summed."""
        probs = np.asarray(probs, dtype=float)
        if probs.shape[-1] != len(self.model_labels):
            raise ValueError(
                f"model {self.model_name!r}: probabilities have {probs.shape[-1]} classes, "
                f"the model has {len(self.model_labels)}"
            )
        onehot = np.zeros((len(self.model_labels), len(self.canonical)))
        onehot[np.arange(len(self.model_labels)), self.indices] = 1.0
        return probs @ onehot


def _check_canonical(model_name: str, canonical: tuple[str, ...]) -> None:
    normalised = [normalise_label(label) for label in canonical]
    if len(canonical) < 2 or "" in normalised or len(set(normalised)) != len(normalised):
        raise LabelMappingError(
            f"model {model_name!r}: canonical labels must be at least 2, non-empty and distinct after "
            f"normalisation: {', '.join(map(repr, canonical))}"
        )


def _check_overrides(
    model_name: str, model_labels: tuple[str, ...], canonical: tuple[str, ...], overrides: Mapping[str, str]
) -> None:
    for source, target in overrides.items():
        if source not in model_labels:
            raise LabelMappingError(
                f"model {model_name!r}: override names label {source!r}, which the model does not have "
                f"(model labels: {', '.join(model_labels)})"
            )
        if target not in canonical:
            raise LabelMappingError(
                f"model {model_name!r}: override maps {source!r} to {target!r}, which is not a canonical label "
                f"(canonical labels: {', '.join(canonical)})"
            )
