# Speech recognition as an oracle (Section 5.4, Table 5): transcripts, Levenshtein ratios, STOI.


rule asr_model:
    input:
        manifest=manifest_path,
        audio=task_audio,
        entries=explanation_shards,
        facts=this_model_facts,
    output:
        transcripts=f"{R}/asr/{{task}}/{{model}}.csv",
    params:
        model="{model}",
        backend=config["asr"]["backend"],
        asr_model=asr_source(),
        vocabulary=config["asr"]["vocabulary"],
        device=config["asr"]["device"],
    threads: 1
    resources:
        gpu=asr_gpus(),
    conda:
        "../envs/transferability.yaml"
    log:
        f"{R}/logs/asr/{{task}}/{{model}}.log",
    benchmark:
        f"{R}/benchmarks/asr/{{task}}/{{model}}.tsv"
    script:
        "../scripts/asr_model.py"


rule asr_table:
    input:
        results=task_asr,
    output:
        latex=report(
            f"{R}/tables/{{task}}/asr.tex",
            caption="../report/asr_table.rst",
            category="Speech recognition",
            subcategory="{task}",
        ),
        csv=f"{R}/tables/{{task}}/asr.csv",
    params:
        task="{task}",
        labels=task_labels,
        models=task_models,
        datasets=task_datasets,
    conda:
        "../envs/transferability.yaml"
    log:
        f"{R}/logs/asr/{{task}}.log",
    script:
        "../scripts/asr_table.py"
