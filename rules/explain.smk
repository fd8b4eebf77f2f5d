# Explain: sufficient, complete and inverse signals per model and shard of items (resumable);
# a reduced query precision is first checked per model.


rule explain_shard:
    input:
        manifest=manifest_path,
        audio=task_audio,
        model=model_files,
        precision=precision_decision,
    output:
        entries=f"{R}/explanations/{{task}}/{{model}}/shard-{{shard}}.jsonl",
    params:
        spec=this_model_spec,
        datasets=task_datasets,
        settings=config["explain"]["settings"],
        shards=config["explain"]["shards"],
        device=config["explain"]["device"],
        precision=config["explain"]["precision"],
        cache=f"{R}/explanations/{{task}}/{{model}}/items",
    threads: 1
    resources:
        gpu=explain_gpus(),
    conda:
        "../envs/transferability.yaml"
    log:
        f"{R}/logs/explain/{{task}}/{{model}}/shard-{{shard}}.log",
    benchmark:
        f"{R}/benchmarks/explain/{{task}}/{{model}}/shard-{{shard}}.tsv"
    script:
        "../scripts/explain_shard.py"


rule precision_check:
    input:
        manifest=manifest_path,
        audio=task_audio,
        model=model_files,
    output:
        decision=f"{R}/models/{{task}}/{{model}}.precision.json",
    params:
        spec=this_model_spec,
        datasets=task_datasets,
        precision=config["explain"]["precision"],
        sample_items=config["explain"]["precision_check"]["items"],
        seed=config["explain"]["precision_check"]["seed"],
        device=config["explain"]["device"],
    threads: 1
    resources:
        gpu=explain_gpus(),
    conda:
        "../envs/transferability.yaml"
    log:
        f"{R}/logs/precision/{{task}}/{{model}}.log",
    script:
        "../scripts/precision_check.py"
