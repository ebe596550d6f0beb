from frappe.tests.utils import FrappeTestCase

from telephony_crm.caller_id.numbers import is_internal_number, normalize_number


class TestNumberNormalization(FrappeTestCase):
	def test_one_russian_number_in_every_usual_form(self):
		for written in (
			"8 (916) 123-45-67",
			"+7 916 1234567",
			"9161234567",
			"89161234567",
			"+7(916)123-45-67",
		):
			self.assertEqual(normalize_number(written, "RU"), "+79161234567", written)

	def test_numbers_of_several_countries(self):
		cases = [
			("(415) 555-2671", "US", "+14155552671"),
			("+1 415 555 2671", "RU", "+14155552671"),
			("020 7946 0958", "GB", "+442079460958"),
			("030 123456789", "DE", "+4930123456789"),
			("098765 43210", "IN", "+919876543210"),
			("0049 30 123456789", "GB", "+4930123456789"),
			("8 10 49 30 123456789", "RU", "+4930123456789"),
		]
		for written, region, expected in cases:
			self.assertEqual(normalize_number(written, region), expected, f"{written} in {region}")

	def test_international_numbers_need_no_region(self):
		self.assertEqual(normalize_number("+7 916 123 45 67", None), "+79161234567")

	def test_extensions_are_internal(self):
		for number in ("101", "5001", "12345", "1234*101", "101@pbx.local"):
			self.assertTrue(is_internal_number(number), number)
			self.assertIsNone(normalize_number(number, "RU"))

	def test_unparseable_numbers_fall_back_to_digits(self):
		self.assertEqual(normalize_number("12-34-56-78-90-12-345", "RU"), "123456789012345")

	def test_what_is_no_phone_number_gives_none(self):
		for number in ("anonymous", "Unknown", "sip:alice@example.com", "1" * 25, "12-34-56-78-90-12-34-56"):
			self.assertIsNone(normalize_number(number, "RU"), number)

	def test_empty(self):
		self.assertIsNone(normalize_number(None, "RU"))
		self.assertIsNone(normalize_number("", "RU"))
