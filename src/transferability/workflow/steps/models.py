"""Steps of rules/models.smk: train a model of the zoo; measure any model's size, held-out accuracy and
verdict on the all-zero signal."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from transferability.data.manifest import ManifestError
from transferability.data.splits import load_split
from transferability.models.labels import LabelMap
from transferability.models.loading import load_classifier
from transferability.models.probabilities import target_probabilities
from transferability.models.zero_signal import ZERO_SIGNAL_CONFIDENCE, zero_signal_verdict
from transferability.workflow.steps import Log

TRAINING_SAMPLE_RATE = 16_000  # the workflow's own models take 16 kHz, like the paper's


def train_model(
    manifest: Path, architecture: str, seed: int, labels: list[str], epochs: int, batch_size: int,
    learning_rate: float, model_dir: Path, log: Log,
) -> None:
    """Train one architecture on the task's train split and save it where load_classifier finds it."""
    from transferability.models.zoo import pad_to_common_length, train

    waveforms, targets = load_split(manifest, "train", labels, TRAINING_SAMPLE_RATE)
    if not waveforms:
        raise ManifestError(f"manifest {manifest}: no train items to train {architecture} on (a downloaded or local"
                            " dataset needs counts.train > 0, or train rows in its table's split column)")
    clips = pad_to_common_length(waveforms)
    padded = sum(waveform.shape[0] != clips.shape[1] for waveform in waveforms)
    log(f"training {architecture} (seed {seed}) on {len(targets)} clips of {clips.shape[1]} samples"
        f" ({padded} zero-padded to that length), {epochs} epochs")
    facts = train(architecture, clips, targets, labels, model_dir, seed=seed, epochs=epochs,
                  batch_size=batch_size, learning_rate=learning_rate, log=log)
    log(json.dumps(facts))


def model_facts(
    manifest: Path, model: str, spec: str, backbone: str, labels: list[str], label_overrides: dict[str, str],
    datasets: list[str], device: str, batch_size: int, facts: Path, log: Log,
) -> None:
    """Size, held-out accuracy and the all-zero signal's verdict (per dataset, on canonical labels) of one model.

    The all-zero clip of a dataset is as long as its median held-out clip (at the model's rate).
    """
    classifier = load_classifier(spec, device=device, name=model)
    label_map = LabelMap.build(model, classifier.class_names, labels, label_overrides)
    accuracy, counts, zero_signal = {}, {}, {}
    for dataset in datasets:
        waveforms, targets = load_split(manifest, "heldout", labels, classifier.sample_rate, [dataset])
        probs = target_probabilities(waveforms, classifier.sample_rate, classifier, batch_size)
        predicted = label_map.to_canonical(probs).argmax(axis=1)
        accuracy[dataset], counts[dataset] = float((predicted == targets).mean()), int(len(targets))
        log(f"{model} on {dataset}: accuracy {accuracy[dataset]:.3f} over {counts[dataset]} held-out clips")
        verdict = zero_signal_verdict(classifier, label_map, int(np.median([w.shape[0] for w in waveforms])))
        zero_signal[dataset] = verdict.as_dict()
        log(f"{model} on the all-zero signal of {verdict.samples} samples ({dataset}): {verdict.label} "
            f"with probability {verdict.probability:.3f}" + (" (confident)" if verdict.confident else ""))
    measured = {
        "model": model, "spec": spec, "backbone": backbone,
        "parameters": classifier.parameter_count,
        "size_m": classifier.parameter_count / 1e6 if classifier.parameter_count else float("nan"),
        "accuracy": accuracy, "heldout_items": counts, "label_mapping": label_map.mapping,
        "zero_signal": zero_signal, "zero_signal_threshold": ZERO_SIGNAL_CONFIDENCE,
        "zero_signal_confident": any(v["confident"] for v in zero_signal.values()),
    }
    facts.write_text(json.dumps(measured, indent=1))
