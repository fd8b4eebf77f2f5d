# Shared by the rules: every output path (built here once), the config's tasks and models, and
# the input functions (get_*). Plain config values reach rules through lookup() or config[...].
import hashlib
import os
from functools import lru_cache

R = config["results"]
TASKS = list(config["tasks"])
DATASETS = config["datasets"]
URL_DATASETS = [d for d, entry in DATASETS.items() if "url" in entry]  # downloaded and extracted
LOCAL_DATASETS = [d for d, entry in DATASETS.items() if "path" in entry]  # read in place

# Every file and folder the workflow writes. Rules name them as outputs; input functions fill in
# the wildcards with .format(); nothing else spells a path under results/.
MANIFEST = f"{R}/data/{{task}}/manifest.csv"
SYNTHETIC_AUDIO = f"{R}/data/{{task}}/audio"
ARCHIVE = f"{R}/downloads/{{dataset}}.download"
RAW = f"{R}/raw/{{dataset}}"
DATASET_MANIFEST = f"{R}/data/{{task}}/{{dataset}}.manifest.csv"
DATASET_REPORT = f"{R}/data/{{task}}/{{dataset}}.report.json"
DATASET_AUDIO = f"{R}/data/{{task}}/{{dataset}}"  # the dataset manifest's paths start with <dataset>/
MODEL_DIR = f"{R}/models/{{task}}/{{model}}"
FACTS = f"{R}/models/{{task}}/{{model}}.facts.json"
PRECISION_DECISION = f"{R}/models/{{task}}/{{model}}.precision.json"
EXPLANATIONS = f"{R}/explanations/{{task}}/{{model}}/shard-{{shard}}.jsonl"
EXPLANATION_CACHE = f"{R}/explanations/{{task}}/{{model}}/items"
SCORES = f"{R}/scores/{{task}}/{{model}}/shard-{{shard}}.csv"
COMPOSITION = f"{R}/composition/{{task}}/{{model}}.json"
COMPOSITES = f"{R}/composition/{{task}}/{{model}}"
ENTROPY = f"{R}/entropy/{{task}}.csv"
SIGNATURE = f"{R}/signatures/{{task}}/{{model}}.json"
SIGNATURE_ITEMS = f"{R}/signatures/{{task}}/{{model}}.items.csv"
TRANSCRIPTS = f"{R}/asr/{{task}}/{{model}}.csv"
ORIGINAL_TRANSCRIPTS = f"{R}/asr/originals/{{task}}.csv"  # each original clip transcribed once per task
TABLE = f"{R}/tables/{{task}}/{{table}}"
FIGURE = f"{R}/figures/{{task}}/{{figure}}.pdf"
TTEST = f"{R}/tables/{{task}}/ttest.json"
GALLERY_TASK = f"{R}/gallery/{{task}}"  # a task's page (index.html) with everything it plays and links
GALLERY_INDEX = f"{R}/gallery/index.html"
MAIN_TEX = f"{R}/paper/main.tex"
MAIN_PDF = f"{R}/paper/main.pdf"
LOGS = f"{R}/logs"  # one log per job, under a folder per stage
BENCHMARKS = f"{R}/benchmarks"  # timings of the heavy rules


def table_path(table, task="{task}"):
    return TABLE.format(task=task, table=table)


def figure_path(figure, task="{task}"):
    return FIGURE.format(task=task, figure=figure)


def dataset_task(task):
    """A task reads configured datasets (downloaded or local) when all of its datasets are under 'datasets'."""
    names = config["tasks"][task]["datasets"]
    if all(d in DATASETS for d in names):
        return True
    if any(d in DATASETS for d in names):
        raise ValueError(f"task {task!r}: datasets {names} mix configured (downloaded or local) and synthetic ones")
    return False


def one_of(names):
    """A wildcard regex matching exactly these names (none when empty)."""
    return "|".join(names) if names else "(?!)"


SYNTHETIC_TASKS = [t for t in TASKS if not dataset_task(t)]
DATASET_TASKS = [t for t in TASKS if dataset_task(t)]


def formant_speech_warning():
    """The warning that starts and ends a run whose ASR tasks speak without words (data.speech: formant), or None."""
    tasks = [t for t in config["asr"]["tasks"] if t in SYNTHETIC_TASKS]
    if config["data"]["speech"] != "formant" or not tasks:
        return None
    return (
        f"WARNING: data.speech is formant: the synthetic speech of {', '.join(tasks)} has no words, "
        "so the speech recognition tables (asr.tex, Section 5.4) are not meaningful"
    )


