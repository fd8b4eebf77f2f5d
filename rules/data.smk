# Data: synthetic tasks generated from the seed, or datasets sampled into the same manifest (tasks
# whose datasets are all under 'datasets'): an archive (url) is downloaded, checked and extracted;
# a local folder (path) is read in place.


rule synthetic_data:
    output:
        manifest=MANIFEST,
        audio=directory(SYNTHETIC_AUDIO),
    log:
        f"{LOGS}/data/{{task}}.log",
    wildcard_constraints:
        task=one_of(SYNTHETIC_TASKS),
    conda:
        "../envs/transferability.yaml"
    params:
        counts=get_task_counts,
        seconds=config["data"]["seconds"],
        sample_rate=config["data"]["sample_rate"],
        seed=config["seed"],
        speech=config["data"]["speech"],
    script:
        "../scripts/synthetic_data.py"


rule download_dataset:
    output:
        archive=ARCHIVE,
    log:
        f"{LOGS}/download/{{dataset}}.log",
    wildcard_constraints:
        dataset=one_of(URL_DATASETS),
    localrule: True
    conda:
        "../envs/transferability.yaml"
    params:
        url=lookup(dpath="datasets/{dataset}/url", within=config),
        checksum=lookup(dpath="datasets/{dataset}/checksum", within=config),
    script:
        "../scripts/download_dataset.py"


rule extract_dataset:
    input:
        archive=ARCHIVE,
    output:
        raw=directory(RAW),
    log:
        f"{LOGS}/extract/{{dataset}}.log",
    wildcard_constraints:
        dataset=one_of(URL_DATASETS),
    localrule: True
    conda:
        "../envs/transferability.yaml"
    script:
        "../scripts/extract_dataset.py"


# A local folder is the input itself; as Snakemake compares only the folder's own modification
# time, the fingerprint of every file below it is a param (common.smk: folder_fingerprint).
rule prepare_dataset:
    input:
        dataset_root=get_dataset_root,
    output:
        manifest=DATASET_MANIFEST,
        report=DATASET_REPORT,
        audio=directory(DATASET_AUDIO),
    log:
        f"{LOGS}/prepare/{{task}}/{{dataset}}.log",
    conda:
        "../envs/transferability.yaml"
    params:
        fingerprint=get_dataset_fingerprint,
        labels=lookup(dpath="tasks/{task}/labels", within=config),
        layout=lookup(dpath="datasets/{dataset}/layout", within=config),
        options=lookup(dpath="datasets/{dataset}/options", within=config),
        label_map=lookup(dpath="datasets/{dataset}/label_map", within=config),
        counts=lookup(dpath="datasets/{dataset}/counts", within=config),
        seed=lookup(dpath="datasets/{dataset}/seed", within=config),
        max_seconds=lookup(dpath="datasets/{dataset}/max_seconds", within=config),
        sample_rate=16000,
    script:
        "../scripts/prepare_dataset.py"


rule task_manifest:
    input:
        manifests=get_dataset_manifests,
    output:
        manifest=MANIFEST,
    log:
        f"{LOGS}/data/{{task}}.log",
    wildcard_constraints:
        task=one_of(DATASET_TASKS),
    conda:
        "../envs/transferability.yaml"
    script:
        "../scripts/task_manifest.py"
