# Global composition (Section 5.1): greedy composite of each class per model; Table 4 and Figure 3.


rule compose_model:
    input:
        manifest=MANIFEST,
        audio=get_task_audio,
        entries=get_explanations,
        facts=FACTS,
        model_dir=get_model_dir,
    output:
        summary=COMPOSITION,
        composites=directory(COMPOSITES),
    log:
        f"{LOGS}/composition/{{task}}/{{model}}.log",
    benchmark:
        f"{BENCHMARKS}/composition/{{task}}/{{model}}.tsv"
    conda:
        "../envs/transferability.yaml"
    threads: 1
    resources:
        gpu=on_cuda(config["explain"]["device"]),
    params:
        spec=get_model_spec,
        labels=lookup(dpath="tasks/{task}/labels", within=config),
        label_overrides=lookup(dpath="tasks/{task}/models/{model}/label_overrides", within=config),
        datasets=lookup(dpath="tasks/{task}/datasets", within=config),
        device=config["explain"]["device"],
        seed=config["composition"]["seed"],
        max_signals=config["composition"]["max_signals"],
    script:
        "../scripts/compose_model.py"


rule composition_report:
    input:
        summaries=get_task_compositions,
        composites=get_task_composites,
    output:
        latex=report(
            table_path("composition.tex"),
            caption="../report/composition_table.rst",
            category="Global composition",
            subcategory="{task}",
        ),
        csv=table_path("composition.csv"),
        figure=report(
            figure_path("composite_psd"),
            caption="../report/composite_psd.rst",
            category="Global composition",
            subcategory="{task}",
        ),
    log:
        f"{LOGS}/composition/{{task}}.log",
    conda:
        "../envs/transferability.yaml"
    params:
        labels=lookup(dpath="tasks/{task}/labels", within=config),
        models=get_task_models,
        datasets=lookup(dpath="tasks/{task}/datasets", within=config),
        segment=config["spectra"]["welch_segment"],
    script:
        "../scripts/composition_report.py"