wildcard_constraints:
    task=one_of(TASKS),
    dataset=one_of(list(DATASETS)),
    model="[A-Za-z0-9_]+",
    shard=r"\d+",


def check_config_consistency():
    """What the schema cannot say: sections naming tasks name configured ones; ASR options fit the backend."""
    for key, named in (
        ("contrasts", list(config["contrasts"])),
        ("asr.tasks", config["asr"]["tasks"]),
        ("examples", list(config["examples"])),
    ):
        unknown = [t for t in named if t not in TASKS]
        if unknown:
            raise ValueError(f"config {key}: unknown task(s) {unknown}; the configured tasks are {TASKS}")
    for task, entry in config["contrasts"].items():
        unknown = [entry[k] for k in ("real", "fake") if entry[k] not in config["tasks"][task]["labels"]]
        if unknown:
            raise ValueError(
                f"contrasts.{task}: {unknown} not among the task's labels {config['tasks'][task]['labels']}"
            )
    asr = config["asr"]
    if asr["backend"] == "whisper" and (asr["model"] is None or asr["vocabulary"] is not None):
        raise ValueError("config asr: the whisper backend needs asr.model (hub id or folder) and asr.vocabulary: null")
    if asr["backend"] == "pocketsphinx" and asr["model"] is not None:
        raise ValueError("config asr.model: pocketsphinx uses its bundled English model; set asr.model: null")


check_config_consistency()


def task_models(task):
    return list(config["tasks"][task]["models"])


def model_entry(task, model):
    try:
        return config["tasks"][task]["models"][model]
    except KeyError:
        raise ValueError(f"task {task!r} has no model {model!r} in the config")


def is_trained(task, model):
    return "train" in model_entry(task, model)


def hub_source(source):
    """A hub id or folder, replaced by its local folder when hub_overrides maps it."""
    return config["hub_overrides"].get(source, source)


def model_spec(task, model):
    """What load_classifier gets: the trained model's folder or the configured source."""
    entry = model_entry(task, model)
    if "train" in entry:
        return MODEL_DIR.format(task=task, model=model)
    return hub_source(entry["source"])


def check_dataset_config():
    """What the schema cannot say about datasets: a local path is a folder and has no checksum; a task that
    trains models samples train items from its datasets (a csv table may give them as its split column)."""
    for name in LOCAL_DATASETS:
        entry = DATASETS[name]
        if not os.path.isdir(entry["path"]):
            raise ValueError(f"datasets.{name}.path: {entry['path']!r} is not a folder (relative to {os.getcwd()})")
        if entry.get("checksum") is not None:
            raise ValueError(f"datasets.{name}.checksum: only a downloaded archive (url) has a checksum")
    for task in DATASET_TASKS:
        entries = [DATASETS[d] for d in config["tasks"][task]["datasets"]]
        trained = [m for m in task_models(task) if is_trained(task, m)]
        sampled = any(e.get("counts", {}).get("train", 0) > 0 or e["layout"] == "csv" for e in entries)
        if trained and not sampled:
            raise ValueError(
                f"task {task!r} trains {trained} but its datasets {config['tasks'][task]['datasets']} give no"
                " train items: set datasets.<name>.counts.train"
            )


@lru_cache
def folder_fingerprint(folder):
    """sha256 of the relative path, size and modification time of every visible file below ``folder``: a
    parameter of prepare_dataset, so that a file added, removed or changed anywhere in a local dataset
    reruns it (Snakemake itself only compares the folder's own modification time)."""
    digest = hashlib.sha256()
    for current, folders, files in os.walk(folder):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in sorted(name for name in files if not name.startswith(".")):
            path = os.path.join(current, name)
            try:
                info = os.stat(path)
                stamp = f"{info.st_size}\0{info.st_mtime_ns}"
            except OSError:  # a broken link: prepare_dataset reports it as unreadable
                stamp = "unreadable"
            digest.update(f"{os.path.relpath(path, folder)}\0{stamp}\n".encode())
    return digest.hexdigest()


def dataset_root(dataset):
    """Where a dataset's layout reads: its local folder, or the folder its archive is extracted into."""
    entry = DATASETS[dataset]
    return entry["path"] if "path" in entry else RAW.format(dataset=dataset)


