"""Helpers shared by test packages: a real `pulse serve` subprocess and Debian's Chromium."""
