"""A CSV dropped in the bucket ends up in the table; nothing is lost, poison rows included."""

from __future__ import annotations

from typing import Any

CSV = """id,name,balance
c1,ada lovelace,10.50
c2,alan turing,7
,no id,1
c3,grace hopper,abc
c4,edsger dijkstra,0
"""


def test_every_row_is_loaded_or_set_aside(lambda_app: Any, lambda_logs: Any) -> None:
    """5 rows in: 3 loaded, 2 in the poison queue after two receives each -- counted."""
    lambda_app.client("s3").put_object(Bucket="etl-drop", Key="in/customers.csv",
                                       Body=CSV.encode())

    lambda_app.drain()

    items = lambda_app.client("dynamodb").scan(TableName="customers")["Items"]
    loaded = {i["id"]["S"]: (i["name"]["S"], i["balance"]["N"]) for i in items}
    assert loaded == {"c1": ("Ada Lovelace", "10.50"), "c2": ("Alan Turing", "7"),
                      "c4": ("Edsger Dijkstra", "0")}
    sqs = lambda_app.client("sqs")
    poison = sqs.receive_message(QueueUrl=lambda_app.resources["PoisonQueue"].physical_id,
                                 MaxNumberOfMessages=10)["Messages"]
    assert len(loaded) + len(poison) == 5
    assert len(lambda_logs.filter("rejected message").messages) == 4  # 2 rows x 2 receives
    lambda_logs.assert_contains("split s3://etl-drop/in/customers.csv: 5 rows")


def test_files_without_the_csv_suffix_are_not_processed(lambda_app: Any) -> None:
    """The trigger's suffix rule: a .txt file does not invoke the split function."""
    lambda_app.client("s3").put_object(Bucket="etl-drop", Key="in/notes.txt", Body=b"x")
    assert lambda_app.drain() == []


def test_a_large_file_fans_out_in_batches(lambda_app: Any) -> None:
    """95 rows: the split function sends 10 batches; the loader gets them 10 at a time."""
    rows = "\n".join(f"id{i},n{i},{i}" for i in range(95))
    lambda_app.client("s3").put_object(Bucket="etl-drop", Key="big.csv",
                                       Body=f"id,name,balance\n{rows}\n".encode())
    results = lambda_app.drain()
    split = [r for r in results if r.function_name == "SplitFunction"]
    load = [r for r in results if r.function_name == "LoadFunction"]
    assert split[0].payload == {"rows": 95}
    assert sum(1 for _ in load) >= 10
    assert lambda_app.client("dynamodb").scan(TableName="customers", Select="COUNT")[
        "Count"] == 95
