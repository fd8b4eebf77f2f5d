# Helpers shared by the rules: paths, model lists, input functions, params. No logic in rules.

R = config["results"]
TASKS = list(config["tasks"])


wildcard_constraints:
    task="|".join(TASKS),
    model="[A-Za-z0-9_]+",
    shard=r"\d+",


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


def model_spec(task, model):
    """What load_classifier gets: the trained model's folder or the configured source."""
    entry = model_entry(task, model)
    return model_dir(task, model) if "train" in entry else entry["source"]


def backbone(task, model):
    entry = model_entry(task, model)
    names = {"wav2vec2": "Wav2Vec2", "whisper": "Whisper", "ast": "AST", "cnn": "CNN"}
    return entry.get("backbone") or names.get(entry.get("train"), "?")


def manifest_path(wildcards):
    return f"{R}/data/{wildcards.task}/manifest.csv"


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


def task_labels(wildcards):
    return task_config(wildcards.task)["labels"]


def task_datasets(wildcards):
    return task_config(wildcards.task)["datasets"]


def explanation_shards(wildcards):
    n = config["explain"]["shards"]
    return [f"{R}/explanations/{wildcards.task}/{wildcards.model}/shard-{i}.jsonl" for i in range(n)]


def task_scores(wildcards):
    return [f"{R}/scores/{wildcards.task}/{m}.csv" for m in task_config(wildcards.task)["models"]]


def task_facts(wildcards):
    return [f"{R}/models/{wildcards.task}/{m}.facts.json" for m in task_config(wildcards.task)["models"]]


def explain_gpus():
    """GPU resource of the explanation and scoring jobs: one when they run on CUDA."""
    return 1 if config["explain"]["device"].startswith("cuda") else 0


def final_outputs():
    outputs = []
    for task in TASKS:
        outputs += [f"{R}/tables/{task}/transferability.tex", f"{R}/tables/{task}/transferability.csv"]
    return outputs
