"""Who hears of a failed task or a held quality gate: Airflow notifiers configured by environment.

Two channels, each on when its variables are set (none set: no notifier, the DAGs are unchanged):

- webhook: `GOVLAKE_NOTIFY_WEBHOOK_URL` — a JSON POST in the text-message shape DingTalk and WeCom
  group robots both accept ({"msgtype": "text", "text": {"content": ...}});
- e-mail: `GOVLAKE_NOTIFY_SMTP_TO` (comma-separated) through Airflow's own SmtpNotifier, to the
  server `GOVLAKE_NOTIFY_SMTP_HOST` / `_PORT` (default 25) / `_FROM`, `_SECURITY` starttls (default),
  ssl or none — or, for a server that needs a login, the Airflow SMTP connection named by
  `GOVLAKE_NOTIFY_SMTP_CONN_ID` (its password stays in Airflow's secrets).

A failed task notifies once, from its on_failure_callback (after its last retry; a retry does not);
a held gate notifies from the gate task. Every message names the DAG, the task, the batch where
known and the reason, and is masked (govlake.pii.mask_text): a reason may quote delivered data.
"""

from __future__ import annotations

import html
import json
import os
import urllib.request

from airflow.providers.smtp.hooks.smtp import SmtpHook
from airflow.providers.smtp.notifications.smtp import SmtpNotifier
from airflow.sdk import BaseNotifier

from conductor.notices import Notice, failure_notice, hold_notice
from govlake.pii import mask_text

# what a caller puts in the context it hands a notifier to send its own notice (a held gate)
NOTICE_KEY = "govlake_notice"
WEBHOOK_TIMEOUT_SECONDS = 10


def _notice(context) -> Notice:
    return context.get(NOTICE_KEY) or failure_notice(context)


class WebhookNotifier(BaseNotifier):
    """POSTs the notice as a DingTalk/WeCom robot text message."""

    template_fields = ()

    def __init__(self, url: str):
        super().__init__()
        self.url = url

    def notify(self, context) -> None:
        body = json.dumps({"msgtype": "text", "text": {"content": _notice(context).text}}, ensure_ascii=False)
        request = urllib.request.Request(
            self.url, data=body.encode("utf-8"), headers={"Content-Type": "application/json; charset=utf-8"}
        )
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            answer = response.read()
        # the robots answer HTTP 200 also when they refuse a message; the refusal is in errcode
        try:
            errcode = json.loads(answer).get("errcode", 0)
        except (ValueError, AttributeError):
            errcode = 0
        if errcode:
            raise RuntimeError(f"webhook refused the notification: {answer[:300]!r}")


class _ServerSmtpHook(SmtpHook):
    """SmtpHook whose server comes from GOVLAKE_NOTIFY_SMTP_* instead of an Airflow connection."""

    def __init__(self, server: dict):
        super().__init__(smtp_conn_id="govlake_notify_smtp")
        self.server = server

    def get_connection(self, conn_id):
        from airflow.sdk import Connection

        security = self.server["security"]
        extra = {"disable_ssl": security != "ssl", "disable_tls": security != "starttls", "retry_limit": 1}
        return Connection(
            conn_id=conn_id,
            conn_type="smtp",
            host=self.server["host"],
            port=self.server["port"],
            extra=json.dumps(extra | {"from_email": self.server["from"]}),
        )


class NoticeSmtpNotifier(SmtpNotifier):
    """Airflow's SmtpNotifier with the notice as subject and body. Both are set after Airflow has
    rendered the template fields: a reason quoting data is never rendered as a Jinja template."""

    def __init__(self, to: list[str], from_email: str | None, server: dict | None, conn_id: str | None):
        super().__init__(to=to, from_email=from_email, smtp_conn_id=conn_id)
        self.server = server

    @property
    def hook(self) -> SmtpHook:
        return _ServerSmtpHook(self.server) if self.server else SmtpHook(smtp_conn_id=self.smtp_conn_id)

    def notify(self, context) -> None:
        notice = _notice(context)
        self.subject = notice.subject
        self.html_content = f"<pre>{html.escape(notice.text)}</pre>"
        super().notify(context)


def notifiers(env: dict[str, str] | None = None) -> list[BaseNotifier]:
    """The notifiers the environment configures, [] when none is."""
    env = os.environ if env is None else env
    found: list[BaseNotifier] = []
    if env.get("GOVLAKE_NOTIFY_WEBHOOK_URL"):
        found.append(WebhookNotifier(env["GOVLAKE_NOTIFY_WEBHOOK_URL"]))
    to = [a.strip() for a in env.get("GOVLAKE_NOTIFY_SMTP_TO", "").split(",") if a.strip()]
    if to:
        server = None
        if env.get("GOVLAKE_NOTIFY_SMTP_HOST"):
            security = env.get("GOVLAKE_NOTIFY_SMTP_SECURITY", "starttls")
            if security not in ("starttls", "ssl", "none"):
                raise ValueError(f"GOVLAKE_NOTIFY_SMTP_SECURITY={security!r}: expected starttls, ssl or none")
            server = {
                "host": env["GOVLAKE_NOTIFY_SMTP_HOST"],
                "port": int(env.get("GOVLAKE_NOTIFY_SMTP_PORT", "25")),
                "from": env.get("GOVLAKE_NOTIFY_SMTP_FROM"),
                "security": security,
            }
        elif not env.get("GOVLAKE_NOTIFY_SMTP_CONN_ID"):
            raise ValueError("GOVLAKE_NOTIFY_SMTP_TO needs GOVLAKE_NOTIFY_SMTP_HOST or GOVLAKE_NOTIFY_SMTP_CONN_ID")
        found.append(
            NoticeSmtpNotifier(to, env.get("GOVLAKE_NOTIFY_SMTP_FROM"), server, env.get("GOVLAKE_NOTIFY_SMTP_CONN_ID"))
        )
    return found


def notify_hold(context, gate: dict, sinks: list[BaseNotifier]) -> None:
    """Send a held gate's notice through every notifier. A channel that is down is logged, not
    raised: the hold itself stands (quality.gate_decisions, the steward report, the audit log)."""
    notice = hold_notice(context, gate)
    for notifier in sinks:
        try:
            notifier({**context, NOTICE_KEY: notice})
        except Exception as e:  # one channel down must not silence the others
            print(mask_text(f"notification through {type(notifier).__name__} failed: {e}"), flush=True)
