# Transferability: alpha, beta and joint rates, bootstrap intervals, t-test; Tables 1-3.
# Epsilon enters the workflow here and nowhere else.


rule transferability_tables:
    input:
        scores=task_scores,
        facts=task_facts,
    output:
        latex=report(
            f"{R}/tables/{{task}}/transferability.tex",
            caption="../report/transferability_table.rst",
            category="Transferability tables",
            subcategory="{task}",
        ),
        csv=report(
            f"{R}/tables/{{task}}/transferability.csv",
            caption="../report/transferability_csv.rst",
            category="Transferability tables",
            subcategory="{task}",
        ),
        ttest=f"{R}/tables/{{task}}/ttest.json",
    params:
        task="{task}",
        labels=task_labels,
        datasets=task_datasets,
        epsilon=config["transferability"]["epsilon"],
        resamples=config["transferability"]["bootstrap_resamples"],
        seed=config["transferability"]["bootstrap_seed"],
        confidence=config["transferability"]["confidence"],
        require_chain_stable=config["transferability"]["require_chain_stable"],
        require_converged=config["transferability"]["require_converged"],
    conda:
        "../envs/transferability.yaml"
    log:
        f"{R}/logs/tables/{{task}}.log",
    script:
        "../scripts/transferability_tables.py"
