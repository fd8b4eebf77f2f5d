# Explain: sufficient, complete and inverse signals per model and shard of items (resumable);
# a reduced query precision is first checked per model.


rule explain_shard:
    input:
        manifest=MANIFEST,
        audio=get_task_audio,
        model_dir=get_model_dir,
        precision_check=get_precision_decision,
    output:
        entries=EXPLANATIONS,
    params:
        spec=get_model_spec,
        datasets=lookup(dpath="tasks/{task}/datasets", within=config),
        settings=config["explain"]["settings"],
        shards=config["explain"]["shards"],
        device=config["explain"]["device"],
        precision=config["explain"]["precision"],
        cache_dir=EXPLANATION_CACHE,
    threads: 1
    resources:
        gpu=on_cuda(config["explain"]["device"]),
    conda:
        "../envs/transferability.yaml"
    log:
        f"{LOGS}/explain/{{task}}/{{model}}/shard-{{shard}}.log",
    benchmark:
        f"{BENCHMARKS}/explain/{{task}}/{{model}}/shard-{{shard}}.tsv"
    script:
        "../scripts/explain_shard.py"


rule precision_check:
    input:
        manifest=MANIFEST,
        audio=get_task_audio,
        model_dir=get_model_dir,
    output:
        decision=PRECISION_DECISION,
    params:
        spec=get_model_spec,
        datasets=lookup(dpath="tasks/{task}/datasets", within=config),
        precision=config["explain"]["precision"],
        sample_items=config["explain"]["precision_check"]["items"],
        seed=config["explain"]["precision_check"]["seed"],
        device=config["explain"]["device"],
    threads: 1
    resources:
        gpu=on_cuda(config["explain"]["device"]),
    conda:
        "../envs/transferability.yaml"
    log:
        f"{LOGS}/precision/{{task}}/{{model}}.log",
    script:
        "../scripts/precision_check.py"
