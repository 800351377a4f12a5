"""Reading batch files: encodings, header aliases, type coercion and one clear error per problem."""

from __future__ import annotations

import hashlib
import logging

import numpy as np
import pandas as pd
import pytest

from prospect.exceptions import DataReadError
from prospect.io import file_checksum, read_batch
from prospect.spec import load_spec
from prospect.synth import generate_months, write_month


@pytest.fixture(scope="module")
def spec():
    return load_spec("subscriber_5g")


@pytest.fixture(scope="module")
def month():
    return next(generate_months(200, 1, seed=3))


@pytest.fixture()
def csv_text(month, spec):
    """The month as CSV text with canonical headers; tests edit it before writing."""
    frame = month.frame.copy()
    for name in spec.boolean_features + ["has_card", "age", "took_card", "defaulted"]:
        frame[name] = frame[name].astype("Int64")
    return frame.to_csv(index=False, lineterminator="\n")


def _write(tmp_path, text, encoding="utf-8", name="batch.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("fmt", "encoding", "chinese"),
    [("parquet", "utf-8", False), ("csv", "utf-8", False), ("csv", "gbk", True)],
)
def test_written_months_read_back_equal(tmp_path, month, spec, fmt, encoding, chinese):
    path = write_month(month, tmp_path, fmt=fmt, encoding=encoding, chinese_headers=chinese)
    if chinese:
        assert "用户网龄（月）" in path.read_bytes().decode("gbk")
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")
    pd.testing.assert_frame_equal(read_batch(path, spec), month.frame)


def test_bom_and_header_variants_are_understood(tmp_path, csv_text, spec, month):
    lines = csv_text.split("\n")
    headers = lines[0].split(",")
    headers[headers.index("tenure_months")] = " 用户网龄(月) "  # half-width parentheses, spaces
    headers[headers.index("age")] = "AGE"
    text = "\n".join([",".join(headers), *lines[1:]])
    path = _write(tmp_path, text, encoding="utf-8-sig")
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    frame = read_batch(path, spec)
    assert frame["user_id"].tolist() == month.frame["user_id"].tolist()
    assert frame["tenure_months"].tolist() == month.frame["tenure_months"].tolist()
    assert frame["age"].tolist() == month.frame["age"].tolist()


def test_unknown_columns_are_dropped_with_a_logged_warning(tmp_path, csv_text, spec, caplog):
    lines = csv_text.split("\n")
    text = "\n".join([lines[0] + ",colour"] + [ln + ",red" for ln in lines[1:] if ln] + [""])
    with caplog.at_level(logging.WARNING, logger="prospect.io"):
        frame = read_batch(_write(tmp_path, text), spec)
    assert "colour" not in frame.columns
    assert "dropping 1 unknown column(s): ['colour']" in caplog.text


def test_header_only_gives_an_empty_typed_frame(tmp_path, csv_text, spec):
    frame = read_batch(_write(tmp_path, csv_text.split("\n")[0] + "\n"), spec)
    assert len(frame) == 0
    assert list(frame.columns) == [c.name for c in spec.columns]
    assert frame["age"].dtype == np.float64 and frame["user_id"].dtype == object


def test_month_argument_fills_a_missing_month_column_and_labels_may_be_absent(tmp_path, spec):
    text = "用户编码,手机号码,用户年龄,是否黑名单客户\nU1,13800000000,30,是\nU2,13800000001,41,否\n"
    with pytest.raises(DataReadError, match="missing required column"):
        read_batch(_write(tmp_path, text), load_spec("subscriber_5g"))
    small = spec.model_copy(
        update={"columns": [c for c in spec.columns if c.name in
                            ("user_id", "month", "msisdn", "age", "is_blacklisted", "took_card")]}
    )  # fmt: skip
    frame = read_batch(_write(tmp_path, text), small, month="2026-10")
    assert frame["month"].tolist() == ["2026-10", "2026-10"]
    assert frame["is_blacklisted"].tolist() == [1.0, 0.0]
    assert frame["took_card"].isna().all()
    assert frame["msisdn"].tolist() == ["13800000000", "13800000001"]


