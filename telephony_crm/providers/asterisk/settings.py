"""An Asterisk provider's AMI settings, read once from its Telephony Provider Settings record."""

from dataclasses import dataclass, field

DEFAULT_PORT = 5038
DEFAULT_CHANNEL_TEMPLATE = "PJSIP/{extension}"
DEFAULT_ORIGINATE_CONTEXT = "from-internal"


@dataclass(frozen=True)
class AmiSettings:
	provider: str
	host: str
	port: int
	username: str
	secret: str = field(repr=False)
	originate_context: str = DEFAULT_ORIGINATE_CONTEXT
	channel_template: str = DEFAULT_CHANNEL_TEMPLATE
	recording_url_template: str | None = None

	@classmethod
	def from_doc(cls, doc) -> "AmiSettings":
		return cls(
			provider=doc.name,
			host=(doc.ami_host or "").strip(),
			port=int(doc.ami_port or DEFAULT_PORT),
			username=(doc.ami_username or "").strip(),
			secret=doc.get_password("ami_secret", raise_exception=False) or "",
			originate_context=(doc.originate_context or DEFAULT_ORIGINATE_CONTEXT).strip(),
			channel_template=(doc.agent_channel_template or DEFAULT_CHANNEL_TEMPLATE).strip(),
			recording_url_template=(doc.recording_url_template or "").strip() or None,
		)

	@property
	def address(self) -> str:
		return f"{self.host}:{self.port}"
