# Helpers shared by the rules: paths, model lists, input functions, params. No logic in rules.

R = config["results"]
TASKS = list(config["tasks"])
DATASETS = config["datasets"]


def downloads_task(task):
    """A task reads downloaded datasets when all of its datasets are configured under 'datasets'."""
    names = config["tasks"][task]["datasets"]
    if all(d in DATASETS for d in names):
        return True
    if any(d in DATASETS for d in names):
        raise ValueError(f"task {task!r}: datasets {names} mix downloaded and synthetic ones")
    return False


def one_of(names):
    """A wildcard regex matching exactly these names (none when empty)."""
    return "|".join(names) if names else "(?!)"


SYNTHETIC_TASKS = [t for t in TASKS if not downloads_task(t)]
DOWNLOAD_TASKS = [t for t in TASKS if downloads_task(t)]


wildcard_constraints:
    task=one_of(TASKS),
    dataset=one_of(list(DATASETS)),
    model="[A-Za-z0-9_]+",
    shard=r"\d+",


def check_config_consistency():
    """What the schema cannot say: sections naming tasks name configured ones; ASR options fit the backend."""
    for key, named in (("contrasts", list(config["contrasts"])), ("asr.tasks", config["asr"]["tasks"]),
                       ("examples", list(config["examples"]))):
        unknown = [t for t in named if t not in TASKS]
        if unknown:
            raise ValueError(f"config {key}: unknown task(s) {unknown}; the configured tasks are {TASKS}")
    asr = config["asr"]
    if asr["backend"] == "whisper" and (asr["model"] is None or asr["vocabulary"] is not None):
        raise ValueError("config asr: the whisper backend needs asr.model (hub id or folder) and asr.vocabulary: null")
    if asr["backend"] == "pocketsphinx" and asr["model"] is not None:
        raise ValueError("config asr.model: pocketsphinx uses its bundled English model; set asr.model: null")


check_config_consistency()


def task_config(task):
    return config["tasks"][task]


def model_entry(task, model):
    try:
        return task_config(task)["models"][model]
    except KeyError:
        raise ValueError(f"task {task!r} has no model {model!r} in the config")


def is_trained(task, model):
    return "train" in model_entry(task, model)


def model_dir(task, model):
    return f"{R}/models/{task}/{model}"


def hub_source(source):
    """A hub id or folder, replaced by its local folder when hub_overrides maps it."""
    return config["hub_overrides"].get(source, source)


def model_spec(task, model):
    """What load_classifier gets: the trained model's folder or the configured source."""
    entry = model_entry(task, model)
    if "train" in entry:
        return model_dir(task, model)
    return hub_source(entry["source"])


def backbone(task, model):
    entry = model_entry(task, model)
    names = {"wav2vec2": "Wav2Vec2", "whisper": "Whisper", "ast": "AST", "cnn": "CNN"}
    return entry.get("backbone") or names.get(entry.get("train"), "?")


def manifest_path(wildcards):
    return f"{R}/data/{wildcards.task}/manifest.csv"


def task_audio(wildcards):
    """The folders holding the task's clips: declared, so that executors without a shared filesystem ship them."""
    if downloads_task(wildcards.task):
        return [f"{R}/data/{wildcards.task}/{d}" for d in task_config(wildcards.task)["datasets"]]
    return [f"{R}/data/{wildcards.task}/audio"]


def model_files(wildcards):
    """The model folder when the workflow trains it; nothing for hub ids and entry points."""
    if is_trained(wildcards.task, wildcards.model):
        return [model_dir(wildcards.task, wildcards.model)]
    return []


def task_model_files(wildcards):
    task = wildcards.task
    return [model_dir(task, m) for m in task_config(task)["models"] if is_trained(task, m)]


def task_model_specs(wildcards):
    task = wildcards.task
    return {m: model_spec(task, m) for m in task_config(task)["models"]}


