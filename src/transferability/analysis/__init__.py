"""Analyses of explanations: what the tables and figures are computed from.

Holds the explanation shard files and the explained items read back with their audio
(``explanations``), the score table's format (``score_table``), cross-model scoring of every signal
(``scoring``), the transferability statistics of Definitions 4-5 with bootstrap intervals, tests and
the beta curve (``transfer_statistics``), the flat-earther permutation tests (``flat_earth``), the
competence shown beside every table (``model_competence``: accuracy intervals, chance, the all-zero
verdict), and the Section 5 analyses: greedy composites (``composition``), spectral entropy and
Mann-Whitney tests (``spectra``), signature transfer (``signature``) and speech recognition with
STOI (``asr``). May import ``explainer``, ``data`` and ``models``; never ``report`` or ``workflow``.
"""
