"""Scale-out through Redis (issue 8, PULSE_BROKER_URL): every process publishes the events it
accepted and applies everyone else's to its live windows (`bus`), and sessions and first-seen are
decided in Redis for the whole request at once (`sessions`). `broker.Broker` owns the connection,
its health and the reconnect loop. Imported only when PULSE_BROKER_URL is set."""
