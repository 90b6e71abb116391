"""Dead-letter tools: inspect, replay and export ``articles.dlq.v1``."""
