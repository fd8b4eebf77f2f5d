# Models: train the workflow's own classifiers; measure size and held-out accuracy of every model.


rule train_model:
    input:
        manifest=MANIFEST,
        audio=get_task_audio,
    output:
        model_dir=directory(MODEL_DIR),
    log:
        f"{LOGS}/train/{{task}}/{{model}}.log",
    benchmark:
        f"{BENCHMARKS}/train/{{task}}/{{model}}.tsv"
    conda:
        "../envs/transferability.yaml"
    threads: 1
    params:
        architecture=lookup(dpath="tasks/{task}/models/{model}/train", within=config),
        seed=lookup(dpath="tasks/{task}/models/{model}/seed", within=config),
        epochs=get_epochs,
        labels=lookup(dpath="tasks/{task}/labels", within=config),
        batch_size=config["training"]["batch_size"],
        learning_rate=config["training"]["learning_rate"],
    script:
        "../scripts/train_model.py"


rule model_facts:
    input:
        manifest=MANIFEST,
        audio=get_task_audio,
        model_dir=get_model_dir,
    output:
        facts=FACTS,
    log:
        f"{LOGS}/facts/{{task}}/{{model}}.log",
    conda:
        "../envs/transferability.yaml"
    threads: 1
    resources:
        gpu=on_cuda(config["explain"]["device"]),
    params:
        spec=get_model_spec,
        backbone=get_backbone,
        labels=lookup(dpath="tasks/{task}/labels", within=config),
        label_overrides=lookup(dpath="tasks/{task}/models/{model}/label_overrides", within=config),
        datasets=lookup(dpath="tasks/{task}/datasets", within=config),
        device=config["explain"]["device"],
        batch_size=config["scoring"]["batch_size"],
    script:
        "../scripts/model_facts.py"
