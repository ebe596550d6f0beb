"""Russian: every string the app marks for translation has a Russian entry, unless Frappe or ERPNext
translates it already; and translations/ru.csv is well formed."""

import csv
import glob
import os
import re
from collections import Counter

import frappe
from frappe.gettext.extractors import module_onboarding, onboarding_step, workspace
from frappe.tests.utils import FrappeTestCase
from frappe.translate import get_messages_for_app, get_translations_from_apps

APP = "telephony_crm"
LANGUAGE = "ru"
PLACEHOLDER = re.compile(r"\{[A-Za-z0-9_]*\}")
HTML_TAG = re.compile(r"</?(?:a|b|i|em|strong|br|code|span|div|p|ul|ol|li)\b[^>]*>", re.IGNORECASE)
# Built bundles repeat the sources' strings with their characters escaped; the navbar is Frappe's.
NOT_THE_APPS = ("/public/dist/", "Navbar:")
# What get_messages_for_app leaves out: records kept as JSON files, read by Frappe's own extractors.
# Words Frappe or ERPNext translate that the app still translates everywhere, in its own sense.
OWN_SENSE = {
	"Agents": "the people who take calls (the Agents page), not support agents",
	"Transfer": "a call put through to a colleague, not a stock transfer",
	"Resume": "a call taken off hold",
	"Sales Order": "ERPNext's Russian for it reads as a deal",
}
JSON_EXTRACTORS = {
	"workspace": workspace.extract,
	"onboarding_step": onboarding_step.extract,
	"module_onboarding": module_onboarding.extract,
}


def ru_csv_path() -> str:
	return frappe.get_app_path(APP, "translations", f"{LANGUAGE}.csv")


def ru_rows() -> list[list[str]]:
	with open(ru_csv_path(), encoding="utf-8", newline="") as file:
		return [row for row in csv.reader(file) if row]


def context_of(row: list[str]) -> str:
	return row[2] if len(row) == 3 else ""


def app_messages() -> set[tuple[str, str | None]]:
	"""(message, context) of every string the app marks for translation, found by Frappe's extractors:
	doctypes, pages, reports, JS and Python (get_messages_for_app), workspaces and onboarding."""
	frappe.flags.scanned_files = set()  # the extractor skips files it read before in this process
	messages = set()
	for entry in get_messages_for_app(APP):
		path, message = entry[0] or "", entry[1]
		if any(marker in path for marker in NOT_THE_APPS):
			continue
		context = entry[2] if len(entry) == 4 else None
		messages.add((message, context))
	for folder, extract in JSON_EXTRACTORS.items():
		for path in glob.glob(
			os.path.join(frappe.get_app_path(APP), f"**/{folder}/*/*.json"), recursive=True
		):
			with open(path, encoding="utf-8") as file:
				messages.update((message, None) for _lineno, _func, message, _comments in extract(file))
	return {(message, context) for message, context in messages if message and message.strip()}


class TestRussianTranslations(FrappeTestCase):
	def test_every_string_of_the_app_has_a_russian_entry(self):
		frappe_and_erpnext = get_translations_from_apps(LANGUAGE, ["frappe", "erpnext"])
		ours = {row[0] for row in ru_rows()}
		missing = sorted(
			message
			for message, context in app_messages()
			if not {message, f"{message}:{context}"} & (ours | frappe_and_erpnext.keys())
		)
		if missing:
			self.fail(
				f"{len(missing)} strings have no Russian entry in translations/ru.csv:\n" + "\n".join(missing)
			)

	def test_no_entry_overrides_what_frappe_or_erpnext_translate(self):
		"""Their words stay theirs; where one means something else in a telephony doctype, the entry
		names that doctype in its third column (the context the desk looks it up with first)."""
		frappe_and_erpnext = get_translations_from_apps(LANGUAGE, ["frappe", "erpnext"])
		overriding = sorted(
			row[0]
			for row in ru_rows()
			if not context_of(row) and row[0] in frappe_and_erpnext and row[0] not in OWN_SENSE
		)
		self.assertFalse(overriding, f"entries that override Frappe's or ERPNext's Russian: {overriding}")

	def test_the_file_is_well_formed(self):
		rows = ru_rows()
		self.assertGreater(len(rows), 300)
		for row in rows:
			self.assertIn(len(row), (2, 3), row)
		# One source may have a translation of its own in a doctype (the third column, its context).
		keys = Counter((row[0], context_of(row)) for row in rows)
		duplicates = [key for key, count in keys.items() if count > 1]
		self.assertFalse(duplicates, f"sources given twice: {duplicates}")
		empty = [row[0] for row in rows if not row[1].strip()]
		self.assertFalse(empty, f"sources without a translation: {empty}")

	def test_translations_keep_placeholders_and_html_tags(self):
		for source, translation, *_context in ru_rows():
			with self.subTest(source=source):
				# Russian may name a repeated value once.
				self.assertEqual(set(PLACEHOLDER.findall(source)), set(PLACEHOLDER.findall(translation)))
				self.assertEqual(
					Counter(tag.lower() for tag in HTML_TAG.findall(source)),
					Counter(tag.lower() for tag in HTML_TAG.findall(translation)),
				)

	def test_frappe_serves_the_russian_text(self):
		frappe.translate.clear_cache()
		rows = dict(row[:2] for row in ru_rows())
		self.assertEqual(
			frappe.translate.get_all_translations(LANGUAGE).get("Incoming call"), rows["Incoming call"]
		)
