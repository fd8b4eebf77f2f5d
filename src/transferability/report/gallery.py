"""One task's page of the listening gallery: chosen items, their signals as audio and pictures,
and which of the task's models accept each signal.

For every dataset and class of the task, ``items_per_class`` items of the explain split are
drawn with the gallery seed (from the items some model explained with status ok; the same items
for every model, so the models can be compared on one clip). For each item and model the page
shows the explained class and confidence, a Figure-1 style picture (the spectrum with the kept
bins ringed, every signal at its own scale with its level re the original), a player per
signal (:mod:`~transferability.report.gallery_audio`), and for each scored signal how every model
of the task answered: its class, the entropy of its output against Definition 4's bound, and
whether that makes alpha (same class), beta (low entropy) or both (joint) -- the indicators of
:func:`~transferability.analysis.transfer_statistics.per_signal_indicators`, so the page agrees
with the tables. Each task folder is self-contained (every file it plays or links is inside it),
so it can be moved, served or bundled into the Snakemake report as it is.
"""
from __future__ import annotations

import io
import json
import re
import shutil
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from PIL import Image

from transferability.analysis.explanations import ExplainedItem, explained_items, label_mapping, read_entries
from transferability.analysis.score_table import SIGNALS as SCORED_SIGNALS
from transferability.analysis.score_table import probability_columns
from transferability.analysis.transfer_statistics import per_signal_indicators
from transferability.data.audio import load_audio
from transferability.data.manifest import read_manifest
from transferability.data.splits import choose_items
from transferability.report.explanation_figure import (
    FIGURE_NAMES,
    SIGNAL_STYLES,
    explanation_figure,
    explanation_masks,
    figure_signals,
    level_db,
)
from transferability.report.gallery_audio import relative_gains, write_playable

Log = Callable[[str], None]
SIGNAL_NAMES = ("original", "sufficient", "complete", "one_complete", "inverse")
SIGNAL_LABELS = {"original": "original", **FIGURE_NAMES, "inverse": "inverse"}
SUMMARY = "gallery.json"
PAGE = "index.html"
FIGURE_WIDTH, FIGURE_DPI = 8.0, 72   # 576 pixels wide


@dataclass(frozen=True)
class Acceptance:
    """How one target model answered on one signal (Definition 4 at the page's epsilon)."""

    target: str
    predicted_class: str
    probability: float      # the target's probability of its predicted class
    entropy_bits: float
    same_class: bool        # alpha: the class the source model explained
    low_entropy: bool       # beta: entropy at most epsilon * log2(K)
    is_source: bool         # the explaining model itself (the tables leave it out)

    @property
    def transfers(self) -> bool:
        return self.same_class and self.low_entropy


@dataclass(frozen=True)
class SignalView:
    """One signal of one explanation as the page shows it."""

    name: str
    audio: str                        # path of its playable copy, relative to the page
    gain: float                       # player volume that restores its true level within the card
    level_db: float                   # RMS level re the original
    bins: int | None                  # kept bins (None: original and inverse)
    fraction: float | None
    source_class: str | None          # the explaining model's (canonical) class on it
    source_confidence: float | None   # the explaining model's probability of the explained class
    acceptance: tuple[Acceptance, ...] = ()   # empty: not scored across models


@dataclass(frozen=True)
class ModelCard:
    """One model's explanation of one item."""

    model: str
    explained_class: str
    p0: float
    figure: str
    signals: tuple[SignalView, ...]
    chain_stable: bool | None
    converged: bool | None


@dataclass(frozen=True)
class ItemBlock:
    """A chosen item and the cards of the models that explained it."""

    item_id: str
    dataset: str
    label: str
    cards: tuple[ModelCard, ...]
    missing: tuple[str, ...]          # models without an explanation of it (status not ok)


@dataclass(frozen=True)
class ModelFacts:
    name: str
    backbone: str
    size_m: float
    accuracy: dict[str, float]


@dataclass(frozen=True)
class CompositeView:
    """A model's composite of one dataset and class (Section 5.1); ``audio`` None when nothing was kept."""

    model: str
    dataset: str
    class_name: str
    audio: str | None
    tried: int
    kept: int


