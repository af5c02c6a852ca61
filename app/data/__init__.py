"""Static lookup tables shipped with Pulse (no network access needed at runtime)."""
