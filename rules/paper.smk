# The paper: a Figure 1-style example per task, main.tex over every table and figure, its PDF.


rule example_figure:
    input:
        manifest=MANIFEST,
        audio=get_task_audio,
        entries=get_example_explanations,
        facts=get_example_facts,
    output:
        figure=report(
            figure_path("example"),
            caption="../report/example_figure.rst",
            category="Examples",
            subcategory="{task}",
        ),
    log:
        f"{LOGS}/figures/{{task}}/example.log",
    conda:
        "../envs/transferability.yaml"
    params:
        model=get_example_model,
        item=lookup(dpath="examples/{task}/item", within=config, default=None),
    script:
        "../scripts/example_figure.py"


rule paper_tex:
    input:
        tables=get_paper_tables,
        figures=get_paper_figures,
    output:
        tex=MAIN_TEX,
    log:
        f"{LOGS}/paper/main_tex.log",
    conda:
        "../envs/transferability.yaml"
    params:
        figure_captions=get_paper_figure_captions,
        title=config["paper"]["title"],
    script:
        "../scripts/paper_tex.py"


rule paper_pdf:
    input:
        tex=MAIN_TEX,
        tables=get_paper_tables,
        figures=get_paper_figures,
    output:
        pdf=report(MAIN_PDF, caption="../report/paper_pdf.rst", category="Paper"),
    log:
        f"{LOGS}/paper/main_pdf.log",
    conda:
        "../envs/paper_pdf.yaml"
    script:
        "../scripts/paper_pdf.py"
