"""FHIR R4 rest-hook Subscriptions (ADR 0114): an API client subscribes to the Tasks of the
referrals its organisation sent; each status change becomes a Delivery, POSTed to the client's
endpoint by a background job (ADR 0048) with retries and exponential backoff, and a delivery that
fails every attempt goes to the dead-letter list an administrator sees (and can retry or dismiss)."""
