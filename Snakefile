# Transferability analysis of audio classifiers: regenerates the paper's tables and figures.
# With no --configfile it runs the embedded default (config/config.yaml) on a CPU, offline.
import sys

from snakemake.utils import min_version, validate

min_version("8.0")


if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


validate(config, "config/schema.yaml")


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/models.smk"
include: "rules/explain.smk"
include: "rules/scoring.smk"
include: "rules/transferability.smk"
include: "rules/composition.smk"
include: "rules/spectra.smk"
include: "rules/asr.smk"
include: "rules/paper.smk"
include: "rules/gallery.smk"


rule all:
    default_target: True
    input:
        final_outputs(),


onstart:
    if formant_speech_warning():
        print(formant_speech_warning(), file=sys.stderr)


onsuccess:
    if formant_speech_warning():
        print(formant_speech_warning(), file=sys.stderr)
