"""A shopper simulator: people, devices and sessions that follow a funnel, emitted as v1 events
in event-time order, with the malformed, duplicate, late and bot traffic real pipelines see."""
