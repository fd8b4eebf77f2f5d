# The listening gallery: per task a page of seeded items with their signals as audio, their spectra
# and every model's answer on them, the transferability tables and the composites; a front page.


rule gallery_task:
    input:
        manifest=MANIFEST,
        audio=get_task_audio,
        entries=get_task_explanation_files,
        facts=get_task_facts,
        scores=get_task_scores,
        transferability_csv=table_path("transferability.csv"),
        compositions=get_task_compositions,
        composites=get_task_composites,
        files=get_gallery_files,
    output:
        folder=report(
            directory(GALLERY_TASK),
            htmlindex="index.html",
            caption="../report/gallery.rst",
            category="Gallery",
            subcategory="{task}",
        ),
    log:
        f"{LOGS}/gallery/{{task}}.log",
    benchmark:
        f"{BENCHMARKS}/gallery/{{task}}.tsv"
    conda:
        "../envs/transferability.yaml"
    params:
        entries_by_model=get_task_explanations,
        facts_by_model=get_task_facts_by_model,
        composition_by_model=get_task_composition_by_model,
        documents=get_gallery_documents,
        labels=lookup(dpath="tasks/{task}/labels", within=config),
        datasets=lookup(dpath="tasks/{task}/datasets", within=config),
        epsilon=config["transferability"]["epsilon"],
        items_per_class=config["gallery"]["items_per_class"],
        seed=config["gallery"]["seed"],
        audio_format=config["gallery"]["audio"],
    script:
        "../scripts/gallery_task.py"


rule gallery:
    input:
        pages=expand(GALLERY_TASK, task=TASKS),
    output:
        index=GALLERY_INDEX,
    log:
        f"{LOGS}/gallery/index.log",
    conda:
        "../envs/transferability.yaml"
    params:
        title=config["paper"]["title"],
    script:
        "../scripts/gallery.py"
