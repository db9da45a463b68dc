"""Batch transform: a model's predictions for every record of a file (SageMaker's TransformJob).

    python -m studio.batch_transform --model-dir MODEL_DIR --input FILE --workdir DIR --config JSON

The studio's worker runs this inside the kernel sandbox (loading a model runs its code) with the
model folder and the input file read-only and DIR writable. The model is loaded and asked exactly
as an endpoint's model server asks it (studio.serving.Model: the same schema checks, the same
predictions), so a batch answer equals a real-time one.

Config (SageMaker's names):
  contentType     text/csv | application/jsonlines     how the input is read
  splitType       None | Line                          Line: one record per line; None: the whole file is one request
  batchStrategy   SingleRecord | MultiRecord           MultiRecord packs lines into requests up to maxPayloadInMB
  maxPayloadInMB  1..100 (default 6)
  assembleWith    None | Line                          Line: every output record ends with a newline
  accept          text/csv | application/jsonlines     the output format
  joinSource      None | Input                         Input: CSV rows get the prediction appended; JSON objects
                                                       get it under "SageMakerOutput"
  inputFilter     JSONPath subset (below), default $   what of each record the model gets
  outputFilter    JSONPath subset, default $           what of each (joined) output record is kept
  csvHeader       true: the first line of a CSV input is its header (the studio's datasets have one);
                  the output then starts with a header too

JSONPath supported: `$` (everything), `$[i,j,…]` and `$[a:b]` (positions of a CSV row or JSON
array, mixable as in `$[0,5:]`; negative counts from the end; slices exclude b as in RFC 9535),
`$.name` (the value of one field of a JSON object) and `$['a','b']` (an object of those fields;
one name gives its value). Anything else is refused.

Output goes to DIR/parts/part-NNNNN.out; DIR/checkpoint.json says how many parts are complete and
where in the input they end. Each part is written to a temporary file, synced and renamed before
the checkpoint moves past it, so a process killed at any moment resumes from the last checkpoint:
parts beyond it are deleted and redone, nothing is written twice. The final output is the parts in
order. Progress goes to stdout as JSON lines: {"event": "progress", "records", "bytes"} after
every checkpoint, then {"event": "done", ...} or {"event": "error", "message"} (exit status 2).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import re
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from studio.serving import BadInput, Model, csv_columns, csv_values

CSV = "text/csv"
JSONL = "application/jsonlines"
CONTENT_TYPES = (CSV, JSONL)
SAGEMAKER_OUTPUT = "SageMakerOutput"
SUPPORTED_FILTERS = "$, $[i,j], $[a:b] (positions, end excluded, negative from the end), $.field and $['a','b']"


class TransformError(Exception):
    """Something about the input, the config or the model that the user has to fix (the job fails with this message)."""


# --- the JSONPath subset --------------------------------------------------------------------------

_NAME = r"""'[^'\\]*'|"[^"\\]*\""""
_NAMES = re.compile(rf"\s*(?:{_NAME})\s*(?:,\s*(?:{_NAME})\s*)*")
_INDEX = re.compile(r"\s*(-?\d+)\s*")
_SLICE = re.compile(r"\s*(-?\d+)?\s*:\s*(-?\d+)?\s*")