@dataclass(frozen=True)
class TaskPage:
    task: str
    labels: list[str]
    datasets: list[str]
    models: list[ModelFacts]
    epsilon: float
    bound_bits: float
    items: list[ItemBlock]
    transferability: pd.DataFrame     # tables/<task>/transferability.csv (long form)
    composites: list[CompositeView]
    documents: list[tuple[str, str]]  # (page-relative path, caption) of the copied tables and figures
    audio_format: str


@dataclass
class TaskSummary:
    """What the gallery's front page says about a task page (``gallery.json`` in its folder)."""

    task: str
    models: list[str]
    labels: list[str]
    datasets: list[str]
    epsilon: float
    items: int
    cards: int
    audio_files: int
    bytes: int
    audio_format: str
    mean_rates: dict[str, float] = field(default_factory=dict)  # "<metric> <signal>" -> mean off-diagonal cell

    def save(self, folder: Path) -> Path:
        path = Path(folder) / SUMMARY
        path.write_text(json.dumps(asdict(self), indent=1))
        return path

    @classmethod
    def load(cls, folder: Path) -> "TaskSummary":
        return cls(**json.loads((Path(folder) / SUMMARY).read_text()))


def safe_name(text: str) -> str:
    """``text`` as a file name: other characters than letters, digits, ``.``, ``_``, ``-`` become ``_``,
    and a checksum of the original keeps two names that differ only there apart."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", text).lstrip(".") or "_"
    return cleaned if cleaned == text else f"{cleaned}-{zlib.crc32(text.encode()):08x}"


def explained_candidates(manifest: Path, entries_by_model: dict[str, list[Path]]) -> pd.DataFrame:
    """The manifest rows (item_id, dataset, label) of items at least one model explained with status ok."""
    explained = {e["item_id"] for paths in entries_by_model.values() for e in read_entries(paths) if e["status"] == "ok"}
    frame = read_manifest(manifest)
    return frame[frame["item_id"].isin(explained)][["item_id", "dataset", "label"]].reset_index(drop=True)


def acceptance_of(indicators: pd.DataFrame, models: list[str]) -> dict[tuple[str, str, str, str], tuple[Acceptance, ...]]:
    """(source_model, dataset, item_id, signal) -> every target's answer, in ``models`` order."""
    probabilities = indicators[probability_columns(indicators)].to_numpy(dtype=float)
    rank = {m: i for i, m in enumerate(models)}
    found: dict[tuple[str, str, str, str], list[tuple[int, Acceptance]]] = {}
    for row, probs in zip(indicators.itertuples(index=False), probabilities):
        key = (row.source_model, row.dataset, row.item_id, row.signal)
        mark = Acceptance(target=row.target_model, predicted_class=row.predicted_class, probability=float(probs.max()),
                          entropy_bits=float(row.entropy_bits), same_class=bool(row.same_class),
                          low_entropy=bool(row.low_entropy), is_source=row.target_model == row.source_model)
        found.setdefault(key, []).append((rank.get(row.target_model, len(rank)), mark))
    return {key: tuple(mark for _, mark in sorted(marks, key=lambda pair: pair[0])) for key, marks in found.items()}


class _Originals:
    """Playable copies of the originals: one per item, another only where a model saw another clip."""

    def __init__(self, folder: Path, audio_format: str) -> None:
        self.folder, self.audio_format = folder, audio_format
        self.written: dict[str, list[tuple[np.ndarray, int, Path, float]]] = {}

    def path(self, item: ExplainedItem, model: str) -> tuple[Path, float]:
        """Where the original this model saw is, and its peak."""
        item_id = item.record.clip_id
        for waveform, rate, path, peak in self.written.get(item_id, []):
            if rate == item.record.sample_rate and np.array_equal(waveform, item.original):
                return path, peak
        first = item_id not in self.written
        stem = self.folder / "audio" / safe_name(item_id) / ("original" if first else f"{safe_name(model)}-original")
        written = write_playable(stem, item.original, item.record.sample_rate, self.audio_format)
        self.written.setdefault(item_id, []).append((item.original, item.record.sample_rate, written.path, written.peak))
        return written.path, written.peak


