# Models: train the workflow's own classifiers; measure size and held-out accuracy of every model.


rule train_model:
    input:
        manifest=manifest_path,
        audio=task_audio,
    output:
        model=directory(f"{R}/models/{{task}}/{{model}}"),
    params:
        train=this_model_train,
        epochs=this_model_epochs,
        labels=task_labels,
        batch_size=config["training"]["batch_size"],
        learning_rate=config["training"]["learning_rate"],
    threads: 1
    conda:
        "../envs/transferability.yaml"
    log:
        f"{R}/logs/train/{{task}}/{{model}}.log",
    benchmark:
        f"{R}/benchmarks/train/{{task}}/{{model}}.tsv"
    script:
        "../scripts/train_model.py"


rule model_facts:
    input:
        manifest=manifest_path,
        audio=task_audio,
        model=model_files,
    output:
        facts=f"{R}/models/{{task}}/{{model}}.facts.json",
    params:
        spec=this_model_spec,
        backbone=this_model_backbone,
        labels=task_labels,
        label_overrides=this_model_overrides,
        datasets=task_datasets,
        device=config["explain"]["device"],
        batch_size=config["scoring"]["batch_size"],
    threads: 1
    resources:
        gpu=explain_gpus(),
    conda:
        "../envs/transferability.yaml"
    log:
        f"{R}/logs/facts/{{task}}/{{model}}.log",
    script:
        "../scripts/model_facts.py"