class Filter:
    """One of the supported JSONPath expressions, parsed once and applied to every record."""

    def __init__(self, text: str, what: str = "filter"):
        self.text = text.strip() or "$"
        self.what = what
        self.kind = "root"
        self.items: list[int | slice] = []
        self.names: list[str] = []
        body = self.text
        if body == "$":
            return
        match = re.fullmatch(r"\$\.([A-Za-z_][A-Za-z0-9_]*)", body)
        if match:
            self.kind, self.names = "field", [match.group(1)]
            return
        match = re.fullmatch(r"\$\[(.*)\]", body, re.S)
        if match:
            inner = match.group(1)
            if _NAMES.fullmatch(inner):
                self.names = [n[1:-1] for n in re.findall(_NAME, inner)]
                self.kind = "field" if len(self.names) == 1 else "fields"
                return
            items: list[int | slice] = []
            for part in inner.split(","):
                index = _INDEX.fullmatch(part)
                span = _SLICE.fullmatch(part)
                if index:
                    items.append(int(index.group(1)))
                elif span:
                    start, stop = span.group(1), span.group(2)
                    items.append(slice(int(start) if start else None, int(stop) if stop else None))
                else:
                    items = []
                    break
            if items:
                self.kind, self.items = "positions", items
                return
        raise TransformError(f"{what} {self.text!r} is not supported: use {SUPPORTED_FILTERS}")

    @property
    def selects_positions(self) -> bool:
        return self.kind in ("root", "positions")

    def apply(self, value: Any, where: str) -> Any:
        if self.kind == "root":
            return value
        if self.kind == "positions":
            if not isinstance(value, list):
                raise TransformError(f"{where}: {self.what} {self.text} selects positions, but the record is {_kind(value)}, not a list")
            out: list[Any] = []
            for item in self.items:
                if isinstance(item, slice):
                    out.extend(value[item])
                elif -len(value) <= item < len(value):
                    out.append(value[item])
                else:
                    raise TransformError(f"{where}: {self.what} {self.text} asks for position {item}, but the record has {len(value)} values")
            return out
        if not isinstance(value, dict):
            raise TransformError(f"{where}: {self.what} {self.text} selects fields, but the record is {_kind(value)}, not an object")
        missing = [n for n in self.names if n not in value]
        if missing:
            raise TransformError(f"{where}: {self.what} {self.text}: the record has no field {', '.join(missing)}")
        if self.kind == "field":
            return value[self.names[0]]
        return {n: value[n] for n in self.names}


def _kind(value: Any) -> str:
    return "an object" if isinstance(value, dict) else "a list" if isinstance(value, list) else f"a {type(value).__name__}"


# --- config ---------------------------------------------------------------------------------------


@dataclass
class Config:
    content_type: str = CSV
    split_type: str = "Line"
    batch_strategy: str = "MultiRecord"
    max_payload_bytes: int = 6 * 1024 * 1024
    assemble_with: str = "Line"
    accept: str = CSV
    join_source: str = "None"
    input_filter: Filter = field(default_factory=lambda: Filter("$", "InputFilter"))
    output_filter: Filter = field(default_factory=lambda: Filter("$", "OutputFilter"))
    csv_header: bool = True
    checkpoint_seconds: float = 1.0
    checkpoint_bytes: int = 4 * 1024 * 1024
    fingerprint: str = ""

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> "Config":
        def pick(key: str, allowed: tuple[str, ...], default: str) -> str:
            value = raw.get(key, default)
            if value not in allowed:
                raise TransformError(f"{key} must be one of {', '.join(allowed)} (got {value!r})")
            return value

        payload = raw.get("maxPayloadInMB", 6)
        if not isinstance(payload, (int, float)) or isinstance(payload, bool) or not 0 < payload <= 100:
            raise TransformError(f"maxPayloadInMB must be a number above 0 and at most 100 (got {payload!r})")
        config = cls(
            content_type=pick("contentType", CONTENT_TYPES, CSV),
            split_type=pick("splitType", ("None", "Line"), "Line"),
            batch_strategy=pick("batchStrategy", ("SingleRecord", "MultiRecord"), "MultiRecord"),
            max_payload_bytes=int(payload * 1024 * 1024),
            assemble_with=pick("assembleWith", ("None", "Line"), "Line"),
            accept=pick("accept", CONTENT_TYPES, CSV),
            join_source=pick("joinSource", ("None", "Input"), "None"),
            input_filter=Filter(str(raw.get("inputFilter") or "$"), "InputFilter"),
            output_filter=Filter(str(raw.get("outputFilter") or "$"), "OutputFilter"),
            csv_header=bool(raw.get("csvHeader", True)),
            checkpoint_seconds=float(raw.get("checkpointSeconds", 1.0)),
            checkpoint_bytes=int(raw.get("checkpointBytes", 4 * 1024 * 1024)),
        )
        if config.content_type == CSV and not config.input_filter.selects_positions:
            raise TransformError(f"InputFilter {config.input_filter.text}: CSV records are rows of values, so select columns by position (e.g. $[0:3] or $[1,2,4])")
        if config.join_source == "Input" and config.accept != config.content_type:
            raise TransformError(f"JoinSource Input writes each input record with its prediction, so the output is {config.content_type} like the input (Accept is {config.accept})")
        if config.accept == CSV and not config.output_filter.selects_positions:
            raise TransformError(f"OutputFilter {config.output_filter.text}: CSV output rows are lists of values, so select columns by position")
        # What the output depends on: a checkpoint written under another config is not resumed.
        config.fingerprint = hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()[:16]
        return config


