"""Alerts (issue 20): rules on the live windows, webhook channels, the delivery log."""