def task_label_overrides(wildcards):
    task = wildcards.task
    return {m: e.get("label_overrides", {}) for m, e in task_config(task)["models"].items()}


def this_model_spec(wildcards):
    return model_spec(wildcards.task, wildcards.model)


def this_model_train(wildcards):
    entry = model_entry(wildcards.task, wildcards.model)
    return {"arch": entry["train"], "seed": entry.get("seed", 0)}


def this_model_epochs(wildcards):
    return config["training"]["epochs"][model_entry(wildcards.task, wildcards.model)["train"]]


def this_model_overrides(wildcards):
    return model_entry(wildcards.task, wildcards.model).get("label_overrides", {})


def this_model_backbone(wildcards):
    return backbone(wildcards.task, wildcards.model)


def task_counts(wildcards):
    """data.counts with the task's own counts laid over them."""
    return {**config["data"]["counts"], **task_config(wildcards.task).get("counts", {})}


def dataset_entry(wildcards):
    return DATASETS[wildcards.dataset]


def dataset_url(wildcards):
    return dataset_entry(wildcards)["url"]


def dataset_checksum(wildcards):
    return dataset_entry(wildcards)["checksum"]


def dataset_layout(wildcards):
    return dataset_entry(wildcards)["layout"]


def dataset_options(wildcards):
    return dataset_entry(wildcards)["options"]


def dataset_label_map(wildcards):
    return dataset_entry(wildcards)["label_map"]


def dataset_counts(wildcards):
    return dataset_entry(wildcards)["counts"]


def dataset_seed(wildcards):
    return dataset_entry(wildcards)["seed"]


def dataset_max_seconds(wildcards):
    return dataset_entry(wildcards)["max_seconds"]


def task_dataset_manifests(wildcards):
    return [f"{R}/data/{wildcards.task}/{d}.manifest.csv" for d in task_config(wildcards.task)["datasets"]]


def task_labels(wildcards):
    return task_config(wildcards.task)["labels"]


def task_datasets(wildcards):
    return task_config(wildcards.task)["datasets"]


def shard_files(stage, task, model, suffix):
    """A model's files of one sharded stage (explanations, scores), one per shard."""
    return [f"{R}/{stage}/{task}/{model}/shard-{i}.{suffix}" for i in range(config["explain"]["shards"])]


def explanation_shards(wildcards):
    return shard_files("explanations", wildcards.task, wildcards.model, "jsonl")


def task_scores(wildcards):
    """Every score shard of every model of the task."""
    return [path for m in task_config(wildcards.task)["models"] for path in shard_files("scores", wildcards.task, m, "csv")]


def task_facts(wildcards):
    return [f"{R}/models/{wildcards.task}/{m}.facts.json" for m in task_config(wildcards.task)["models"]]


def precision_decision(wildcards):
    """The model's precision check, needed only when the explanation queries ask for a reduced precision."""
    if config["explain"]["precision"] == "float32":
        return []
    return f"{R}/models/{wildcards.task}/{wildcards.model}.precision.json"


def explain_gpus():
    """GPU resource of the explanation and scoring jobs: one when they run on CUDA."""
    return 1 if config["explain"]["device"].startswith("cuda") else 0


def task_models(wildcards):
    return list(task_config(wildcards.task)["models"])


def this_model_facts(wildcards):
    return f"{R}/models/{wildcards.task}/{wildcards.model}.facts.json"


def task_explanations(wildcards):
    """Every explanation shard of every model of the task, by model."""
    return {m: shard_files("explanations", wildcards.task, m, "jsonl") for m in task_config(wildcards.task)["models"]}


def task_explanation_files(wildcards):
    return [path for paths in task_explanations(wildcards).values() for path in paths]


def task_facts_by_model(wildcards):
    return {m: f"{R}/models/{wildcards.task}/{m}.facts.json" for m in task_config(wildcards.task)["models"]}


def task_compositions(wildcards):
    return [f"{R}/composition/{wildcards.task}/{m}.json" for m in task_config(wildcards.task)["models"]]


