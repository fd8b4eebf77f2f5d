"""Layout name (a dataset's ``layout`` in the config) -> the function reading that layout's rows."""
from __future__ import annotations

from typing import Callable

import pandas as pd

from transferability.data.datasets.generic import csv_rows, folder_rows
from transferability.data.datasets.layouts import asvspoof2019_la_rows, gtzan_rows, in_the_wild_rows, ravdess_rows

LAYOUTS: dict[str, Callable[..., pd.DataFrame]] = {
    "gtzan": gtzan_rows,
    "ravdess": ravdess_rows,
    "asvspoof2019_la": asvspoof2019_la_rows,
    "in_the_wild": in_the_wild_rows,
    "folder": folder_rows,
    "csv": csv_rows,
}
GENERIC_LAYOUTS = ("folder", "csv")  # a researcher's own data: every class of the task must have a usable file
