"""Real datasets: download, safe extraction, each dataset's own layout or a generic one (folder, csv), and
seeded sampling into a manifest."""
from transferability.data.datasets.download import ChecksumError, DownloadError, download, file_checksum, parse_checksum
from transferability.data.datasets.extract import UnsafeArchiveError, extract
from transferability.data.datasets.generic import csv_rows, folder_rows
from transferability.data.datasets.layouts import (
    LayoutError,
    asvspoof2019_la_rows,
    gtzan_rows,
    in_the_wild_rows,
    ravdess_rows,
)
from transferability.data.datasets.prepare import EmptyClassError, combine_manifest_files, combine_manifests, sample_dataset
from transferability.data.datasets.registry import GENERIC_LAYOUTS, LAYOUTS

__all__ = [
    "GENERIC_LAYOUTS",
    "LAYOUTS",
    "ChecksumError",
    "DownloadError",
    "EmptyClassError",
    "LayoutError",
    "UnsafeArchiveError",
    "asvspoof2019_la_rows",
    "combine_manifest_files",
    "combine_manifests",
    "csv_rows",
    "download",
    "extract",
    "file_checksum",
    "folder_rows",
    "gtzan_rows",
    "in_the_wild_rows",
    "parse_checksum",
    "sample_dataset",
    "ravdess_rows",
]
