"""Presentation: what a reader of the paper sees, made from the analyses' results.

Holds LaTeX building blocks (``latex``), the transferability and model tables (Tables 1-3,
``transferability_tables``), the model competence cells and caption notes (``model_marks``), the
flat-earther table (``flat_earth_table``), the beta-against-epsilon figure
(``transferability_figures``), tables of per-model values under grouped headers (Tables 4-5 and the
test tables, ``grouped_tables``), the Figure 1 style plot of one explanation
(``explanation_figure``), the composite PSD and entropy figures (Figures 3-4,
``spectra_figures``), the paper's ``main.tex`` with its compilation (``paper``) and the listening
gallery (``gallery``: the items, signals and marks of a task's page; ``gallery_audio``: its
playable copies; ``gallery_html``: its pages). May import
``analysis``, ``explainer``, ``data`` and ``models``; never ``workflow``.
"""
