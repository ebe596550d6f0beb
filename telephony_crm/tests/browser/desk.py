"""Debian's Chromium driven by Playwright, and users' desks in it."""

import os
from pathlib import Path

import frappe

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
	"--no-sandbox",
	"--disable-gpu",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--no-first-run",
]
DESK_TIMEOUT_MS = 30_000


def launch_chromium(extra_args: tuple[str, ...] = ()):
	"""(playwright, browser), Chromium started with CHROMIUM_ARGS and `extra_args`. Raises, so the tests
	fail rather than skip, when either is missing."""
	try:
		from playwright.sync_api import sync_playwright
	except ImportError:
		raise RuntimeError(
			"The browser tests need Playwright in the bench's Python: ./env/bin/pip install playwright "
			"(it drives Debian's Chromium; `playwright install` is not needed)"
		)
	if not os.access(CHROMIUM, os.X_OK):
		raise RuntimeError(f"The browser tests need Chromium at {CHROMIUM}: apt-get install -y chromium")
	playwright = sync_playwright().start()
	try:
		return playwright, playwright.chromium.launch(
			executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args]
		)
	except BaseException:
		playwright.stop()
		raise


def artifacts_dir() -> Path:
	"""Screenshots and server logs: $TELEPHONY_TEST_ARTIFACTS, or the site's test-artifacts folder."""
	path = Path(os.environ.get("TELEPHONY_TEST_ARTIFACTS") or frappe.get_site_path("test-artifacts"))
	path = path.resolve()
	path.mkdir(parents=True, exist_ok=True)
	return path


def open_desk(browser, base_url: str, user: str, password: str):
	"""A page where `user` logged in through the login form and the desk is connected to socket.io."""
	context = browser.new_context(base_url=base_url, viewport={"width": 1440, "height": 900})
	context.set_default_timeout(DESK_TIMEOUT_MS)
	page = context.new_page()
	page.goto("/login")
	page.fill("#login_email", user)
	page.fill("#login_password", password)
	page.click(".btn-login")
	page.wait_for_url("**/app**")
	wait_for_realtime(page)
	return page


def go_to_desk(page, path: str = "/app") -> None:
	"""Load the desk afresh (as a reload would) and wait until it listens to the server again."""
	page.goto(path)
	wait_for_realtime(page)


def wait_until_shown(dialog) -> None:
	"""Until a Frappe dialog has faded in and focused its first field, so typing goes where it should."""
	dialog.page.wait_for_function(
		"(dialog) => getComputedStyle(dialog).opacity === '1' && dialog.contains(document.activeElement)",
		arg=dialog.element_handle(),
	)


def wait_for_realtime(page) -> None:
	from playwright.sync_api import TimeoutError

	try:
		page.wait_for_function("() => window.frappe?.realtime?.socket?.connected", timeout=DESK_TIMEOUT_MS)
	except TimeoutError:
		raise RuntimeError(
			"The desk did not connect to socket.io; see socketio.log among the test artifacts."
		)
