"""Scheduled email reports (issue 20): when (schedule.py), the subscriptions (store.py), the
figures (content.py, through app/queries), the email (render.py), the unsubscribe token
(tokens.py), and the job that sends due reports (sender.py)."""
