"""The mock's notification queue as a test reads it: over SQS (moto), with the mock's keys,
every message made visible again at once.

boto3 is imported when a client is made: every pytest-xdist worker imports the test modules
that import this one to collect them. One client per mock: a test reads the queue several
times, and a client costs some twenty milliseconds of CPU to make."""

from __future__ import annotations

import json
import weakref

_CLIENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def sqs(amazon):
    """A boto3 SQS client of ``amazon``'s endpoint and keys (the same one for each call)."""
    client = _CLIENTS.get(amazon)
    if client is None:
        import boto3  # lazy: see the module docstring

        env = amazon.env
        client = _CLIENTS[amazon] = boto3.client(
            "sqs",
            endpoint_url=env["AWS_ENDPOINT_URL_SQS"],
            region_name="us-east-1",
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )
    return client


def queue_counts(amazon) -> tuple:
    attributes = sqs(amazon).get_queue_attributes(
        QueueUrl=amazon.env["SPAPI_MOCK_NOTIFICATION_QUEUE_URL"], AttributeNames=["All"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def queue_bodies(amazon) -> list:
    """Every body on the queue now (received and made visible again at once)."""
    client, url = sqs(amazon), amazon.env["SPAPI_MOCK_NOTIFICATION_QUEUE_URL"]
    bodies, handles = [], []
    while True:
        messages = client.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30, WaitTimeSeconds=0
        ).get("Messages", [])
        if not messages:
            break
        bodies += [json.loads(m["Body"]) for m in messages]
        handles += [m["ReceiptHandle"] for m in messages]
    for start in range(0, len(handles), 10):  # ten a request: SQS's most
        entries = [
            {"Id": str(number), "ReceiptHandle": handle, "VisibilityTimeout": 0}
            for number, handle in enumerate(handles[start : start + 10])
        ]
        answer = client.change_message_visibility_batch(QueueUrl=url, Entries=entries)
        assert not answer.get("Failed"), answer["Failed"]
    return bodies
