"""Test-wide settings: tests never reach the network (the hub is unreachable here anyway)."""
import os
import sys
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
sys.path.insert(0, str(Path(__file__).parent))  # helper modules: known_answer, hf_tiny, entry_models