# --- records --------------------------------------------------------------------------------------


@dataclass
class Record:
    line: int
    raw: Any  # the parsed input record (a CSV row's values, or a JSON value)
    size: int  # bytes of the input line


def parse_record(config: Config, text: bytes, line: int) -> Any:
    decoded = text.decode("utf-8", "replace").rstrip("\r\n")
    if config.content_type == CSV:
        rows = list(csv.reader(io.StringIO(decoded)))
        return rows[0] if rows else []
    try:
        return json.loads(decoded)
    except json.JSONDecodeError as error:
        raise TransformError(f"line {line} is not valid JSON ({error.msg} at column {error.colno})") from None


def model_input(config: Config, record: Record) -> Any:
    value = config.input_filter.apply(record.raw, f"line {record.line}")
    if not isinstance(value, (list, dict)):
        raise TransformError(f"line {record.line}: InputFilter {config.input_filter.text} gives {_kind(value)}; the model takes a list of values or an object of columns")
    return value


def predict(model: Model, records: list[Record], inputs: list[Any]) -> list[dict[str, Any]]:
    try:
        frame = model.frame(inputs)
    except BadInput:
        # Name the first record that does not fit, by its line in the file.
        for record, value in zip(records, inputs):
            try:
                model.frame([value])
            except BadInput as error:
                raise TransformError(re.sub(r"^record 1\b", f"line {record.line}", str(error))) from None
        raise
    try:
        return model.predict(frame)
    except Exception as error:  # noqa: BLE001 - the model's own failure, reported with where it happened
        traceback.print_exc(file=sys.stderr)
        span = f"line {records[0].line}" if len(records) == 1 else f"lines {records[0].line}–{records[-1].line}"
        raise TransformError(f"the model raised on {span}: {type(error).__name__}: {error}") from None