check_dataset_config()


def shard_paths(pattern, task, model):
    """A model's files of one sharded stage (EXPLANATIONS, SCORES), one per shard."""
    return [pattern.format(task=task, model=model, shard=i) for i in range(config["explain"]["shards"])]


def contrast(task):
    """{real, fake} classes of a task with the spoof analyses (Sections 5.2-5.3), or None."""
    return config["contrasts"].get(task)


def on_cuda(device):
    """GPU resource of a job on ``device``: one when it runs on CUDA."""
    return 1 if device.startswith("cuda") else 0


def example_model(task):
    return config["examples"].get(task, {}).get("model") or task_models(task)[0]


# Input functions and params that depend on the wildcards.


def get_task_audio(wildcards):
    """The folders holding the task's clips: declared, so that executors without a shared filesystem ship them."""
    if dataset_task(wildcards.task):
        return [
            DATASET_AUDIO.format(task=wildcards.task, dataset=d) for d in config["tasks"][wildcards.task]["datasets"]
        ]
    return [SYNTHETIC_AUDIO.format(task=wildcards.task)]


def get_model_dir(wildcards):
    """The model folder when the workflow trains it; nothing for hub ids and entry points."""
    if is_trained(wildcards.task, wildcards.model):
        return [MODEL_DIR.format(task=wildcards.task, model=wildcards.model)]
    return []


def get_task_model_dirs(wildcards):
    task = wildcards.task
    return [MODEL_DIR.format(task=task, model=m) for m in task_models(task) if is_trained(task, m)]


def get_task_models(wildcards):
    return task_models(wildcards.task)


def get_model_spec(wildcards):
    return model_spec(wildcards.task, wildcards.model)


def get_task_model_specs(wildcards):
    return {m: model_spec(wildcards.task, m) for m in task_models(wildcards.task)}


def get_task_label_overrides(wildcards):
    return {m: e["label_overrides"] for m, e in config["tasks"][wildcards.task]["models"].items()}


def get_backbone(wildcards):
    entry = model_entry(wildcards.task, wildcards.model)
    names = {"wav2vec2": "Wav2Vec2", "whisper": "Whisper", "ast": "AST", "cnn": "CNN"}
    return entry.get("backbone") or names.get(entry.get("train"), "?")


def get_epochs(wildcards):
    return config["training"]["epochs"][model_entry(wildcards.task, wildcards.model)["train"]]


def get_task_counts(wildcards):
    """data.counts with the task's own counts laid over them."""
    return {**config["data"]["counts"], **config["tasks"][wildcards.task].get("counts", {})}


def get_dataset_root(wildcards):
    return dataset_root(wildcards.dataset)


def get_dataset_fingerprint(wildcards):
    """A local dataset's folder_fingerprint; None for a downloaded one (Snakemake tracks its archive)."""
    entry = DATASETS[wildcards.dataset]
    return folder_fingerprint(entry["path"]) if "path" in entry else None


def get_dataset_manifests(wildcards):
    return [
        DATASET_MANIFEST.format(task=wildcards.task, dataset=d) for d in config["tasks"][wildcards.task]["datasets"]
    ]


def get_explanations(wildcards):
    return shard_paths(EXPLANATIONS, wildcards.task, wildcards.model)


def get_task_explanations(wildcards):
    """Every explanation shard of every model of the task, by model."""
    return {m: shard_paths(EXPLANATIONS, wildcards.task, m) for m in task_models(wildcards.task)}


def get_task_explanation_files(wildcards):
    return [path for paths in get_task_explanations(wildcards).values() for path in paths]


def get_task_scores(wildcards):
    """Every score shard of every model of the task."""
    return [path for m in task_models(wildcards.task) for path in shard_paths(SCORES, wildcards.task, m)]


def get_task_facts(wildcards):
    return [FACTS.format(task=wildcards.task, model=m) for m in task_models(wildcards.task)]


def get_task_facts_by_model(wildcards):
    return {m: FACTS.format(task=wildcards.task, model=m) for m in task_models(wildcards.task)}


def get_precision_decision(wildcards):
    """The model's precision check, needed only when the explanation queries ask for a reduced precision."""
    if config["explain"]["precision"] == "float32":
        return []
    return PRECISION_DECISION.format(task=wildcards.task, model=wildcards.model)


def get_task_compositions(wildcards):
    return [COMPOSITION.format(task=wildcards.task, model=m) for m in task_models(wildcards.task)]


