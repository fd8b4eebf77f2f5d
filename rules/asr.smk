# Speech recognition as an oracle (Section 5.4, Table 5): each original clip transcribed once per task,
# then every model's sufficient, complete and inverse signals: transcripts, Levenshtein ratios, STOI.


rule asr_originals:
    input:
        manifest=MANIFEST,
        audio=get_task_audio,
    output:
        originals=ORIGINAL_TRANSCRIPTS,
    log:
        f"{LOGS}/asr/originals/{{task}}.log",
    benchmark:
        f"{BENCHMARKS}/asr/originals/{{task}}.tsv"
    conda:
        "../envs/transferability.yaml"
    threads: 1
    resources:
        gpu=on_cuda(config["asr"]["device"]),
    params:
        datasets=lookup(dpath="tasks/{task}/datasets", within=config),
        backend=config["asr"]["backend"],
        asr_source=get_asr_source(),
        vocabulary=config["asr"]["vocabulary"],
        device=config["asr"]["device"],
    script:
        "../scripts/asr_originals.py"


rule asr_model:
    input:
        manifest=MANIFEST,
        audio=get_task_audio,
        entries=get_explanations,
        facts=FACTS,
        originals=ORIGINAL_TRANSCRIPTS,
    output:
        transcripts=TRANSCRIPTS,
    log:
        f"{LOGS}/asr/{{task}}/{{model}}.log",
    benchmark:
        f"{BENCHMARKS}/asr/{{task}}/{{model}}.tsv"
    conda:
        "../envs/transferability.yaml"
    threads: 1
    resources:
        gpu=on_cuda(config["asr"]["device"]),
    params:
        datasets=lookup(dpath="tasks/{task}/datasets", within=config),
        labels=lookup(dpath="tasks/{task}/labels", within=config),
        items_per_class=config["asr"]["items_per_class"],
        seed=config["asr"]["seed"],
        backend=config["asr"]["backend"],
        asr_source=get_asr_source(),
        vocabulary=config["asr"]["vocabulary"],
        device=config["asr"]["device"],
    script:
        "../scripts/asr_model.py"


rule asr_table:
    input:
        results=get_task_transcripts,
        originals=ORIGINAL_TRANSCRIPTS,
    output:
        latex=report(
            table_path("asr.tex"),
            caption="../report/asr_table.rst",
            category="Speech recognition",
            subcategory="{task}",
        ),
        csv=table_path("asr.csv"),
    log:
        f"{LOGS}/asr/{{task}}.log",
    conda:
        "../envs/transferability.yaml"
    params:
        labels=lookup(dpath="tasks/{task}/labels", within=config),
        models=get_task_models,
        datasets=lookup(dpath="tasks/{task}/datasets", within=config),
        backend=config["asr"]["backend"],
    script:
        "../scripts/asr_table.py"
