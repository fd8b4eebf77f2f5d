# Global composition (Section 5.1): greedy composite of each class per model; Table 4 and Figure 3.


rule compose_model:
    input:
        manifest=manifest_path,
        audio=task_audio,
        entries=explanation_shards,
        facts=this_model_facts,
        model=model_files,
    output:
        summary=f"{R}/composition/{{task}}/{{model}}.json",
        composites=directory(f"{R}/composition/{{task}}/{{model}}"),
    params:
        model="{model}",
        spec=this_model_spec,
        labels=task_labels,
        label_overrides=this_model_overrides,
        datasets=task_datasets,
        device=config["explain"]["device"],
        seed=config["composition"]["seed"],
        max_signals=config["composition"]["max_signals"],
    threads: 1
    resources:
        gpu=explain_gpus(),
    conda:
        "../envs/transferability.yaml"
    log:
        f"{R}/logs/composition/{{task}}/{{model}}.log",
    benchmark:
        f"{R}/benchmarks/composition/{{task}}/{{model}}.tsv"
    script:
        "../scripts/compose_model.py"


rule composition_report:
    input:
        summaries=task_compositions,
        composites=task_composite_dirs,
    output:
        latex=report(
            f"{R}/tables/{{task}}/composition.tex",
            caption="../report/composition_table.rst",
            category="Global composition",
            subcategory="{task}",
        ),
        csv=f"{R}/tables/{{task}}/composition.csv",
        figure=report(
            f"{R}/figures/{{task}}/composite_psd.pdf",
            caption="../report/composite_psd.rst",
            category="Global composition",
            subcategory="{task}",
        ),
    params:
        task="{task}",
        labels=task_labels,
        models=task_models,
        datasets=task_datasets,
        segment=config["spectra"]["welch_segment"],
    conda:
        "../envs/transferability.yaml"
    log:
        f"{R}/logs/composition/{{task}}.log",
    script:
        "../scripts/composition_report.py"
