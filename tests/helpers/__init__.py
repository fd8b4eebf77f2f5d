"""Test helpers: known-answer classifiers, tiny Hugging Face models, entry points, dataset archives
served locally, a one-node SLURM cluster, and the workflow runner (import as ``tests.helpers.<module>``)."""
