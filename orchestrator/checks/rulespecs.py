"""How a rule is declared: its id, default severity and typed, directional parameters.

The catalogues (:mod:`orchestrator.checks.catalogue` for the pipeline rules,
:mod:`orchestrator.checks.catalogue_content` for the content rules, with their
parameters' defaults) are lists of :class:`RuleSpec`. The rule-set JSON Schema and the export-rules reference are generated
from them.

Every parameter says which way is *tighter* (``tighten``), so an override can be
checked to only tighten what its operator set:

- ``lower``: a smaller number is stricter (size limits, row limits)
- ``higher``: a larger number is stricter (minimum cell counts)
- ``true`` / ``false``: that boolean value is the strict one
- ``subset``: a list that may only lose entries (allowlists)
- ``superset``: a list that may only gain entries (extra identifier patterns)
- ``fixed``: an override may not change it
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from orchestrator.checks.model import Severity

ParamType = Literal["integer", "number", "boolean", "string", "string_list"]
Tighten = Literal["lower", "higher", "true", "false", "subset", "superset", "fixed"]


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a rule."""

    name: str
    type: ParamType
    description: str
    tighten: Tighten
    minimum: float | None = None
    maximum: float | None = None
    choices: Sequence[str] | None = None
    """For ``string`` and ``string_list``: the allowed values, if closed."""
    nullable: bool = False
    """Whether ``null`` is allowed (it turns the rule's check off; setting a value tightens)."""
    regex: bool = False
    """For ``string_list``: every entry must be a valid regular expression."""
    default: Any = None
    """The value a scanner uses when a rule set leaves the parameter out."""

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema fragment for this parameter's value."""
        schema: dict[str, Any]
        if self.type == "string_list":
            item: dict[str, Any] = {"type": "string", "minLength": 1}
            if self.choices is not None:
                item["enum"] = list(self.choices)
            schema = {"type": "array", "items": item, "uniqueItems": True}
        else:
            schema = {"type": self.type}
            if self.choices is not None:
                schema["enum"] = list(self.choices)
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.nullable:
            schema = {"anyOf": [{"type": "null"}, schema]}
        schema["description"] = self.description
        schema["x-tighten"] = self.tighten
        return schema


@dataclass(frozen=True)
class RuleSpec:
    """A rule the engine knows: what it looks for and which parameters configure it."""

    id: str
    summary: str
    default_severity: Severity
    params: Sequence[ParamSpec] = ()

    def param(self, name: str) -> ParamSpec | None:
        for spec in self.params:
            if spec.name == name:
                return spec
        return None
