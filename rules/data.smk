# Data: synthetic tasks generated from the seed, or real datasets downloaded, checked, extracted
# and sampled into the same manifest (tasks whose datasets are all under 'datasets').


rule synthetic_data:
    wildcard_constraints:
        task=one_of(SYNTHETIC_TASKS),
    output:
        manifest=f"{R}/data/{{task}}/manifest.csv",
        audio=directory(f"{R}/data/{{task}}/audio"),
    params:
        task="{task}",
        counts=task_counts,
        seconds=config["data"]["seconds"],
        sample_rate=config["data"]["sample_rate"],
        seed=config["seed"],
        speech=config["data"]["speech"],
    conda:
        "../envs/transferability.yaml"
    log:
        f"{R}/logs/data/{{task}}.log",
    script:
        "../scripts/synthetic_data.py"


rule download_dataset:
    output:
        archive=f"{R}/downloads/{{dataset}}.download",
    params:
        url=dataset_url,
        checksum=dataset_checksum,
    localrule: True
    log:
        f"{R}/logs/download/{{dataset}}.log",
    script:
        "../scripts/download_dataset.py"


rule extract_dataset:
    input:
        archive=f"{R}/downloads/{{dataset}}.download",
    output:
        raw=directory(f"{R}/raw/{{dataset}}"),
    localrule: True
    log:
        f"{R}/logs/extract/{{dataset}}.log",
    script:
        "../scripts/extract_dataset.py"


rule prepare_dataset:
    input:
        raw=f"{R}/raw/{{dataset}}",
    output:
        manifest=f"{R}/data/{{task}}/{{dataset}}.manifest.csv",
        report=f"{R}/data/{{task}}/{{dataset}}.report.json",
        audio=directory(f"{R}/data/{{task}}/{{dataset}}"),  # the manifest's paths start with <dataset>/
    params:
        task="{task}",
        dataset="{dataset}",
        labels=task_labels,
        layout=dataset_layout,
        options=dataset_options,
        label_map=dataset_label_map,
        counts=dataset_counts,
        seed=dataset_seed,
        max_seconds=dataset_max_seconds,
        sample_rate=16000,
    log:
        f"{R}/logs/prepare/{{task}}/{{dataset}}.log",
    script:
        "../scripts/prepare_dataset.py"


rule task_manifest:
    wildcard_constraints:
        task=one_of(DOWNLOAD_TASKS),
    input:
        manifests=task_dataset_manifests,
    output:
        manifest=f"{R}/data/{{task}}/manifest.csv",
    log:
        f"{R}/logs/data/{{task}}.log",
    script:
        "../scripts/task_manifest.py"
