"""Uploaded files and their per-row reports. Other apps reach them through imports.services
and imports.selectors only."""
