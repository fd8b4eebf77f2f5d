# Transferability: alpha, beta and joint rates, bootstrap intervals, t-test; Tables 1-3.
# Epsilon enters the workflow here and nowhere else.


rule transferability_tables:
    input:
        scores=get_task_scores,
        facts=get_task_facts,
    output:
        latex=report(
            table_path("transferability.tex"),
            caption="../report/transferability_table.rst",
            category="Transferability tables",
            subcategory="{task}",
        ),
        latex_beta=table_path("transferability_beta.tex"),
        latex_joint=table_path("transferability_joint.tex"),
        csv=report(
            table_path("transferability.csv"),
            caption="../report/transferability_csv.rst",
            category="Transferability tables",
            subcategory="{task}",
        ),
        ttest=TTEST,
    log:
        f"{LOGS}/tables/{{task}}.log",
    conda:
        "../envs/transferability.yaml"
    params:
        datasets=lookup(dpath="tasks/{task}/datasets", within=config),
        epsilon=config["transferability"]["epsilon"],
        resamples=config["transferability"]["bootstrap_resamples"],
        seed=config["transferability"]["bootstrap_seed"],
        confidence=config["transferability"]["confidence"],
        require_chain_stable=config["transferability"]["require_chain_stable"],
        require_converged=config["transferability"]["require_converged"],
    script:
        "../scripts/transferability_tables.py"
