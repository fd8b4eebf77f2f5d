"""A step's arguments by name from its rule: conversions, clear errors, and every rule of the workflow."""
from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from snakemake.api import SnakemakeApi
from snakemake.iocontainers import InputFiles, OutputFiles, Params, Wildcards
from snakemake.settings.types import (
    ConfigSettings,
    DeploymentSettings,
    OutputSettings,
    ResourceSettings,
    StorageSettings,
    WorkflowSettings,
)

from tests.helpers.workflow_runner import REPO
from transferability.workflow.step_arguments import StepArgumentError, step_arguments


def rule_object(**spaces: dict) -> SimpleNamespace:
    """What step_arguments reads of Snakemake's ``snakemake`` object, built from Snakemake's own containers."""
    kinds = {"input": InputFiles, "output": OutputFiles, "params": Params, "wildcards": Wildcards}
    return SimpleNamespace(rule="demo", **{name: kinds[name](fromdict=spaces.get(name, {})) for name in kinds})


def step(manifest: Path, entries: list[Path], shard: int, settings: dict[str, Any], labels: list[str],
         check: Path | None, item: str | None, by_model: dict[str, list[Path]], flag: bool, vocabulary: str | list[str],
         log: Any) -> None:
    """A step with one parameter of each kind the workflow's steps use."""


def test_each_argument_is_found_by_name_and_converted_to_its_annotation():
    snakemake = rule_object(
        input={"manifest": "data/m.csv", "entries": "e/shard-0.jsonl", "check": []},
        params={"settings": {"seed": 1}, "labels": ["a", "b"], "item": None, "by_model": {"M": ["x", "y"]},
                "flag": False, "vocabulary": ["yes", "no"]},
        wildcards={"shard": "3"},
    )
    arguments = step_arguments(step, snakemake)
    assert arguments == {
        "manifest": Path("data/m.csv"), "entries": [Path("e/shard-0.jsonl")], "shard": 3, "settings": {"seed": 1},
        "labels": ["a", "b"], "check": None, "item": None, "by_model": {"M": [Path("x"), Path("y")]},
        "flag": False, "vocabulary": ["yes", "no"],
    }
    assert isinstance(arguments["shard"], int) and "log" not in arguments


def test_a_name_found_nowhere_or_twice_names_the_rule_and_the_parameter():
    complete = {"manifest": "m", "entries": [], "check": [], "settings": {}, "labels": [], "item": None,
                "by_model": {}, "flag": True, "vocabulary": "synthetic"}
    with pytest.raises(StepArgumentError, match="rule demo: step step needs 'shard', which the rule names in none of"):
        step_arguments(step, rule_object(params=complete))
    with pytest.raises(StepArgumentError, match="needs 'shard', which the rule names in more than one of params, wildcards"):
        step_arguments(step, rule_object(params={**complete, "shard": 1}, wildcards={"shard": "1"}))


def test_a_value_of_the_wrong_form_is_refused_with_its_name():
    params = {"manifest": "m", "entries": [], "check": [], "settings": {}, "labels": [], "item": None,
              "by_model": {}, "flag": "yes", "vocabulary": "synthetic"}
    with pytest.raises(StepArgumentError, match="params.flag: expected true or false, got 'yes'"):
        step_arguments(step, rule_object(params=params, wildcards={"shard": "1"}))
    with pytest.raises(StepArgumentError, match="wildcards.shard: cannot read 'x' as int"):
        step_arguments(step, rule_object(params={**params, "flag": True}, wildcards={"shard": "x"}))
    with pytest.raises(StepArgumentError, match=r"params.settings: expected a mapping"):
        step_arguments(step, rule_object(params={**params, "flag": True, "settings": [1]}, wildcards={"shard": "1"}))


def test_explicit_arguments_win_and_unknown_ones_are_refused():
    def small(manifest: Path, log: Any) -> None:
        """A step of one parameter."""

    assert step_arguments(small, rule_object(input={"manifest": "a"}), {"manifest": Path("b")}) == {"manifest": Path("b")}
    with pytest.raises(StepArgumentError, match="takes no argument"):
        step_arguments(small, rule_object(input={"manifest": "a"}), {"other": 1})


def _workflow_rules() -> list[Any]:
    with SnakemakeApi(OutputSettings(quiet=True)) as api:
        workflow = api.workflow(
            resource_settings=ResourceSettings(cores=1), config_settings=ConfigSettings(),
            storage_settings=StorageSettings(), workflow_settings=WorkflowSettings(),
            deployment_settings=DeploymentSettings(), snakefile=REPO / "Snakefile", workdir=REPO,
        )
        return [rule for rule in workflow._workflow.rules if rule.script]


def _script_step(script: Path) -> Any:
    """The step a rule's script runs: its ``from transferability.workflow.steps.X import Y``."""
    for node in ast.parse(script.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module.startswith("transferability.workflow.steps."):
            return getattr(importlib.import_module(node.module), node.names[0].name)
    raise AssertionError(f"{script} imports no step")


def test_every_rule_runs_the_step_of_its_name_and_names_each_of_its_parameters_once():
    rules = _workflow_rules()
    assert len(rules) == 26
    for rule in rules:
        script = (REPO / "rules" / rule.script).resolve()
        assert script == REPO / "scripts" / f"{rule.name}.py"
        step_function = _script_step(script)
        assert step_function.__name__ == rule.name
        spaces = {"input": set(rule.input.keys()), "output": set(rule.output.keys()),
                  "params": set(rule.params.keys()), "wildcards": set(rule.wildcard_names)}
        for parameter in inspect.signature(step_function).parameters:
            if parameter == "log":
                continue
            found = [space for space, names in spaces.items() if parameter in names]
            assert len(found) == 1, f"rule {rule.name}: {parameter!r} found in {found or 'none'}"
