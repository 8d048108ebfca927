"""One typed error for everything that can go wrong talking to the API.

Callers branch on ``kind`` (what to do about it) rather than on HTTP statuses: the service
answers throttling with 400 and a missing job with 404 or 400 depending on the action, so
only the ``Code`` in the body says what happened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from yike_tui.core.models import JobStatus
from yike_tui.safety.safe_text import clean, truncate

MAX_TEXT = 300  # characters of API text kept in an error (a Message can be megabytes)
ACCOUNT_MEANS = "this Alibaba Cloud account is not enabled for Yike"


class ErrorKind(Enum):
    CREDENTIALS = "credentials"  # bad key, signature, token: will not fix itself
    PERMISSION = "permission"  # RAM policy missing: will not fix itself
    NOT_FOUND = "not_found"  # the job does not exist
    PARAMETER = "parameter"  # the request was wrong
    THROTTLED = "throttled"  # slow down, then retry
    TRANSIENT = "transient"  # 5xx, timeouts, resets, garbled bodies: retry later
    CLOCK = "clock"  # local clock too far from the server's
    TLS = "tls"  # certificate not trusted: will not fix itself
    # The account itself may not use the product (not enabled for Yike): every call fails
    # alike, whatever the job, until someone enables it in the console.
    ACCOUNT = "account"


_CODE_KINDS: dict[str, ErrorKind] = {
    "SignatureDoesNotMatch": ErrorKind.CREDENTIALS,
    "IncompleteSignature": ErrorKind.CREDENTIALS,
    "InvalidAccessKeyId.NotFound": ErrorKind.CREDENTIALS,
    "InvalidAccessKeyId.Inactive": ErrorKind.CREDENTIALS,
    "InvalidAccessKeyId": ErrorKind.CREDENTIALS,
    "InvalidSecurityToken.Expired": ErrorKind.CREDENTIALS,
    "InvalidSecurityToken.Malformed": ErrorKind.CREDENTIALS,
    "InvalidSecurityToken.MismatchWithAccessKey": ErrorKind.CREDENTIALS,
    "SignatureNonceUsed": ErrorKind.TRANSIENT,  # a fresh nonce on retry fixes it
    "InvalidTimeStamp.Expired": ErrorKind.CLOCK,
    "InvalidTimeStamp.Format": ErrorKind.CLOCK,
    "Forbidden.RAM": ErrorKind.PERMISSION,
    "Forbidden": ErrorKind.PERMISSION,
    "NoPermission": ErrorKind.PERMISSION,
    "Throttling": ErrorKind.THROTTLED,
    "Throttling.User": ErrorKind.THROTTLED,
    "Throttling.Api": ErrorKind.THROTTLED,
    "InternalError": ErrorKind.TRANSIENT,
    "ServiceUnavailable": ErrorKind.TRANSIENT,
    "MissingParameter": ErrorKind.PARAMETER,
    "InvalidParameter": ErrorKind.PARAMETER,
    "InvalidAction.NotFound": ErrorKind.PARAMETER,
    "InvalidVersion": ErrorKind.PARAMETER,
    "MainAccountUserNotFound": ErrorKind.ACCOUNT,
    # The codes the Yike workflow names for a refused upload or submit.
    "InvalidFileType": ErrorKind.PARAMETER,
    "FileSizeExceed": ErrorKind.PARAMETER,
    "InvalidStyleId": ErrorKind.PARAMETER,
    "InvalidVoiceId": ErrorKind.PARAMETER,
    "ParseFailed": ErrorKind.PARAMETER,
}

_HINTS: dict[ErrorKind, str] = {
    ErrorKind.CREDENTIALS: "check the AccessKey id/secret (and STS token) in use: `yike-tui info`",
    # {action}: the call refused; a read is in ICE's read-only policy, a change is not.
    ErrorKind.PERMISSION: "grant the RAM user {action} on the API in use (for ICE: {policy})",
    # A job is seen only through its own product's API and region.
    ErrorKind.NOT_FOUND: "check the JobId, --api and --region; `yike-tui info` shows those in use",
    ErrorKind.PARAMETER: "the request was rejected as malformed; check the JobId and flags",
    ErrorKind.THROTTLED: "the service is rate limiting; lower `rate_limit` in config",
    ErrorKind.TRANSIENT: "temporary; it is retried automatically",
    ErrorKind.CLOCK: "this machine's clock is off by more than 15 minutes; sync it (NTP)",
    ErrorKind.TLS: "the server's TLS certificate is not trusted; check --endpoint and proxies",
    # The client names the other API when it knows which one is in use.
    ErrorKind.ACCOUNT: ACCOUNT_MEANS
    + ": enable Yike for it in the console, or use the other API (--api yike or --api ice)",
}
_CODE_HINTS: dict[str, str] = {
    "InvalidFileType": "Yike does not take this type of file: give a .txt or .docx"
    " (FILE in `yike-tui submit --help`)",
    "FileSizeExceed": "the file is larger than Yike takes: split it into parts"
    " (the limits: FILE in `yike-tui submit --help`)",
    "InvalidStyleId": "pick a style Yike offers (`yike-tui submit --help` lists them)",
    "InvalidVoiceId": "pick a narration voice Yike offers (`yike-tui submit --help` lists them)",
    "ParseFailed": "Yike could not read the story in the file: save it as UTF-8 text (.txt) or"
    " a plain .docx and submit again",
}
RESUME_ACTION = "ResumeYikeStoryboardJob"
# Statuses a job that cannot be resumed may be said to be in ("The job is Running; ...").
_NOT_RESUMABLE = tuple(
    s.value for s in JobStatus if s not in (JobStatus.SUSPENDED, JobStatus.UNKNOWN)
)


def _permission_hint(action: str) -> str:
    if not action:
        return _HINTS[ErrorKind.PERMISSION].format(
            action="the refused action", policy="AliyunICEReadOnlyAccess to read jobs"
        )
    policy = "AliyunICEReadOnlyAccess" if action.startswith("Get") else "AliyunICEFullAccess"
    return _HINTS[ErrorKind.PERMISSION].format(action=action, policy=f"ice:{action}, in {policy}")


def _refused_resume(err: ApiError) -> str:
    """What to do when a resume is refused because of the job's state, else "". No code for
    it is documented: a code about the status (the simulator's ``InvalidStatus``) or a
    message naming ``Suspended`` is taken as that refusal."""
    if err.action != RESUME_ACTION or err.kind not in (ErrorKind.PARAMETER, ErrorKind.PERMISSION):
        return ""
    if "status" not in err.code.lower() and "suspended" not in err.message.lower():
        return ""
    words = set(re.findall(r"[A-Za-z]+", err.message))
    state = next((s for s in _NOT_RESUMABLE if s in words), "")
    if state:
        return f"the job is {state} and only a Suspended job resumes: there is nothing to resume"
    return "only a Suspended job resumes and this one is not: `yike-tui get JOBID` shows its state"


def api_text(value: object, limit: int = MAX_TEXT) -> str:
    """Text from an answer made fit for a one-line message: control characters (CR, LF...)
    as visible stand-ins, cut at ``limit``."""
    return truncate(clean(str(value), one_line=True), limit)


def kind_for(code: str, http_status: int) -> ErrorKind:
    if code in _CODE_KINDS:
        return _CODE_KINDS[code]
    lowered = code.lower()
    if "notfound" in lowered.replace(".", "").replace("_", "") or http_status == 404:
        return ErrorKind.NOT_FOUND
    if lowered.startswith("throttling"):
        return ErrorKind.THROTTLED
    if lowered.startswith("forbidden") or http_status == 403:
        return ErrorKind.PERMISSION
    if http_status >= 500 or http_status == 0:
        return ErrorKind.TRANSIENT
    return ErrorKind.PARAMETER


@dataclass(eq=False)  # not frozen: the interpreter sets __traceback__ etc. on exceptions
class ApiError(Exception):
    """An error from the service (parsed from its JSON body) or from the transport."""

    code: str
    message: str
    http_status: int = 0  # 0: no HTTP answer (timeout, DNS, reset, TLS)
    request_id: str = ""
    recommend: str = ""
    retry_after: float | None = None  # seconds, from x-acs-retry-after
    kind: ErrorKind = ErrorKind.TRANSIENT
    advice: str = ""  # what to do, when the kind's general hint does not fit
    action: str = ""  # the API action refused ("" when not known), for the hint to name

    @classmethod
    def from_body(
        cls,
        code: str,
        message: str,
        http_status: int,
        request_id: str = "",
        recommend: str = "",
        action: str = "",
    ) -> ApiError:
        return cls(
            code=code,
            message=message,
            http_status=http_status,
            request_id=request_id,
            recommend=recommend,
            kind=kind_for(code, http_status),
            action=action,
        )

    @property
    def retryable(self) -> bool:
        return self.kind in (ErrorKind.THROTTLED, ErrorKind.TRANSIENT)

    @property
    def hint(self) -> str:
        """What to do about it, naming the action refused where that matters."""
        if self.advice:
            return self.advice
        if self.code in _CODE_HINTS and self.kind is ErrorKind.PARAMETER:
            return _CODE_HINTS[self.code]
        if refused := _refused_resume(self):
            return refused
        if self.kind is ErrorKind.PERMISSION:
            return _permission_hint(self.action)
        return _HINTS[self.kind]

    def __str__(self) -> str:
        # Always one line: a Message with CR/LF must not fake a line of our own output.
        where = f" (HTTP {self.http_status})" if self.http_status else ""
        rid = f" [RequestId {clean(self.request_id, one_line=True)}]" if self.request_id else ""
        code, message = clean(self.code, one_line=True), clean(self.message, one_line=True)
        return f"{code}{where}: {message}{rid}"


def account_problem(err: ApiError) -> str:
    """The one line that says an account-level refusal (what it means, what to do), or ""
    when ``err`` is about something else. Said once for a run, never once per job."""
    if err.kind is not ErrorKind.ACCOUNT:
        return ""
    return f"{err.hint} ({clean(err.code, one_line=True)})"
