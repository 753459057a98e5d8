"""Fact tables and daily aggregates. Other apps reach them through analytics.services and
analytics.selectors only."""
