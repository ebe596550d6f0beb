"""The recording fields of a call: written by the app alone (the engine and the copy job), never by people."""

AT_PROVIDER = "At Provider"
COPY_FAILED = "Copy Failed"
ON_SITE = "On Site"
REMOVED = "Removed"

# Statuses of a call whose recording can be played.
PLAYABLE = (AT_PROVIDER, COPY_FAILED, ON_SITE)

RECORDING_STATE = (
	"recording_status",
	"recording_at_provider",
	"recording_size",
	"recording_file",
	"recording_attempts",
	"recording_retry_at",
	"recording_error",
)


def has_recording(call) -> bool:
	return call.get("recording_status") in PLAYABLE
