"""Email: the SMTP settings (config.py), messages (message.py) and the sender (mailer.py)."""