def test_missing_and_empty_files(tmp_path, spec):
    with pytest.raises(DataReadError, match=r"nope\.csv: file does not exist"):
        read_batch(tmp_path / "nope.csv", spec)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(DataReadError, match=r"empty\.csv: file is empty \(0 bytes\)"):
        read_batch(empty, spec)


def test_unknown_encoding(tmp_path, spec):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"user_id,age\nU1,\xff\xfe\xff\n")
    with pytest.raises(DataReadError, match=r"latin\.csv: unknown text encoding, neither UTF-8"):
        read_batch(path, spec)


def test_missing_required_column_names_it_and_close_headers(tmp_path, csv_text, spec):
    text = csv_text.replace("age,", "用户年令,", 1)
    with pytest.raises(DataReadError) as err:
        read_batch(_write(tmp_path, text), spec)
    message = str(err.value)
    assert "batch.csv: missing required column(s) 'age'" in message
    assert "close headers found: '用户年令'" in message


def test_duplicate_column_after_alias_mapping_names_both_headers(tmp_path, csv_text, spec):
    lines = csv_text.split("\n")
    text = "\n".join([lines[0] + ",用户年龄"] + [ln + ",33" for ln in lines[1:] if ln] + [""])
    with pytest.raises(
        DataReadError, match="headers 'age' and '用户年龄' both map to column 'age'"
    ):
        read_batch(_write(tmp_path, text), spec)


def test_unparseable_number_names_column_row_and_line(tmp_path, csv_text, spec):
    frame = pd.read_csv(pd.io.common.StringIO(csv_text), dtype=str)
    frame.loc[2, "bill_amount"] = "12,5x"
    path = _write(tmp_path, frame.to_csv(index=False))
    with pytest.raises(DataReadError) as err:
        read_batch(path, spec)
    assert str(err.value) == (
        f"{path}: column bill_amount, row 3 (line 4): cannot read '12,5x' as a number"
    )


def test_boolean_outside_the_accepted_words_is_refused(tmp_path, csv_text, spec):
    frame = pd.read_csv(pd.io.common.StringIO(csv_text), dtype=str)
    frame = frame.rename(columns={"is_student": "是否大学生客户"})
    frame.loc[[0, 1], "是否大学生客户"] = ["是", "maybe"]
    path = _write(tmp_path, frame.to_csv(index=False), encoding="gbk")
    with pytest.raises(DataReadError) as err:
        read_batch(path, spec)
    assert str(err.value) == (
        f"{path}: column '是否大学生客户' (is_student), row 2 (line 3): cannot read 'maybe' as "
        "one of 0, 1, true, false, 是, 否, yes, no"
    )


def test_parquet_errors_name_the_row(tmp_path, month, spec):
    frame = month.frame.copy()
    frame["is_in_arrears"] = frame["is_in_arrears"].where(frame.index != 4, 2.0)
    path = tmp_path / "bad.parquet"
    frame.to_parquet(path, index=False)
    with pytest.raises(
        DataReadError, match=r"column is_in_arrears, row 5: cannot read 2\.0 as one of 0, 1,"
    ):
        read_batch(path, spec)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    with pytest.raises(DataReadError, match=r"broken\.parquet: not a readable Parquet file"):
        read_batch(broken, spec)


def test_file_checksum_is_the_sha256_of_the_bytes(tmp_path):
    path = tmp_path / "x.bin"
    payload = bytes(range(256)) * 9000  # spans several read chunks
    path.write_bytes(payload)
    assert file_checksum(path) == hashlib.sha256(payload).hexdigest()
    with pytest.raises(DataReadError, match="file does not exist"):
        file_checksum(tmp_path / "missing.bin")
