# Scoring: every model of the task on every signal of one source model's shard. No epsilon here.


rule score_signals:
    input:
        manifest=manifest_path,
        audio=task_audio,
        entries=f"{R}/explanations/{{task}}/{{model}}/shard-{{shard}}.jsonl",
        models=task_model_files,
    output:
        scores=f"{R}/scores/{{task}}/{{model}}/shard-{{shard}}.csv",
    params:
        task="{task}",
        source="{model}",
        specs=task_model_specs,
        labels=task_labels,
        label_overrides=task_label_overrides,
        device=config["explain"]["device"],
        batch_size=config["scoring"]["batch_size"],
    threads: 1
    resources:
        gpu=explain_gpus(),
    conda:
        "../envs/transferability.yaml"
    log:
        f"{R}/logs/scores/{{task}}/{{model}}/shard-{{shard}}.log",
    benchmark:
        f"{R}/benchmarks/scores/{{task}}/{{model}}/shard-{{shard}}.tsv"
    script:
        "../scripts/score_signals.py"
