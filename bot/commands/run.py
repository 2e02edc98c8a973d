"""`ritualbot run`: serve Slack and run the rituals' clock until stopped."""

from __future__ import annotations

import logging
import os
import signal
import threading

import click
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.logging_setup import configure_logging, silenced
from bot.runtime import Runtime, exit_on_sigterm
from bot.server import HttpServer, RitualWSGIApp
from bot.settings import TOKEN_HELP, Settings

log = logging.getLogger(__name__)


@click.command("run")
@click.option("--http", "force_http", is_flag=True, help="Serve HTTP even when SLACK_APP_TOKEN is set.")
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on in HTTP mode.")  # noqa: S104
@click.option("--port", default=3000, show_default=True, type=int, help="Port to listen on in HTTP mode.")
def run_command(force_http: bool, host: str, port: int) -> None:
    """Serve Slack (Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP at /slack/events)."""
    settings = Settings.load()
    configure_logging(settings.log_level)
    settings.require("SLACK_BOT_TOKEN")
    use_socket_mode = settings.socket_mode and not force_http
    if not use_socket_mode:
        settings.require("SLACK_SIGNING_SECRET")
    runtime = Runtime.build(settings)
    try:
        # slack_sdk logs a failed connection at ERROR before raising; the one line below says it.
        with silenced(logging.getLogger("slack_sdk.web.base_client")):
            identity = runtime.client.auth_test()
    except SlackApiError as error:
        raise click.ClickException(
            f"Slack refused SLACK_BOT_TOKEN ({error.response.get('error')}). Copy the Bot User OAuth Token "
            "again from your app's OAuth & Permissions page."
        ) from error
    except (SlackRequestError, OSError) as error:
        # No network, a proxy in the way, a wrong SLACK_API_URL: one line, not urllib's traceback.
        reason = getattr(error, "reason", None) or error
        raise click.ClickException(
            f"cannot reach Slack at {settings.slack_api_url} ({reason}); check the network "
            "connection, any proxy, and SLACK_API_URL"
        ) from error
    log.info("connected to %s as %s", identity.get("team"), identity.get("user"))
    runtime.start_sender()
    tick_failed = threading.Event()
    try:
        with exit_on_sigterm():
            if use_socket_mode:
                _start_beside_the_server(runtime, tick_failed)
                _serve_socket_mode(runtime, settings.require("SLACK_APP_TOKEN"))
            else:
                server = HttpServer(
                    RitualWSGIApp(runtime.app.bolt, runtime.engine, runtime.in_flight),
                    host=host,
                    port=port,
                    threads=settings.http_threads,
                    connection_limit=settings.http_connection_limit,
                )
                log.info("serving HTTP on %s:%s (Slack: /slack/events, health: /healthz)", host, server.port)
                _start_beside_the_server(runtime, tick_failed)
                server.serve_forever()
    finally:
        runtime.close()
        log.info("stopped")
    if tick_failed.is_set():
        raise click.ClickException("the tick could not start (see the log above); stopped")


def _start_beside_the_server(runtime: Runtime, tick_failed: threading.Event) -> None:
    """The doctor's checks, then the tick, in a thread of their own while the server answers.

    Neither is what `/healthz` vouches for (a signed Slack request can be served, the database
    is reachable and current: all done before serving), and the doctor asks Slack about every
    person and channel of every ritual, which may take seconds. The doctor still goes first, so
    the channels it joins are joined before the first tick posts; a stop in the meantime means
    the tick never starts (`Runtime.close`).
    """

    def start() -> None:
        try:
            _warn_about_the_workspace(runtime)
        except Exception:  # its findings are warnings; a failure to find them is one too
            log.exception("doctor: the start-up check of the workspace failed")
        try:
            runtime.start_ticking()
        except Exception:
            # Serving without a clock would be half-running: stop, as a failed start would.
            log.exception("cannot start the tick; stopping")
            tick_failed.set()
            os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=start, name="start-up", daemon=True).start()


def _warn_about_the_workspace(runtime: Runtime) -> None:
    """`ritualbot doctor` at start-up: its problems as warnings; the bot runs what it can."""
    doctor = runtime.app.services.doctor
    if doctor is None:
        return
    for finding in doctor.examine():
        if finding.fixed:
            log.info("doctor: %s", finding)
        else:
            log.warning("doctor: %s", finding)


def _serve_socket_mode(runtime: Runtime, app_token: str) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(runtime.app.bolt, app_token=app_token)
    log.info("connecting to Slack over Socket Mode")
    try:
        handler.start()
    except (SystemExit, KeyboardInterrupt):
        pass
    except SlackApiError as error:
        # apps.connections.open refused the token (a bot token pasted there, a revoked one):
        # say which setting is wrong, as for SLACK_BOT_TOKEN, rather than print a traceback.
        raise click.ClickException(
            f"Slack refused SLACK_APP_TOKEN ({error.response.get('error')}). "
            f"Set it to {TOKEN_HELP['SLACK_APP_TOKEN']}."
        ) from error
    finally:
        handler.close()


def attach(group: click.Group) -> None:
    group.add_command(run_command)