def task_composite_dirs(wildcards):
    return [f"{R}/composition/{wildcards.task}/{m}" for m in task_config(wildcards.task)["models"]]


def contrast(task):
    """[real, fake] classes of a task with signature analyses (Sections 5.2-5.3), or None."""
    entry = config["contrasts"].get(task)
    if entry is None:
        return None
    unknown = [entry[k] for k in ("real", "fake") if entry[k] not in task_config(task)["labels"]]
    if unknown:
        raise ValueError(f"contrasts.{task}: {unknown} not among the task's labels {task_config(task)['labels']}")
    return [entry["real"], entry["fake"]]


def task_contrast(wildcards):
    return contrast(wildcards.task)


def this_contrast(wildcards):
    pair = contrast(wildcards.task)
    if pair is None:
        raise ValueError(f"task {wildcards.task!r} has no entry under 'contrasts' in the config")
    return {"real": pair[0], "fake": pair[1]}


def task_signatures(wildcards):
    return [f"{R}/signatures/{wildcards.task}/{m}.json" for m in task_config(wildcards.task)["models"]]


def task_asr(wildcards):
    return [f"{R}/asr/{wildcards.task}/{m}.csv" for m in task_config(wildcards.task)["models"]]


def asr_source():
    """The ASR model's folder or hub id after hub_overrides; None for pocketsphinx's bundled model."""
    model = config["asr"]["model"]
    return None if model is None else hub_source(model)


def asr_gpus():
    return 1 if config["asr"]["device"].startswith("cuda") else 0


def example_model(wildcards):
    entry = config["examples"].get(wildcards.task, {})
    return entry.get("model") or list(task_config(wildcards.task)["models"])[0]


def example_item(wildcards):
    return config["examples"].get(wildcards.task, {}).get("item")


def example_inputs(wildcards):
    model = example_model(wildcards)
    return {
        "manifest": manifest_path(wildcards),
        "audio": task_audio(wildcards),
        "entries": shard_files("explanations", wildcards.task, model, "jsonl"),
        "facts": f"{R}/models/{wildcards.task}/{model}.facts.json",
    }


def task_tables(task):
    """Every LaTeX table of a task, in the paper's order."""
    tables = [f"{R}/tables/{task}/transferability.tex", f"{R}/tables/{task}/composition.tex"]
    if contrast(task) is not None:
        tables += [f"{R}/tables/{task}/entropy_tests.tex", f"{R}/tables/{task}/signature.tex"]
    if task in config["asr"]["tasks"]:
        tables.append(f"{R}/tables/{task}/asr.tex")
    return tables


FIGURE_CAPTIONS = {
    "example": "{task}: a clip's spectrum with its sufficient, complete and 1-complete bins, and their signals (Figure 1 style).",
    "composite_psd": "{task}: Welch power spectral density of each model's composite of each class (Figure 3).",
    "entropy": "{task}: normalised spectral entropy of the signals grouped by the explaining model's class (Figure 4).",
}


def task_figures(task):
    return [(f"{R}/figures/{task}/{name}.pdf", caption.format(task=task)) for name, caption in FIGURE_CAPTIONS.items()]


def paper_tables(wildcards):
    return [t for task in TASKS for t in task_tables(task)]


def paper_figures(wildcards):
    return [path for task in TASKS for path, _ in task_figures(task)]


def paper_figure_captions(wildcards):
    return [list(figure) for task in TASKS for figure in task_figures(task)]


def final_outputs():
    outputs = [f"{R}/paper/main.tex"]
    for task in TASKS:
        outputs += [f"{R}/tables/{task}/transferability.csv", f"{R}/tables/{task}/composition.csv"]
        outputs += task_tables(task) + [path for path, _ in task_figures(task)]
    if config["paper"]["pdf"]:
        outputs.append(f"{R}/paper/main.pdf")
    return outputs
