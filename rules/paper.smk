# The paper: a Figure 1-style example per task, main.tex over every table and figure, its PDF.


rule example_figure:
    input:
        unpack(example_inputs),
    output:
        figure=report(
            f"{R}/figures/{{task}}/example.pdf",
            caption="../report/example_figure.rst",
            category="Examples",
            subcategory="{task}",
        ),
    params:
        task="{task}",
        model=example_model,
        item=example_item,
    conda:
        "../envs/transferability.yaml"
    log:
        f"{R}/logs/figures/{{task}}/example.log",
    script:
        "../scripts/example_figure.py"


rule paper_tex:
    input:
        tables=paper_tables,
        figures=paper_figures,
    output:
        tex=f"{R}/paper/main.tex",
    params:
        figures=paper_figure_captions,
        title=config["paper"]["title"],
    log:
        f"{R}/logs/paper/main_tex.log",
    script:
        "../scripts/paper_tex.py"


rule paper_pdf:
    input:
        tex=f"{R}/paper/main.tex",
        tables=paper_tables,
        figures=paper_figures,
    output:
        pdf=report(f"{R}/paper/main.pdf", caption="../report/paper_pdf.rst", category="Paper"),
    log:
        f"{R}/logs/paper/main_pdf.log",
    script:
        "../scripts/paper_pdf.py"
