"""Telphin's documented example payloads (provider_apis.md, section 1), the stub API's data and the
tests' fixtures."""

from urllib.parse import parse_qsl

CLIENT_PREFIX = "1234"
APP_ID = "a80f1e61c0b14f5b8a3c2d1e0f9a8b7c"
APP_SECRET = "a2423941d7e84c6b9f0a1b2c3d4e5f60"
TOKEN_ANSWER = {"access_token": "2jGp74vK7H", "token_type": "Bearer", "expires_in": 3600, "scope": "all"}
EXTENSIONS = [
	{"id": 412345, "name": "1234*101", "type": "phone", "status": "active", "label": "Ivanov"},
	{"id": 412346, "name": "1234*102", "type": "phone", "status": "active", "label": "Petrov"},
	{"id": 412400, "name": "1234*500", "type": "queue", "status": "active", "label": "Sales queue"},
	{"id": 412500, "name": "1234*600", "type": "ivr", "status": "active", "label": "Greeting"},
]
CALLBACK_ANSWER = {
	"call_api_id": "02abb9ee685a11ea94bfe17eb6eaecba",
	"call_id": "02abb9ee685a11ea94bfe17eb6eaecba",
}


def _form(text: str) -> dict:
	return dict(parse_qsl("".join(text.split()), keep_blank_values=True))


DIAL_IN = _form(
	"""EventType=dial-in&CallID=7f3c2a9e0b1d4e6f8a2b3c4d5e6f7a8b&SubCallID=412345-5d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a
&CallAPIID=3587401122-6e0b5a1c-2f44-11ef-9a1d-5254000a1b2c&CallerIDNum=%2B79161234567&CallerIDName=%2B79161234567
&CalledDID=74951234567&CalledNumber=1234%2A101&CalledExtension=1234%2A101%40sipproxy.telphin.ru
&CalledExtensionID=412345&CallStatus=CALLING&CallFlow=in&EventTime=1717405200123456"""
)
ANSWER = _form(
	"""EventType=answer&CallID=7f3c2a9e0b1d4e6f8a2b3c4d5e6f7a8b&SubCallID=412345-5d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a
&CallAPIID=3587401122-6e0b5a1c-2f44-11ef-9a1d-5254000a1b2c&CallerIDNum=%2B79161234567&CalledDID=74951234567
&CalledNumber=1234%2A101&CalledExtensionID=412345&CallStatus=ANSWER&CallFlow=in&EventTime=1717405206456789"""
)
HANGUP = _form(
	"""EventType=hangup&CallID=7f3c2a9e0b1d4e6f8a2b3c4d5e6f7a8b&SubCallID=412345-5d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a
&CallAPIID=3587401122-6e0b5a1c-2f44-11ef-9a1d-5254000a1b2c&CallerIDNum=%2B79161234567&CalledDID=74951234567
&CalledNumber=1234%2A101&CalledExtensionID=412345&CallStatus=ANSWER&CallFlow=in
&Duration=126400000&RecID=412345-9c1b7e0d3a2f4b6c8d0e1f2a3b4c5d6e&EventTime=1717405332523456"""
)
DIAL_OUT = _form(
	"""EventType=dial-out&CallID=0a9b8c7d6e5f40312233445566778899&SubCallID=412345-aa11bb22cc33dd44ee55ff6677889900
&CallAPIID=3587402001-1c2d3e4f-2f45-11ef-9a1d-5254000a1b2c&CallerIDNum=1234%2A101&CallerIDName=Ivanov
&CallerExtension=1234%2A101%40sipproxy.telphin.ru&CallerExtensionID=412345&CalledNumber=%2B79261112233
&CallStatus=CALLING&CallFlow=out&CallBackID=02abb9ee685a11ea94bfe17eb6eaecba&EventTime=1717406000000000"""
)
QUEUE_MISSED = _form(
	"""EventType=hangup&CallID=5e5e0c1d2e3f40516273849506172839&SubCallID=412400-77aa0b1c2d3e4f5061728394a5b6c7d8
&CallerIDNum=%2B79031234567&CalledDID=74951234567&CalledNumber=1234%2A500&CalledExtensionID=412400
&CallStatus=CANCEL&CallFlow=in&Bridged=no&Duration=41000000&EventTime=1717407000000000"""
)
