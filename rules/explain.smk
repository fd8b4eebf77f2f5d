# Explain: sufficient, complete and inverse signals per model and shard of items (resumable).


rule explain_shard:
    input:
        manifest=manifest_path,
        model=model_files,
    output:
        entries=f"{R}/explanations/{{task}}/{{model}}/shard-{{shard}}.jsonl",
    params:
        spec=this_model_spec,
        datasets=task_datasets,
        settings=config["explain"]["settings"],
        shards=config["explain"]["shards"],
        device=config["explain"]["device"],
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