class Writer:
    """Turns predictions into output records (join, filter, format) and a header for CSV."""

    def __init__(self, config: Config, input_header: list[str] | None):
        self.config = config
        self.input_header = input_header
        self.header_done = False

    def header(self, first: dict[str, Any]) -> bytes:
        config = self.config
        if config.accept != CSV or not config.csv_header:
            return b""
        names = csv_columns(first)
        if config.join_source == "Input":
            if self.input_header is None:
                return b""
            names = list(self.input_header) + names
        names = config.output_filter.apply(names, "the header")
        return _csv_line(names)

    def record(self, record: Record, prediction: dict[str, Any]) -> bytes:
        config = self.config
        where = f"line {record.line}"
        if config.accept == CSV:
            values = csv_values(prediction)
            if config.join_source == "Input":
                values = list(record.raw) + values
            return _csv_line(config.output_filter.apply(values, where))
        if config.join_source == "Input":
            if not isinstance(record.raw, dict):
                raise TransformError(f"{where}: JoinSource Input puts the prediction under {SAGEMAKER_OUTPUT} of the input object, but the record is {_kind(record.raw)}")
            out: Any = {**record.raw, SAGEMAKER_OUTPUT: prediction}
        else:
            out = prediction
        out = config.output_filter.apply(out, where)
        if not isinstance(out, dict):
            raise TransformError(f"{where}: OutputFilter {config.output_filter.text} gives {_kind(out)}; JSON Lines output holds one object per line (select several fields with $['a','b'])")
        return (json.dumps(out, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


def _csv_line(values: list[Any]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(["" if v is None else v for v in values])
    return out.getvalue().encode()


# --- checkpoints ----------------------------------------------------------------------------------


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def part_name(index: int) -> str:
    return f"part-{index:05d}.out"


@dataclass
class Checkpoint:
    parts: int = 0
    offset: int = 0
    line: int = 0
    records: int = 0
    done: bool = False
    fingerprint: str = ""
    input_size: int = -1

    @classmethod
    def load(cls, workdir: Path, config: Config, input_size: int) -> "Checkpoint":
        path = workdir / "checkpoint.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            checkpoint = cls(**{k: data[k] for k in ("parts", "offset", "line", "records", "done", "fingerprint", "input_size")})
        except (OSError, ValueError, KeyError, TypeError):
            checkpoint = cls()
        if checkpoint.fingerprint != config.fingerprint or checkpoint.input_size != input_size:
            checkpoint = cls(fingerprint=config.fingerprint, input_size=input_size)
        # Parts past the checkpoint (renamed just before a crash) and half-written files are redone.
        parts = workdir / "parts"
        parts.mkdir(parents=True, exist_ok=True)
        for entry in parts.iterdir():
            keep = entry.name.endswith(".out") and entry.name.startswith("part-") and entry.name[5:10].isdigit() and int(entry.name[5:10]) < checkpoint.parts
            if not keep:
                entry.unlink()
        return checkpoint

    def save(self, workdir: Path) -> None:
        _write_atomic(workdir / "checkpoint.json", json.dumps(self.__dict__).encode())


# --- the run --------------------------------------------------------------------------------------


def run(model_dir: str | os.PathLike, input_path: str | os.PathLike, workdir: str | os.PathLike, raw_config: dict[str, Any], emit: Callable[[dict[str, Any]], None], on_commit: Callable[[Checkpoint], None] | None = None) -> Checkpoint:
    """Transforms the input into workdir/parts, resuming from workdir/checkpoint.json. Raises TransformError for the user's mistakes."""
    config = Config.parse(raw_config)
    workdir = Path(workdir)
    input_size = os.path.getsize(input_path)
    checkpoint = Checkpoint.load(workdir, config, input_size)
    if checkpoint.done:
        emit({"event": "done", "records": checkpoint.records, "bytes": checkpoint.offset, "parts": checkpoint.parts, "resumed": True})
        return checkpoint
    model = Model(model_dir)
    emit({"event": "started", "records": checkpoint.records, "bytes": checkpoint.offset, "resumed": checkpoint.parts > 0, "model": model.name, "schema": model.schema_text()})

    with open(input_path, "rb") as source:
        input_header: list[str] | None = None
        line = 0
        if config.content_type == CSV and config.csv_header:
            first = source.readline()
            line = 1
            input_header = parse_record(config, first, 1) if first else []
        if checkpoint.offset > source.tell():
            source.seek(checkpoint.offset)
            line = checkpoint.line
        writer = Writer(config, input_header)
        writer.header_done = checkpoint.parts > 0

        pending: list[bytes] = []
        pending_bytes = 0
        pending_records = 0
        last_commit = time.monotonic()

        def commit(offset: int, at_line: int, final: bool = False) -> None:
            nonlocal pending, pending_bytes, pending_records, last_commit
            if pending or final:
                if pending:
                    target = workdir / "parts" / part_name(checkpoint.parts)
                    _write_atomic(target, b"".join(pending))
                    checkpoint.parts += 1
                checkpoint.offset, checkpoint.line = offset, at_line
                checkpoint.records += pending_records
                checkpoint.done = final
                checkpoint.save(workdir)
                pending, pending_bytes, pending_records = [], 0, 0
                emit({"event": "progress", "records": checkpoint.records, "bytes": checkpoint.offset})
                if on_commit:
                    on_commit(checkpoint)
            last_commit = time.monotonic()

        def transform(records: list[Record]) -> None:
            nonlocal pending_bytes, pending_records
            inputs = [model_input(config, r) for r in records]
            predictions = predict(model, records, inputs)
            if len(predictions) != len(records):
                raise TransformError(f"the model answered {len(predictions)} predictions for {len(records)} records (lines {records[0].line}–{records[-1].line})")
            if not writer.header_done:
                header = writer.header(predictions[0])
                if header:
                    pending.append(header)
                    pending_bytes += len(header)
                writer.header_done = True
            for record, prediction in zip(records, predictions):
                out = writer.record(record, prediction)
                if config.assemble_with == "Line" and not out.endswith(b"\n"):
                    out += b"\n"
                pending.append(out)
                pending_bytes += len(out)
            pending_records += len(records)

        if config.split_type == "None":
            # The whole (rest of the) file is one request.
            body_start = source.tell()
            if input_size - body_start > config.max_payload_bytes:
                raise TransformError(
                    f"with SplitType None the whole file ({_mb(input_size - body_start)}) is one request, larger than MaxPayloadInMB ({_mb(config.max_payload_bytes)}): use SplitType Line"
                )
            records: list[Record] = []
            for text in source:
                line += 1
                if text.strip():
                    records.append(Record(line, parse_record(config, text, line), len(text)))
            if not records:
                raise TransformError("the input has no records" + (" (only a header line)" if input_header is not None else ""))
            transform(records)
            commit(source.tell(), line, final=True)
            emit({"event": "done", "records": checkpoint.records, "bytes": checkpoint.offset, "parts": checkpoint.parts})
            return checkpoint

        batch: list[Record] = []
        batch_bytes = 0
        batch_end = (source.tell(), line)
        while True:
            text = source.readline()
            if not text:
                break
            line += 1
            if not text.strip():
                if not batch:
                    batch_end = (source.tell(), line)
                continue
            size = len(text)
            if size > config.max_payload_bytes:
                raise TransformError(f"line {line} is {_mb(size)}, larger than MaxPayloadInMB ({_mb(config.max_payload_bytes)})")
            if batch and (config.batch_strategy == "SingleRecord" or batch_bytes + size > config.max_payload_bytes):
                transform(batch)
                batch, batch_bytes = [], 0
                if pending_bytes >= config.checkpoint_bytes or time.monotonic() - last_commit >= config.checkpoint_seconds:
                    commit(*batch_end)
            batch.append(Record(line, parse_record(config, text, line), size))
            batch_bytes += size
            batch_end = (source.tell(), line)
        if batch:
            transform(batch)
        if checkpoint.records + pending_records == 0:
            raise TransformError("the input has no records" + (" (only a header line)" if input_header is not None else ""))
        commit(source.tell(), line, final=True)
    emit({"event": "done", "records": checkpoint.records, "bytes": checkpoint.offset, "parts": checkpoint.parts})
    return checkpoint


def _mb(size: int) -> str:
    return f"{size:,} bytes" if size < 1024 * 1024 else f"{size / (1024 * 1024):.1f} MB"


def _emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m studio.batch_transform", description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", required=True, help="the model folder (studio-model.json + the model file)")
    parser.add_argument("--input", required=True, help="the input file (CSV or JSON Lines)")
    parser.add_argument("--workdir", required=True, help="where parts and the checkpoint are written")
    parser.add_argument("--config", required=True, help="the job's settings as JSON (see the module's docstring)")
    args = parser.parse_args(argv)
    try:
        raw = json.loads(args.config)
        if not isinstance(raw, dict):
            raise TransformError("--config must be a JSON object")
        run(args.model_dir, args.input, args.workdir, raw, _emit)
    except TransformError as error:
        _emit({"event": "error", "message": str(error)})
        sys.exit(2)


if __name__ == "__main__":
    main()
