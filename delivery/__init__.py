"""Ticket delivery: submitted tickets created once in Jira, ServiceNow or a webhook.

    config.py      the sinks file (YAML, pydantic), `${VAR}` references for secrets
    mapping.py     slot values into target fields: "{service}: {symptom}", {slot, map, default}
    outcome.py     what one call to a target gives: Created | Failure
    http.py        the one place httpx errors and HTTP statuses become a Failure
    webhook.py, jira.py, servicenow.py    one client per kind of target
    sinks.py       the Sink interface, and sinks built from the config
    backoff.py     exponential backoff with jitter, Retry-After
    records.py     per (ticket, sink) results and the dead-letter stream, in Redis
    retrying.py    one ticket to one sink: attempts, backoff, the result recorded
    streams.py     the tickets streams (root and per tenant) read through a consumer group
    worker.py      DeliveryWorker: reads the streams, delivers to every sink, acks
    redeliver.py   dead letters tried again on demand
    background.py  the worker as a thread inside `opsqkv serve`

Depends on `state` and `settings`; used by `commands` and `service`.
"""
