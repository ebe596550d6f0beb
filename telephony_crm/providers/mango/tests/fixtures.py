"""The example payloads of Mango's documentation (VPBX API v1.10), as Mango posts them."""

import copy

ENTRY_ID = "MTIzNDU2Nzg5OjE3MTc0MDUyMDA="
LEG_ID = "MToxMDA1NzU5Mzo1MDI6NjI1ODM4MzQ="

RINGING = {
	"entry_id": ENTRY_ID,
	"call_id": LEG_ID,
	"timestamp": 1717405200,
	"seq": 2,
	"call_state": "Appeared",
	"location": "abonent",
	"from": {"number": "79161234567"},
	"to": {
		"extension": "101",
		"number": "sip:ivanov@acme.mangosip.ru",
		"line_number": "74951234567",
		"acd_group": "500",
	},
}
CONNECTED = {**RINGING, "seq": 3, "call_state": "Connected", "timestamp": 1717405207}
DISCONNECTED = {
	**RINGING,
	"seq": 4,
	"call_state": "Disconnected",
	"disconnect_reason": 1110,
	"timestamp": 1717405331,
}
MISSED_SUMMARY = {
	"entry_id": ENTRY_ID,
	"call_direction": 1,
	"from": {"number": "79161234567"},
	"to": {"extension": "101", "number": "sip:ivanov@acme.mangosip.ru"},
	"line_number": "74951234567",
	"create_time": 1717405200,
	"forward_time": 1717405203,
	"talk_time": 0,
	"end_time": 1717405240,
	"entry_result": 0,
	"disconnect_reason": 1110,
}
RECORDING_COMPLETED = {
	"recording_id": "MToxMDA1NzU5MzoxNDE1NTQ3NjI3MjowOjE=",
	"recording_state": "Completed",
	"seq": 2,
	"entry_id": ENTRY_ID,
	"call_id": LEG_ID,
	"extension": "101",
	"timestamp": 1717405332,
	"completion_code": 1000,
	"recipient": "Cloud",
}


def documented(example: dict, **changes) -> dict:
	"""A copy of an example, with fields replaced (a nested one as `to__extension`, None to drop it)."""
	payload = copy.deepcopy(example)
	for name, value in changes.items():
		*parents, field = name.split("__")
		target = payload
		for parent in parents:
			target = target[parent]
		if value is None:
			target.pop(field, None)
		else:
			target[field] = value
	return payload