def get_task_composites(wildcards):
    return [COMPOSITES.format(task=wildcards.task, model=m) for m in task_models(wildcards.task)]


def get_task_composition_by_model(wildcards):
    """Per model: its composition summary and its composites folder."""
    task = wildcards.task
    return {
        m: [COMPOSITION.format(task=task, model=m), COMPOSITES.format(task=task, model=m)] for m in task_models(task)
    }


def get_contrast(wildcards):
    return contrast(wildcards.task)


def get_required_contrast(wildcards):
    pair = contrast(wildcards.task)
    if pair is None:
        raise ValueError(f"task {wildcards.task!r} has no entry under 'contrasts' in the config")
    return pair


def get_task_signatures(wildcards):
    return [SIGNATURE.format(task=wildcards.task, model=m) for m in task_models(wildcards.task)]


def get_task_transcripts(wildcards):
    return [TRANSCRIPTS.format(task=wildcards.task, model=m) for m in task_models(wildcards.task)]


def get_asr_source():
    """The ASR model's folder or hub id after hub_overrides; None for pocketsphinx's bundled model."""
    model = config["asr"]["model"]
    return None if model is None else hub_source(model)


def get_example_model(wildcards):
    return example_model(wildcards.task)


def get_example_explanations(wildcards):
    return shard_paths(EXPLANATIONS, wildcards.task, example_model(wildcards.task))


def get_example_facts(wildcards):
    return FACTS.format(task=wildcards.task, model=example_model(wildcards.task))


# The paper: every table and figure of every task, in the paper's order.


def task_table_names(task):
    """Every LaTeX table of a task (file names), in the paper's order."""
    names = ["transferability.tex", "flat_earth.tex", "composition.tex"]
    if contrast(task) is not None:
        names += ["entropy_tests.tex", "signature.tex"]
    if task in config["asr"]["tasks"]:
        names.append("asr.tex")
    return names


def task_tables(task):
    """Every LaTeX table of a task, in the paper's order."""
    return [table_path(name, task) for name in task_table_names(task)]


FIGURE_CAPTIONS = {
    "example": "{task}: a clip's spectrum with its sufficient, complete and 1-complete bins, and their signals (Figure 1 style).",
    "beta_epsilon": "{task}: beta-transferability of sufficient and complete signals as epsilon goes from 0 to 1, one line "
    "per source model (mean over the other models as targets), computed exactly from the stored probabilities (a step "
    "wherever epsilon reaches a signal's entropy). Legend: held-out accuracy with its Wilson interval (* at or below "
    "chance); a dagger marks a model confident on the all-zero signal (see the transferability table).",
    "composite_psd": "{task}: Welch power spectral density of each model's composite of each class (Figure 3).",
    "entropy": "{task}: normalised spectral entropy of the signals grouped by the explaining model's class (Figure 4).",
}


def task_figures(task):
    return [(figure_path(name, task), caption.format(task=task)) for name, caption in FIGURE_CAPTIONS.items()]


def get_paper_tables(wildcards):
    return [t for task in TASKS for t in task_tables(task)]


def get_paper_figures(wildcards):
    return [path for task in TASKS for path, _ in task_figures(task)]


def get_paper_figure_captions(wildcards):
    return [list(figure) for task in TASKS for figure in task_figures(task)]


def gallery_documents(task):
    """[path, caption] of a task's tables (LaTeX, CSV, t-test) and figures, copied into its gallery page."""
    names = ["transferability_beta.tex", "transferability_joint.tex", "ttest.json"]
    names += [f"{name[:-4]}{suffix}" for name in task_table_names(task) for suffix in (".tex", ".csv")]
    return [[table_path(name, task), ""] for name in sorted(names)] + [list(figure) for figure in task_figures(task)]


def get_gallery_documents(wildcards):
    return gallery_documents(wildcards.task)


def get_gallery_files(wildcards):
    return [path for path, _ in gallery_documents(wildcards.task)]


def final_outputs():
    outputs = [MAIN_TEX, GALLERY_INDEX]
    for task in TASKS:
        outputs += [table_path(name, task) for name in ("transferability.csv", "flat_earth.csv", "composition.csv")]
        outputs += task_tables(task) + [path for path, _ in task_figures(task)]
    if config["paper"]["pdf"]:
        outputs.append(MAIN_PDF)
    return outputs
