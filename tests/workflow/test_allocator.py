"""The allocator tuning the CLI and the workflow steps apply at start."""
import platform

from transferability.workflow.allocator import tune_malloc


def test_allocator_tuning_is_accepted_by_glibc():
    # mallopt answers 0 for a parameter it does not know: wrong constants would fail here
    assert tune_malloc() is (platform.system() == "Linux" and platform.libc_ver()[0] == "glibc")
