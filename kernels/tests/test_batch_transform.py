"""Batch transform (studio.batch_transform): real models saved the way the SDK saves them, real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kgtest import SDK_DIR  # noqa: F401  (puts the SDK on sys.path)

from studio import save_model  # noqa: E402
from studio.batch_transform import Checkpoint, Filter, TransformError, run  # noqa: E402
from test_serving import churn_frame, classifier  # noqa: E402


@pytest.fixture(scope="module")
def churn(tmp_path_factory):
    model, x = classifier()
    directory = tmp_path_factory.mktemp("model") / "model"
    save_model(model, directory, input_example=x)
    return directory, model


@pytest.fixture(scope="module")
def regressor(tmp_path_factory):
    from sklearn.linear_model import LinearRegression

    x, _ = churn_frame()
    numeric = x[["tenure", "spend"]]
    model = LinearRegression().fit(numeric, numeric["spend"] * 2 + numeric["tenure"])
    directory = tmp_path_factory.mktemp("reg") / "model"
    save_model(model, directory, input_example=numeric)
    return directory, model


def frame(n: int = 120, seed: int = 3) -> pd.DataFrame:
    x, _ = churn_frame(n, seed)
    x.insert(0, "id", [f"c{i}" for i in range(n)])
    return x


def write_csv(path: Path, df: pd.DataFrame) -> Path:
    df.to_csv(path, index=False)
    return path


def write_jsonl(path: Path, df: pd.DataFrame) -> Path:
    df.to_json(path, orient="records", lines=True)
    return path


def same_csv(a: str, b: str) -> bool:
    rows_a, rows_b = [line.split(",") for line in a.splitlines()], [line.split(",") for line in b.splitlines()]
    if rows_a[0] != rows_b[0] or len(rows_a) != len(rows_b):
        return False
    return all(x[0] == y[0] and abs(float(x[1]) - float(y[1])) < 1e-9 for x, y in zip(rows_a[1:], rows_b[1:]))


def transform(model_dir, input_path, workdir, config, on_commit=None):
    events: list[dict] = []
    checkpoint = run(model_dir, input_path, workdir, config, events.append, on_commit=on_commit)
    output = b"".join((Path(workdir) / "parts" / f"part-{i:05d}.out").read_bytes() for i in range(checkpoint.parts))
    return output.decode(), events, checkpoint


def test_csv_multi_record_equals_the_models_own_predictions(churn, tmp_path):
    model_dir, model = churn
    df = frame()
    source = write_csv(tmp_path / "in.csv", df)
    out, events, checkpoint = transform(model_dir, source, tmp_path / "w", {"inputFilter": "$[1:]"})
    lines = out.splitlines()
    assert lines[0] == "predicted_label,probability"
    assert len(lines) == len(df) + 1
    features = df[["tenure", "spend", "plan"]]
    labels = model.predict(features)
    probabilities = model.predict_proba(features).max(axis=1)
    for line, label, p in zip(lines[1:], labels, probabilities):
        got_label, got_p = line.split(",")
        assert int(got_label) == int(label)
        assert abs(float(got_p) - float(p)) < 1e-5
    assert checkpoint.done and checkpoint.records == len(df)
    assert events[-1] == {"event": "done", "records": len(df), "bytes": source.stat().st_size, "parts": checkpoint.parts}
    assert [e["event"] for e in events][:2] == ["started", "progress"]


def test_csv_join_appends_the_prediction_and_output_filter_picks_columns(regressor, tmp_path):
    model_dir, model = regressor
    df = frame(30)[["id", "tenure", "spend"]]
    source = write_csv(tmp_path / "in.csv", df)
    out, _, _ = transform(model_dir, source, tmp_path / "w", {"inputFilter": "$[1,2]", "joinSource": "Input"})
    rows = [line.split(",") for line in out.splitlines()]
    assert rows[0] == ["id", "tenure", "spend", "prediction"]
    expected = model.predict(df[["tenure", "spend"]])
    for row, (_, source_row), value in zip(rows[1:], df.iterrows(), expected):
        assert row[:3] == [source_row["id"], str(source_row["tenure"]), str(source_row["spend"])]
        assert abs(float(row[3]) - value) < 1e-5
    # Only the id and the prediction: $[0,-1] on the joined row (and its header).
    out, _, _ = transform(model_dir, source, tmp_path / "w2", {"inputFilter": "$[1:3]", "joinSource": "Input", "outputFilter": "$[0,-1]"})
    rows = [line.split(",") for line in out.splitlines()]
    assert rows[0] == ["id", "prediction"]
    assert rows[1][0] == "c0" and abs(float(rows[1][1]) - expected[0]) < 1e-5


def test_json_lines_join_under_sagemaker_output_and_field_filters(churn, tmp_path):
    model_dir, model = churn
    df = frame(40)
    source = write_jsonl(tmp_path / "in.jsonl", df)
    config = {"contentType": "application/jsonlines", "accept": "application/jsonlines", "joinSource": "Input", "inputFilter": "$['tenure','spend','plan']"}
    out, _, _ = transform(model_dir, source, tmp_path / "w", config)
    records = [json.loads(line) for line in out.splitlines()]
    labels = model.predict(df[["tenure", "spend", "plan"]])
    probabilities = model.predict_proba(df[["tenure", "spend", "plan"]])
    assert len(records) == len(df)
    for record, (_, row), label, p in zip(records, df.iterrows(), labels, probabilities):
        assert record["id"] == row["id"] and record["plan"] == row["plan"]
        assert record["SageMakerOutput"]["predicted_label"] == int(label)
        assert all(abs(a - b) < 1e-5 for a, b in zip(record["SageMakerOutput"]["probabilities"], p))
    out, _, _ = transform(model_dir, source, tmp_path / "w2", {**config, "outputFilter": "$['id','SageMakerOutput']"})
    first = json.loads(out.splitlines()[0])
    assert list(first) == ["id", "SageMakerOutput"]
    # Without a join, JSON Lines out is one prediction object per line.
    out, _, _ = transform(model_dir, source, tmp_path / "w3", {**config, "joinSource": "None"})
    assert set(json.loads(out.splitlines()[0])) == {"predicted_label", "probability", "probabilities"}
    # A single field is its value, which is not a JSON Lines record: refused naming the fix.
    with pytest.raises(TransformError, match=r"line 1: OutputFilter \$.id gives a str; JSON Lines output holds one object per line"):
        transform(model_dir, source, tmp_path / "w4", {**config, "outputFilter": "$.id"})


def test_single_and_multi_record_and_payload_limits_give_the_same_file(churn, tmp_path):
    model_dir, _ = churn
    source = write_csv(tmp_path / "in.csv", frame(60))
    base = {"inputFilter": "$[1:]"}
    multi, _, _ = transform(model_dir, source, tmp_path / "a", base)
    single, _, _ = transform(model_dir, source, tmp_path / "b", {**base, "batchStrategy": "SingleRecord"})
    small, _, _ = transform(model_dir, source, tmp_path / "c", {**base, "maxPayloadInMB": 0.0002})  # ~200 bytes: a few lines per request
    unassembled, _, _ = transform(model_dir, source, tmp_path / "d", {**base, "assembleWith": "None"})
    whole, _, _ = transform(model_dir, source, tmp_path / "e", {**base, "splitType": "None"})
    # Equal up to floating point: a matrix product over 1 row or 60 rows may round the last digit differently.
    for other in (single, small, unassembled, whole):
        assert same_csv(multi, other)
    with pytest.raises(TransformError, match=r"line 2 is \d+ bytes, larger than MaxPayloadInMB \(10 bytes\)"):
        transform(model_dir, source, tmp_path / "f", {**base, "maxPayloadInMB": 0.00001})
    with pytest.raises(TransformError, match="with SplitType None the whole file .* is one request, larger than MaxPayloadInMB .*: use SplitType Line"):
        transform(model_dir, source, tmp_path / "g", {**base, "splitType": "None", "maxPayloadInMB": 0.0005})


def test_a_bad_record_fails_naming_its_line_and_the_schema(churn, tmp_path):
    model_dir, _ = churn
    lines = ["id,tenure,spend,plan", "a,1,2.5,pro", "b,2,3.5,basic", "c,3,plus", "d,4,1.0,pro"]
    source = tmp_path / "in.csv"
    source.write_text("\n".join(lines) + "\n")
    with pytest.raises(TransformError) as error:
        transform(model_dir, source, tmp_path / "w", {"inputFilter": "$[1:]"})
    assert str(error.value) == "line 4 has 2 values; the model takes 3 columns: tenure (integer), spend (float), plan (string)"
    source.write_text("id,tenure,spend,plan\na,x,2.5,pro\n")
    with pytest.raises(TransformError, match=r"^line 2: 'x' is not a integer \(column tenure\)\. The model takes 3 columns"):
        transform(model_dir, source, tmp_path / "w2", {"inputFilter": "$[1:]"})
    source.write_text('{"tenure": 1}\nnot json\n')
    with pytest.raises(TransformError, match=r"line 2 is not valid JSON"):
        transform(model_dir, source, tmp_path / "w3", {"contentType": "application/jsonlines", "accept": "application/jsonlines"})
    source.write_text("id,tenure,spend,plan\n")
    with pytest.raises(TransformError, match=r"the input has no records \(only a header line\)"):
        transform(model_dir, source, tmp_path / "w4", {})


@pytest.mark.parametrize(
    "text, value, expected",
    [
        ("$", [1, 2, 3], [1, 2, 3]),
        ("$[1:]", [1, 2, 3], [2, 3]),
        ("$[0,-1]", [1, 2, 3, 4], [1, 4]),
        ("$[0,2:]", [1, 2, 3, 4], [1, 3, 4]),
        ("$[:2]", [1, 2, 3], [1, 2]),
        ("$.a", {"a": [1, 2], "b": 3}, [1, 2]),
        ("$['a','b']", {"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 2}),
        ('$["a"]', {"a": 1}, 1),
    ],
)
def test_supported_filters(text, value, expected):
    assert Filter(text).apply(value, "line 1") == expected


@pytest.mark.parametrize("text", ["$..a", "$[*]", "$.a.b", "$[?(@.a)]", "a", "$[0:2:1]", "$['a',1]"])
def test_other_jsonpath_is_refused_naming_what_is_supported(text):
    with pytest.raises(TransformError, match=r"is not supported: use \$, \$\[i,j\], \$\[a:b\]"):
        Filter(text, "InputFilter")


def test_config_combinations_that_cannot_work_are_refused(churn, tmp_path):
    model_dir, _ = churn
    source = write_csv(tmp_path / "in.csv", frame(5))
    for config, message in [
        ({"inputFilter": "$.tenure"}, "CSV records are rows of values, so select columns by position"),
        ({"joinSource": "Input", "accept": "application/jsonlines"}, "JoinSource Input writes each input record with its prediction"),
        ({"splitType": "Record"}, "splitType must be one of None, Line"),
        ({"maxPayloadInMB": 0}, "maxPayloadInMB must be a number above 0"),
    ]:
        with pytest.raises(TransformError, match=message):
            transform(model_dir, source, tmp_path / "w", config)


def test_resumes_from_the_last_checkpoint_without_writing_anything_twice(churn, tmp_path):
    model_dir, _ = churn
    source = write_csv(tmp_path / "in.csv", frame(300, seed=11))
    config = {"inputFilter": "$[1:]", "batchStrategy": "SingleRecord", "checkpointBytes": 400}
    expected, _, whole = transform(model_dir, source, tmp_path / "whole", config)
    assert whole.parts > 5

    class Killed(Exception):
        pass

    def kill_after_three(checkpoint: Checkpoint) -> None:
        if checkpoint.parts == 3:
            raise Killed

    workdir = tmp_path / "resumed"
    with pytest.raises(Killed):
        transform(model_dir, source, workdir, config, on_commit=kill_after_three)
    saved = json.loads((workdir / "checkpoint.json").read_text())
    assert saved["parts"] == 3 and 0 < saved["records"] < 300 and not saved["done"]
    # What a crash can leave: a part renamed before its checkpoint, a half-written part.
    (workdir / "parts" / "part-00003.out").write_text("stale\n")
    (workdir / "parts" / "part-00004.out.tmp").write_text("half")
    out, events, checkpoint = transform(model_dir, source, workdir, config)
    assert out == expected
    assert checkpoint.records == 300
    assert events[0]["event"] == "started" and events[0]["resumed"] is True and events[0]["records"] == saved["records"]
    assert not list((workdir / "parts").glob("*.tmp"))
    # Run again after it finished: nothing is redone.
    again, events, _ = transform(model_dir, source, workdir, config)
    assert again == expected and events == [{"event": "done", "records": 300, "bytes": source.stat().st_size, "parts": checkpoint.parts, "resumed": True}]
    # Another config does not resume that checkpoint.
    other, _, _ = transform(model_dir, source, workdir, {**config, "batchStrategy": "MultiRecord"})
    assert same_csv(other, expected)


def test_command_line_reports_json_lines_and_exits_2_on_a_bad_record(churn, tmp_path):
    model_dir, _ = churn
    source = tmp_path / "in.csv"
    source.write_text("id,tenure,spend,plan\na,1,2.5,pro\nb,2,3.5\n")
    command = [sys.executable, "-m", "studio.batch_transform", "--model-dir", str(model_dir), "--input", str(source), "--workdir", str(tmp_path / "w")]
    env = {"PYTHONPATH": str(SDK_DIR), "PATH": "/usr/bin:/bin"}
    bad = subprocess.run([*command, "--config", json.dumps({"inputFilter": "$[1:]"})], capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2, bad.stderr
    events = [json.loads(line) for line in bad.stdout.splitlines()]
    assert events[-1] == {"event": "error", "message": "line 3 has 2 values; the model takes 3 columns: tenure (integer), spend (float), plan (string)"}
    source.write_text("id,tenure,spend,plan\na,1,2.5,pro\nb,2,3.5,basic\n")
    good = subprocess.run([*command, "--config", json.dumps({"inputFilter": "$[1:]"})], capture_output=True, text=True, env=env, timeout=120)
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout.splitlines()[-1])["event"] == "done"
    assert np.isclose(len((tmp_path / "w" / "parts" / "part-00000.out").read_text().splitlines()), 3)
