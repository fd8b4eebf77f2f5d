# Scoring: every model of the task on every signal of one source model's shard. No epsilon here.


rule score_signals:
    input:
        manifest=MANIFEST,
        audio=get_task_audio,
        entries=EXPLANATIONS,
        model_dirs=get_task_model_dirs,
    output:
        scores=SCORES,
    log:
        f"{LOGS}/scores/{{task}}/{{model}}/shard-{{shard}}.log",
    benchmark:
        f"{BENCHMARKS}/scores/{{task}}/{{model}}/shard-{{shard}}.tsv"
    conda:
        "../envs/transferability.yaml"
    threads: 1
    resources:
        gpu=on_cuda(config["explain"]["device"]),
    params:
        specs=get_task_model_specs,
        labels=lookup(dpath="tasks/{task}/labels", within=config),
        label_overrides=get_task_label_overrides,
        device=config["explain"]["device"],
        batch_size=config["scoring"]["batch_size"],
    script:
        "../scripts/score_signals.py"
