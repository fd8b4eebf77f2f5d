# Spectral entropy by class with Mann-Whitney tests (Section 5.2, Figure 4) and transfer of one
# class's composite signature onto items of another (Section 5.3).


rule spectral_entropy:
    input:
        manifest=manifest_path,
        audio=task_audio,
        entries=task_explanation_files,
        facts=task_facts,
    output:
        values=f"{R}/entropy/{{task}}.csv",
        tests_csv=f"{R}/tables/{{task}}/entropy_tests.csv",
        tests_latex=report(
            f"{R}/tables/{{task}}/entropy_tests.tex",
            caption="../report/entropy_tests.rst",
            category="Spectral entropy",
            subcategory="{task}",
        ),
        figure=report(
            f"{R}/figures/{{task}}/entropy.pdf",
            caption="../report/entropy_figure.rst",
            category="Spectral entropy",
            subcategory="{task}",
        ),
    params:
        task="{task}",
        entries=task_explanations,
        facts=task_facts_by_model,
        labels=task_labels,
        datasets=task_datasets,
        signal=config["spectra"]["entropy_signal"],
        segment=config["spectra"]["welch_segment"],
        contrast=task_contrast,
    conda:
        "../envs/transferability.yaml"
    log:
        f"{R}/logs/entropy/{{task}}.log",
    script:
        "../scripts/spectral_entropy.py"


rule signature_model:
    input:
        manifest=manifest_path,
        audio=task_audio,
        summary=f"{R}/composition/{{task}}/{{model}}.json",
        composites=f"{R}/composition/{{task}}/{{model}}",
        model=model_files,
    output:
        result=f"{R}/signatures/{{task}}/{{model}}.json",
        per_item=f"{R}/signatures/{{task}}/{{model}}.items.csv",
    params:
        model="{model}",
        spec=this_model_spec,
        labels=task_labels,
        label_overrides=this_model_overrides,
        datasets=task_datasets,
        contrast=this_contrast,
        settings=config["explain"]["settings"],
        splits=config["signature"]["splits"],
        device=config["explain"]["device"],
        batch_size=config["scoring"]["batch_size"],
    threads: 1
    resources:
        gpu=explain_gpus(),
    conda:
        "../envs/transferability.yaml"
    log:
        f"{R}/logs/signatures/{{task}}/{{model}}.log",
    benchmark:
        f"{R}/benchmarks/signatures/{{task}}/{{model}}.tsv"
    script:
        "../scripts/signature_model.py"


rule signature_table:
    input:
        results=task_signatures,
    output:
        latex=report(
            f"{R}/tables/{{task}}/signature.tex",
            caption="../report/signature_table.rst",
            category="Signature transfer",
            subcategory="{task}",
        ),
        csv=f"{R}/tables/{{task}}/signature.csv",
    params:
        task="{task}",
        models=task_models,
        datasets=task_datasets,
    conda:
        "../envs/transferability.yaml"
    log:
        f"{R}/logs/signatures/{{task}}.log",
    script:
        "../scripts/signature_table.py"
