"""Encounters, queues and queue entries of the day of care. Other apps reach them through
live_queue.services and live_queue.selectors only."""
