"""Real datasets: download, safe extraction, each dataset's own layout, and seeded sampling into a manifest."""
from transferability.data.datasets.download import ChecksumError, DownloadError, download, file_checksum, parse_checksum
from transferability.data.datasets.extract import UnsafeArchiveError, extract
from transferability.data.datasets.layouts import (
    LAYOUTS,
    LayoutError,
    asvspoof2019_la_rows,
    gtzan_rows,
    in_the_wild_rows,
    ravdess_rows,
)
from transferability.data.datasets.prepare import combine_manifest_files, combine_manifests, sample_dataset

__all__ = [
    "LAYOUTS",
    "ChecksumError",
    "DownloadError",
    "LayoutError",
    "UnsafeArchiveError",
    "asvspoof2019_la_rows",
    "combine_manifest_files",
    "combine_manifests",
    "download",
    "extract",
    "file_checksum",
    "gtzan_rows",
    "in_the_wild_rows",
    "parse_checksum",
    "sample_dataset",
    "ravdess_rows",
]
