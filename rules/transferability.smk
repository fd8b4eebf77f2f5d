# Transferability: alpha, beta and joint rates, bootstrap intervals, t-test (Tables 1-3); the flat-earther
# tests; beta against every epsilon. The configured epsilon enters the workflow in transferability_tables only.


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


# Flat-earthers: each model's outgoing and incoming alpha-transferability tested against the other models'.
rule flat_earth_table:
    input:
        scores=get_task_scores,
        facts=get_task_facts,
    output:
        latex=report(
            table_path("flat_earth.tex"),
            caption="../report/flat_earth_table.rst",
            category="Transferability tables",
            subcategory="{task}",
        ),
        csv=report(
            table_path("flat_earth.csv"),
            caption="../report/flat_earth_csv.rst",
            category="Transferability tables",
            subcategory="{task}",
        ),
    log:
        f"{LOGS}/flat_earth/{{task}}.log",
    benchmark:
        f"{BENCHMARKS}/flat_earth/{{task}}.tsv"
    conda:
        "../envs/transferability.yaml"
    params:
        datasets=lookup(dpath="tasks/{task}/datasets", within=config),
        bootstrap_resamples=config["transferability"]["bootstrap_resamples"],
        bootstrap_seed=config["transferability"]["bootstrap_seed"],
        confidence=config["transferability"]["confidence"],
        permutations=config["flat_earth"]["permutations"],
        permutation_seed=config["flat_earth"]["seed"],
        significance=config["flat_earth"]["significance"],
        correction=config["flat_earth"]["correction"],
        require_chain_stable=config["transferability"]["require_chain_stable"],
        require_converged=config["transferability"]["require_converged"],
    script:
        "../scripts/flat_earth_table.py"


# Beta against every epsilon in [0, 1] from the stored probabilities: independent of the configured epsilon.
rule beta_epsilon_figure:
    input:
        scores=get_task_scores,
        facts=get_task_facts,
    output:
        figure=report(
            figure_path("beta_epsilon"),
            caption="../report/beta_epsilon_figure.rst",
            category="Transferability figures",
            subcategory="{task}",
        ),
    log:
        f"{LOGS}/figures/{{task}}/beta_epsilon.log",
    conda:
        "../envs/transferability.yaml"
    params:
        datasets=lookup(dpath="tasks/{task}/datasets", within=config),
        confidence=config["transferability"]["confidence"],
        require_chain_stable=config["transferability"]["require_chain_stable"],
        require_converged=config["transferability"]["require_converged"],
    script:
        "../scripts/beta_epsilon_figure.py"
