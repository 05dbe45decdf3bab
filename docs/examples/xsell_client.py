#!/usr/bin/env python3
"""Publishing events to xsell and asking it for recommendations, with confluent-kafka.

    python xsell_client.py --bootstrap HOST:PORT publish TOPIC FILE.jsonl
    python xsell_client.py --bootstrap HOST:PORT recommend --customer cust_42 --channel in_app [--explain]

Every message is keyed by customerId and partitioned with murmur2 (the Java client's
partitioner, which xsell uses too), so all of a customer's events and requests land on the
same partition number of every topic. A reply is matched to its request by requestId; it is
read from the reply topic from positions taken *before* the request is sent, so it cannot be
missed.
"""
import argparse
import json
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

REQUESTS = "recommendation.requested.v1"
REPLIES = "recommendation.returned.v1"


def producer(bootstrap):
    return Producer({
        "bootstrap.servers": bootstrap,
        "partitioner": "murmur2_random",  # librdkafka's default (consistent_random) puts keys elsewhere
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 0,
    })


def deliver(p, topic, key, value):
    """Produces one message and waits for the broker's acknowledgement."""
    errors = []
    p.produce(topic, key=key.encode(), value=value.encode(),
              on_delivery=lambda err, msg: errors.append(err) if err else None)
    p.flush(10)
    if errors:
        raise KafkaException(errors[0])


def publish(args):
    """Publishes every line of a JSONL file, keyed by its customerId."""
    p = producer(args.bootstrap)
    count = 0
    with open(args.file, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                deliver(p, args.topic, json.loads(line)["customerId"], line.strip())
                count += 1
    print(f"published {count} messages to {args.topic}")


def recommend(args):
    """Sends one request and prints the reply whose requestId matches."""
    reply_topic = args.reply_to
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": f"client-{uuid.uuid4()}",  # required, but the reader joins no group (assign)
        "enable.auto.commit": False,
        "fetch.wait.max.ms": 5,
    })
    metadata = consumer.list_topics(reply_topic, timeout=10)
    partitions = metadata.topics[reply_topic].partitions
    if not partitions:
        sys.exit(f"no topic {reply_topic}")
    positions = []
    for number in partitions:
        _, high = consumer.get_watermark_offsets(TopicPartition(reply_topic, number), timeout=10)
        positions.append(TopicPartition(reply_topic, number, high))
    consumer.assign(positions)

    request_id = f"py-{uuid.uuid4()}"
    request = {"requestId": request_id, "customerId": args.customer, "channel": args.channel,
               "decisionFlowKey": args.flow, "explain": args.explain, "replyTo": reply_topic}
    deliver(producer(args.bootstrap), REQUESTS, args.customer, json.dumps(request))

    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        message = consumer.poll(0.1)
        if message is None or message.error():
            continue
        reply = json.loads(message.value())
        if reply.get("requestId") == request_id:  # replies to other clients share the topic
            consumer.close()
            print(json.dumps(reply, indent=2))
            return 1 if "error" in reply else 0
    consumer.close()
    sys.exit(f"no reply to {request_id} within {args.timeout} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", required=True, help="Kafka bootstrap servers")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("publish", help="publish a JSONL file, keyed by customerId")
    p.add_argument("topic")
    p.add_argument("file")
    r = commands.add_parser("recommend", help="send one request and print its reply")
    r.add_argument("--customer", required=True)
    r.add_argument("--channel", required=True)
    r.add_argument("--flow", default="cross-sell")
    r.add_argument("--explain", action="store_true")
    r.add_argument("--reply-to", default=REPLIES, help="the topic the reply goes to")
    r.add_argument("--timeout", type=float, default=10)
    args = parser.parse_args()
    return publish(args) if args.command == "publish" else recommend(args)


if __name__ == "__main__":
    sys.exit(main())
