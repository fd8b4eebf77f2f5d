"""The explanation record: compact masks plus everything needed to trust and reuse them."""
from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

SCHEMA_VERSION = 3  # 2: subsets say where they came from and whether their final check passed; 3: minimality carried over
SUBSET_NAMES = ("sufficient", "complete", "one_complete")


def pack_mask(mask: np.ndarray) -> dict[str, Any]:
    """A boolean mask as bit-packed base64 text."""
    mask = np.asarray(mask, dtype=bool)
    return {"n_bins": int(mask.shape[0]), "packbits_base64": base64.b64encode(np.packbits(mask).tobytes()).decode()}


def unpack_mask(packed: dict[str, Any]) -> np.ndarray:
    bits = np.frombuffer(base64.b64decode(packed["packbits_base64"]), dtype=np.uint8)
    return np.unpackbits(bits, count=int(packed["n_bins"])).astype(bool)


@dataclass
class SubsetRecord:
    """One extracted set of bins and the explained model's verdict on it."""

    mask: np.ndarray
    size: int
    fraction: float
    class_index: int
    class_name: str
    confidence: float  # probability of the explained class
    # where its minimality pass started: "prefix" (of the ranking), "refinement", "grown" (from the set before), or the
    # less demanding set it is ("sufficient", "complete") or the more demanding one it was minimised from again
    origin: str
    verified: bool  # the set passed its test when checked last, on the final mask

    def to_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["mask"] = pack_mask(self.mask)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "SubsetRecord":
        return cls(**{**values, "mask": unpack_mask(values["mask"])})


@dataclass
class InverseRecord:
    """The leftover signal after the complete set is removed; undefined when nothing is left."""

    defined: bool
    class_index: int | None = None
    class_name: str | None = None
    confidence: float | None = None  # probability of the explained class


@dataclass
class Explanation:
    """Everything one explanation of one clip by one model produced."""

    clip_id: str
    model: str
    status: str  # "ok" or "silent"
    sample_rate: int
    n_samples: int
    n_bins: int
    seed: int
    delta: float
    config: dict[str, Any]
    class_index: int | None = None
    class_name: str | None = None
    p0: float | None = None
    sufficient: SubsetRecord | None = None
    complete: SubsetRecord | None = None
    one_complete: SubsetRecord | None = None
    inverse: InverseRecord | None = None
    minimality: dict[str, Any] = field(default_factory=dict)
    stability: dict[str, Any] = field(default_factory=dict)
    queries: dict[str, int] = field(default_factory=dict)
    model_calls: int = 0
    reused_verdicts: int = 0  # verdicts answered from the oracle's memory instead of a new query
    batch_size: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    input: dict[str, Any] = field(default_factory=dict)  # cropping / padding applied to the clip
    responsibility: np.ndarray | None = field(default=None, repr=False)  # not serialised to JSON

    def subset(self, name: str) -> SubsetRecord | None:
        if name not in SUBSET_NAMES:
            raise KeyError(f"unknown subset {name!r}; known: {SUBSET_NAMES}")
        return getattr(self, name)

    def minimality_note(self) -> str:
        """"" when every minimality pass finished; else which ran out of budget and how far they got."""
        unfinished = [f"{name} (no removable chunk of {m['smallest_chunk_without_removal']} bins)"
                      if m["smallest_chunk_without_removal"] else f"{name} (before any chunk size was finished)"
                      for name, m in self.minimality.items() if m.get("budget_exhausted")]
        return f"; minimality budget ran out: {', '.join(unfinished)}" if unfinished else ""

    def to_dict(self) -> dict[str, Any]:
        values = {k: v for k, v in self.__dict__.items() if k != "responsibility"}
        for name in SUBSET_NAMES:
            values[name] = getattr(self, name).to_dict() if getattr(self, name) is not None else None
        values["inverse"] = asdict(self.inverse) if self.inverse is not None else None
        values["schema_version"] = SCHEMA_VERSION
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "Explanation":
        values = dict(values)
        version = values.pop("schema_version", None)
        if version != SCHEMA_VERSION:
            raise ValueError(f"explanation record has schema version {version!r}, expected {SCHEMA_VERSION}")
        for name in SUBSET_NAMES:
            if values.get(name) is not None:
                values[name] = SubsetRecord.from_dict(values[name])
        if values.get("inverse") is not None:
            values["inverse"] = InverseRecord(**values["inverse"])
        return cls(**values)

    def save_json(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=1))
        return path

    @classmethod
    def load_json(cls, path: str | Path) -> "Explanation":
        return cls.from_dict(json.loads(Path(path).read_text()))
