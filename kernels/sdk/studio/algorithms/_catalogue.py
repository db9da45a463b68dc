"""The catalogue of built-in algorithms (catalogue.json, shared with the studio's lib/algorithms.ts)
and the validation of a job's hyperparameters against it.

Hyperparameters arrive as strings (SageMaker style). Parsing and the normalised form follow the
TypeScript side exactly: ints match ^[+-]?[0-9]+$, floats are decimal or exponent literals written
back the way JavaScript's String(number) writes them, bools are true/false/1/0, an empty string
means "not given" (the default applies).
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

CATALOGUE_FILE = Path(__file__).with_name("catalogue.json")

INT_RE = re.compile(r"^[+-]?[0-9]+$")
FLOAT_RE = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")
BOOLS = {"true": True, "1": True, "false": False, "0": False}


@lru_cache(maxsize=1)
def load_catalogue() -> dict[str, Any]:
    return json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))


def algorithm_ids() -> list[str]:
    return [a["id"] for a in load_catalogue()["algorithms"]]


def get_algorithm(algorithm: str) -> dict[str, Any]:
    for entry in load_catalogue()["algorithms"]:
        if entry["id"] == algorithm:
            return entry
    raise ValueError(f"Unknown algorithm {json.dumps(algorithm)}: use one of {', '.join(algorithm_ids())}")


def hyperparameters_of(algorithm: str) -> list[dict[str, Any]]:
    """The common hyperparameters that apply (the target ones only with a target), then the algorithm's."""
    entry = get_algorithm(algorithm)
    common = [h for h in load_catalogue()["common"] if entry["needs_target"] or not h.get("only_with_target")]
    return common + list(entry["hyperparameters"])


def js_number_string(value: float) -> str:
    """A finite number written as JavaScript's String(number) writes it (shortest round trip)."""
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    sign, digits_tuple, exponent = Decimal(repr(float(value))).normalize().as_tuple()
    digits = "".join(map(str, digits_tuple))
    k = len(digits)
    n = exponent + k  # the decimal point sits after n digits
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        text = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return ("-" if sign else "") + text


def _fmt(value: Any) -> str:
    return js_number_string(float(value)) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def describe_range(spec: dict[str, Any]) -> str:
    """What a hyperparameter accepts, in words (the same sentence as lib/algorithms.ts)."""
    kind = spec["type"]
    if kind == "enum":
        return "one of " + ", ".join(spec["values"])
    if kind == "bool":
        return "true or false"
    if kind == "string":
        return f"a text of at most {spec.get('max_length', 1000)} characters"
    noun = "an integer" if kind == "int" else "a number"
    low, high = spec.get("min"), spec.get("max")
    parts = []
    if low is not None:
        parts.append(f"greater than {_fmt(low)}" if spec.get("exclusive_min") else f"at least {_fmt(low)}")
    if high is not None:
        parts.append(f"less than {_fmt(high)}" if spec.get("exclusive_max") else f"at most {_fmt(high)}")
    return noun + (" " + " and ".join(parts) if parts else "")


def _invalid(spec: dict[str, Any], raw: str) -> ValueError:
    return ValueError(f"hyperparameter {spec['name']} must be {describe_range(spec)} (got {json.dumps(raw)})")


def parse_value(spec: dict[str, Any], raw: str) -> tuple[Any, str]:
    """(typed value, normalised string) of one given, non-empty value; ValueError naming the field."""
    kind = spec["type"]
    text = raw.strip()
    if kind == "int":
        if not INT_RE.match(text):
            raise _invalid(spec, raw)
        value: Any = int(text)
        normalised = str(value)
    elif kind == "float":
        if not FLOAT_RE.match(text):
            raise _invalid(spec, raw)
        value = float(text)
        if not math.isfinite(value):
            raise _invalid(spec, raw)
        normalised = js_number_string(value)
    elif kind == "bool":
        if text.lower() not in BOOLS:
            raise _invalid(spec, raw)
        value = BOOLS[text.lower()]
        normalised = "true" if value else "false"
    elif kind == "enum":
        if text not in spec["values"]:
            raise _invalid(spec, raw)
        value = normalised = text
    else:  # string
        if len(text) > spec.get("max_length", 1000):
            raise _invalid(spec, raw)
        value = normalised = text
    if kind in ("int", "float"):
        low, high = spec.get("min"), spec.get("max")
        if low is not None and (value <= low if spec.get("exclusive_min") else value < low):
            raise _invalid(spec, raw)
        if high is not None and (value >= high if spec.get("exclusive_max") else value > high):
            raise _invalid(spec, raw)
    return value, normalised


def validate_hyperparameters(algorithm: str, hps: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(every hyperparameter with its value or default, the normalised string map of the given ones).

    Raises ValueError naming the first unknown, missing or out-of-range hyperparameter.
    """
    if not isinstance(hps, dict):
        raise ValueError("hyperparameters must be a JSON object of strings")
    specs = {h["name"]: h for h in hyperparameters_of(algorithm)}
    unknown = sorted(set(hps) - set(specs))
    if unknown:
        raise ValueError(
            f"Unknown hyperparameter {unknown[0]} for {algorithm}: use {', '.join(specs)}"
        )
    values: dict[str, Any] = {}
    normalised: dict[str, str] = {}
    for name, spec in specs.items():
        raw = hps.get(name)
        if raw is not None and not isinstance(raw, str):
            raw = json.dumps(raw) if isinstance(raw, bool) else str(raw)  # tolerate JSON numbers / bools
        if raw is None or raw.strip() == "":
            if spec.get("required"):
                raise ValueError(f"hyperparameter {name} is required ({spec['help']})")
            values[name] = spec.get("default")
            continue
        values[name], normalised[name] = parse_value(spec, raw)
    return values, normalised
