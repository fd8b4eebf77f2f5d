"""Every knob of the explainer, validated, with defaults chosen for CPU and GPU runs alike."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


class ConfigError(ValueError):
    """A configuration value is missing, unknown or out of range."""


@dataclass(frozen=True)
class ExplainerConfig:
    """Configuration of one explanation; ``from_dict`` names the offending key on bad input."""

    seed: int = 0
    delta: float = 0.5  # sufficient/complete sets need confidence >= delta * p0
    occlusion: float = 0.0  # value written into removed bins
    round_size: int = 3  # iterations advanced in lock-step, batched into one model call; stability is checked per round
    min_iterations: int = 6  # iterations always run
    max_iterations: int = 6  # upper bound when the extracted sets have not settled
    max_depth: int = 16  # refinement rounds per iteration
    min_box_size: int = 32  # a region with fewer bins is not split further
    confidence_filter: float = 0.0  # a mutant passes refinement with confidence >= this * p0
    normalise_by_size: bool = False  # divide a child's responsibility by its number of bins
    min_chain_length: int = 2  # an iteration counts only with a chain this long
    stability_jaccard: float = 0.9  # rounds stop when each extracted prefix overlaps the prior ranking's top this much
    search_grid: int = 8  # prefix sizes queried per round of each prefix search
    minimality_min_chunk: int = 1  # smallest chunk the minimality pass tries to remove
    minimality_max_candidates: int = 400  # candidate sets the sufficient set's minimality pass may test
    complete_max_candidates: int = 300  # the same for the complete and 1-complete sets' passes, each
    one_complete: bool = True  # also extract the 1-complete set (delta = 1)
    max_batch_size: int = 256  # cap on mutants per model call (memory may lower it)
    pad_short_clips: bool = False  # zero-pad clips shorter than the model accepts instead of refusing

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            expected = bool if f.type == "bool" else (float if f.type == "float" else int)
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, f.name, float(value))
                continue
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise ConfigError(f"explainer config key {f.name!r}: expected {expected.__name__}, got {value!r}")
        checks = {
            "delta": 0.0 < self.delta <= 1.0,
            "round_size": self.round_size >= 1,
            "min_iterations": self.min_iterations >= 1,
            "max_iterations": self.max_iterations >= self.min_iterations,
            "max_depth": self.max_depth >= 1,
            "min_box_size": self.min_box_size >= 4,
            "confidence_filter": 0.0 <= self.confidence_filter <= 1.0,
            "min_chain_length": self.min_chain_length >= 0,
            "stability_jaccard": 0.0 <= self.stability_jaccard <= 1.0,
            "search_grid": self.search_grid >= 2,
            "minimality_min_chunk": self.minimality_min_chunk >= 1,
            "minimality_max_candidates": self.minimality_max_candidates >= 0,
            "complete_max_candidates": self.complete_max_candidates >= 0,
            "max_batch_size": self.max_batch_size >= 1,
        }
        bad = [key for key, ok in checks.items() if not ok]
        if bad:
            raise ConfigError(f"explainer config key {bad[0]!r} is out of range: {getattr(self, bad[0])!r}")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "ExplainerConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown explainer config key {unknown[0]!r} (known: {', '.join(sorted(known))})")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def max_candidates(self, subset: str) -> int:
        """The candidate budget of one subset's minimality pass."""
        return self.minimality_max_candidates if subset == "sufficient" else self.complete_max_candidates
