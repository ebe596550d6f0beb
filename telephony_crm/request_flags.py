"""Flags a block of server code sets for itself, on the request (frappe.local): nothing a request sends
can set them."""

from contextlib import contextmanager

import frappe


@contextmanager
def request_flag(name: str):
	"""`name` is set while the block runs (and back to what it was after)."""
	previous = getattr(frappe.local, name, False)
	setattr(frappe.local, name, True)
	try:
		yield
	finally:
		setattr(frappe.local, name, previous)


def has_request_flag(name: str) -> bool:
	return getattr(frappe.local, name, False)
