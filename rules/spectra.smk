# Spectral entropy by class with Mann-Whitney tests (Section 5.2, Figure 4) and transfer of one
# class's composite signature onto items of another (Section 5.3).


rule spectral_entropy:
    input:
        manifest=MANIFEST,
        audio=get_task_audio,
        entries=get_task_explanation_files,
        facts=get_task_facts,
    output:
        values=ENTROPY,
        tests_csv=table_path("entropy_tests.csv"),
        tests_latex=report(
            table_path("entropy_tests.tex"),
            caption="../report/entropy_tests.rst",
            category="Spectral entropy",
            subcategory="{task}",
        ),
        figure=report(
            figure_path("entropy"),
            caption="../report/entropy_figure.rst",
            category="Spectral entropy",
            subcategory="{task}",
        ),
    log:
        f"{LOGS}/entropy/{{task}}.log",
    conda:
        "../envs/transferability.yaml"
    params:
        entries_by_model=get_task_explanations,
        facts_by_model=get_task_facts_by_model,
        labels=lookup(dpath="tasks/{task}/labels", within=config),
        datasets=lookup(dpath="tasks/{task}/datasets", within=config),
        signal=config["spectra"]["entropy_signal"],
        segment=config["spectra"]["welch_segment"],
        contrast=get_contrast,
    script:
        "../scripts/spectral_entropy.py"


rule signature_model:
    input:
        manifest=MANIFEST,
        audio=get_task_audio,
        summary=COMPOSITION,
        composites=COMPOSITES,
        model_dir=get_model_dir,
    output:
        result=SIGNATURE,
        per_item=SIGNATURE_ITEMS,
    log:
        f"{LOGS}/signatures/{{task}}/{{model}}.log",
    benchmark:
        f"{BENCHMARKS}/signatures/{{task}}/{{model}}.tsv"
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
        contrast=get_required_contrast,
        settings=config["explain"]["settings"],
        splits=config["signature"]["splits"],
        device=config["explain"]["device"],
        batch_size=config["scoring"]["batch_size"],
    script:
        "../scripts/signature_model.py"


rule signature_table:
    input:
        results=get_task_signatures,
    output:
        latex=report(
            table_path("signature.tex"),
            caption="../report/signature_table.rst",
            category="Signature transfer",
            subcategory="{task}",
        ),
        csv=table_path("signature.csv"),
    log:
        f"{LOGS}/signatures/{{task}}.log",
    conda:
        "../envs/transferability.yaml"
    params:
        models=get_task_models,
        datasets=lookup(dpath="tasks/{task}/datasets", within=config),
    script:
        "../scripts/signature_table.py"