def _model_card(item: ExplainedItem, model: str, marks: dict, originals: _Originals, mapping: dict[str, str],
                folder: Path, audio_format: str) -> ModelCard:
    """Render, write and describe one model's explanation of one item."""
    record = item.record
    signals = item.signals()
    item_folder = folder / "audio" / safe_name(record.clip_id) / safe_name(model)
    original_path, original_peak = originals.path(item, model)
    paths, peaks = {"original": original_path}, {"original": original_peak}
    for name in SIGNAL_NAMES[1:]:
        if name in signals:
            written = write_playable(item_folder / name, signals[name], record.sample_rate, audio_format)
            paths[name], peaks[name] = written.path, written.peak
    names = [n for n in SIGNAL_NAMES if n in paths]
    gains = dict(zip(names, relative_gains([peaks[n] for n in names])))
    views = []
    for name in names:
        subset = record.subset(name) if name in FIGURE_NAMES else None
        if name == "original":
            own_class, own_confidence = item.explained_class, record.p0
        elif name == "inverse":
            own_class, own_confidence = mapping.get(record.inverse.class_name), record.inverse.confidence
        else:
            own_class, own_confidence = mapping.get(subset.class_name), subset.confidence
        views.append(SignalView(
            name=name, audio=paths[name].relative_to(folder).as_posix(), gain=gains[name],
            level_db=level_db(signals[name], item.original), bins=subset.size if subset else None,
            fraction=subset.fraction if subset else None, source_class=own_class, source_confidence=own_confidence,
            acceptance=marks.get((model, item.dataset, record.clip_id, name), ()) if name in SCORED_SIGNALS else (),
        ))
    figure = folder / "items" / safe_name(model) / f"{safe_name(record.clip_id)}.png"
    title = f"{record.clip_id}: {model} -> {item.explained_class} (p0 = {record.p0:.3f})"
    save_palette_png(explanation_figure(item.original, record.sample_rate, explanation_masks(record), title,
                                        figure_signals(signals), FIGURE_WIDTH, FIGURE_DPI, what=record.clip_id), figure)
    return ModelCard(model=model, explained_class=item.explained_class, p0=float(record.p0),
                     figure=figure.relative_to(folder).as_posix(), signals=tuple(views),
                     chain_stable=record.stability.get("chain_stable"), converged=record.stability.get("converged"))


