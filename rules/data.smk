# Data: synthetic tasks generated from the seed (the paper config adds downloads).


rule synthetic_data:
    output:
        manifest=f"{R}/data/{{task}}/manifest.csv",
    params:
        task="{task}",
        counts=task_counts,
        seconds=config["data"]["seconds"],
        sample_rate=config["data"]["sample_rate"],
        seed=config["seed"],
        speech=config["data"]["speech"],
    conda:
        "../envs/transferability.yaml"
    log:
        f"{R}/logs/data/{{task}}.log",
    script:
        "../scripts/synthetic_data.py"
