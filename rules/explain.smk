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
    log:
        f"{LOGS}/explain/{{task}}/{{model}}/shard-{{shard}}.log",
    benchmark:
        f"{BENCHMARKS}/explain/{{task}}/{{model}}/shard-{{shard}}.tsv"
    conda:
        "../envs/transferability.yaml"
    threads: 1
    resources:
        gpu=on_cuda(config["explain"]["device"]),
    params:
        spec=get_model_spec,
        datasets=lookup(dpath="tasks/{task}/datasets", within=config),
        settings=config["explain"]["settings"],
        shards=config["explain"]["shards"],
        device=config["explain"]["device"],
        precision=config["explain"]["precision"],
        cache_dir=EXPLANATION_CACHE,
    script:
        "../scripts/explain_shard.py"


rule precision_check:
    input:
        manifest=MANIFEST,
        audio=get_task_audio,
        model_dir=get_model_dir,
    output:
        decision=PRECISION_DECISION,
    log:
        f"{LOGS}/precision/{{task}}/{{model}}.log",
    conda:
        "../envs/transferability.yaml"
    threads: 1
    resources:
        gpu=on_cuda(config["explain"]["device"]),
    params:
        spec=get_model_spec,
        datasets=lookup(dpath="tasks/{task}/datasets", within=config),
        precision=config["explain"]["precision"],
        sample_items=config["explain"]["precision_check"]["items"],
        seed=config["explain"]["precision_check"]["seed"],
        device=config["explain"]["device"],
    script:
        "../scripts/precision_check.py"