def figure_palette() -> Image.Image:
    """A fixed palette for the explanation figures: 32 greys, and each signal's colour blended with white
    at 8 levels (its anti-aliased edges), so no colour of a mark can be lost to an adaptive palette."""
    greys = [(v, v, v) for v in np.linspace(0, 255, 32).round().astype(int)]
    blends = [tuple(int(round(255 * (a * c + 1 - a))) for c in to_rgb(colour))
              for colour in SIGNAL_STYLES.values() if colour != "black" for a in np.linspace(0.125, 1.0, 8)]
    colours = [value for rgb in greys + blends for value in rgb]
    palette = Image.new("P", (1, 1))
    palette.putpalette(colours + colours[-3:] * (256 - len(colours) // 3))
    return palette


def save_palette_png(fig: Figure, path: Path) -> Path:
    """``fig`` as a PNG on :func:`figure_palette` (no dithering): about a third of the bytes of full colour."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    fig.clear()
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.open(buffer).convert("RGB").quantize(palette=figure_palette(), dither=Image.Dither.NONE)
    image.save(path, format="PNG", optimize=True)
    return path


def _model_facts(facts_by_model: dict[str, Path]) -> list[ModelFacts]:
    found = []
    for model, path in facts_by_model.items():
        facts = json.loads(Path(path).read_text())
        found.append(ModelFacts(model, str(facts.get("backbone", "?")), float(facts.get("size_m", float("nan"))),
                                {k: float(v) for k, v in facts.get("accuracy", {}).items()}))
    return found


def _composites(compositions: dict[str, tuple[Path, Path]], folder: Path, audio_format: str) -> list[CompositeView]:
    """Playable copies of every composite the composition rule wrote, with its kept / tried counts."""
    views = []
    for model, (summary, source_folder) in compositions.items():
        payload = json.loads(Path(summary).read_text())
        for composite in payload["composites"]:
            audio = None
            if "wav" in composite:
                clip = load_audio(Path(source_folder) / composite["wav"], payload["sample_rate"])
                stem = folder / "composites" / safe_name(model) / safe_name(composite["dataset"]) / safe_name(composite["class"])
                audio = write_playable(stem, clip.waveform, clip.sample_rate, audio_format).path.relative_to(folder).as_posix()
            views.append(CompositeView(model, composite["dataset"], composite["class"], audio,
                                       int(composite["tried"]), int(composite["kept"])))
    return views


def _copy_documents(documents: list[tuple[Path, str]], folder: Path) -> list[tuple[str, str]]:
    """Copies of the task's tables and figures in the page's folder, as (relative path, caption)."""
    copied = []
    for source, caption in documents:
        kind = "figures" if Path(source).suffix == ".pdf" else "tables"
        target = folder / kind / Path(source).name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copied.append((target.relative_to(folder).as_posix(), caption))
    return copied


def mean_rates(transferability: pd.DataFrame) -> dict[str, float]:
    """Mean of the row averages per metric and signal (pooled over datasets): the page's headline numbers."""
    rows = transferability[transferability["target"] == "row_average"]
    means = rows.groupby(["metric", "signal"], sort=False)["value"].mean()
    return {f"{metric} {signal}": float(value) for (metric, signal), value in means.items()}


def build_task_gallery(
    folder: Path, task: str, manifest: Path, entries_by_model: dict[str, list[Path]],
    facts_by_model: dict[str, Path], scores: pd.DataFrame, transferability: pd.DataFrame, labels: list[str],
    datasets: list[str], epsilon: float, items_per_class: int, seed: int, audio_format: str,
    compositions: dict[str, tuple[Path, Path]], documents: list[tuple[Path, str]], log: Log,
) -> TaskPage:
    """Write a task's audio, pictures and copies of its tables and figures under ``folder`` (emptied
    first) and describe its page; ``compositions`` maps each model to its composition summary and
    composites folder, ``documents`` are (table or figure, caption)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    models = list(entries_by_model)
    chosen = choose_items(explained_candidates(manifest, entries_by_model), datasets, labels, items_per_class, seed)
    log(f"{task}: {len(chosen)} items chosen ({items_per_class} per dataset and class, seed {seed})")
    marks = acceptance_of(per_signal_indicators(scores, epsilon), models)
    originals = _Originals(folder, audio_format)
    wanted = set(chosen["item_id"])
    by_model = {}
    for model in models:
        mapping = label_mapping(facts_by_model[model])
        items = explained_items(manifest, entries_by_model[model], mapping, log, item_ids=wanted)
        by_model[model] = ({i.record.clip_id: i for i in items}, mapping)
    blocks = []
    for row in chosen.itertuples(index=False):
        cards, missing = [], []
        for model in models:
            explained, mapping = by_model[model]
            if row.item_id not in explained:
                missing.append(model)
                continue
            cards.append(_model_card(explained[row.item_id], model, marks, originals, mapping, folder, audio_format))
        blocks.append(ItemBlock(row.item_id, row.dataset, row.label, tuple(cards), tuple(missing)))
        log(f"{row.item_id}: {len(cards)} explanations" + (f", none by {', '.join(missing)}" if missing else ""))
    return TaskPage(task=task, labels=labels, datasets=datasets, models=_model_facts(facts_by_model), epsilon=epsilon,
                    bound_bits=epsilon * float(np.log2(len(labels))), items=blocks, transferability=transferability,
                    composites=_composites(compositions, folder, audio_format),
                    documents=_copy_documents(documents, folder), audio_format=audio_format)


def summarise(page: TaskPage, folder: Path) -> TaskSummary:
    """The front page's facts about a written task folder (sizes counted on disk)."""
    files = [p for p in Path(folder).rglob("*") if p.is_file() and p.name != SUMMARY]
    return TaskSummary(
        task=page.task, models=[m.name for m in page.models], labels=page.labels, datasets=page.datasets,
        epsilon=page.epsilon, items=len(page.items), cards=sum(len(b.cards) for b in page.items),
        audio_files=sum(p.suffix in (".wav", ".flac") for p in files), bytes=sum(p.stat().st_size for p in files),
        audio_format=page.audio_format, mean_rates=mean_rates(page.transferability),
    )
