"""Optional integrations with web frameworks; each needs its own extra and is imported
only when you import it (``blaaiz_async`` itself never does)."""
