"""A simulated Slack workspace: a local Web API over real HTTP, plus a driver playing Slack's part.

Slack cannot be reached from our machines, so end-to-end tests, `ritualbot demo` and the
benchmarks run the bot against this stand-in instead: the bot's real `slack_sdk.WebClient`
talks to `SimulatedWorkspace.api_url`, and `SlackDriver` sends signed requests into the bot's
real `/slack/events` endpoint. Both are strict where Slack is strict (blocks, trigger ids,
hashes, ids), so a bot that passes here does not trip on the same things in production.
"""

from simulator.driver import BotReply, SlackDriver
from simulator.errors import AckTimeoutError, SimulatorError
from simulator.faults import Faults
from simulator.records import (
    Canvas,
    EphemeralMessage,
    Message,
    RecordedCall,
    ResponseUrlPost,
    UploadedFile,
    ViewRecord,
)
from simulator.roster import Channel, Roster, User, UserGroup, default_roster, generated_roster
from simulator.state import Identity
from simulator.workspace import SimulatedWorkspace

__all__ = [
    "AckTimeoutError",
    "BotReply",
    "Canvas",
    "Channel",
    "EphemeralMessage",
    "Faults",
    "Identity",
    "Message",
    "RecordedCall",
    "ResponseUrlPost",
    "Roster",
    "SimulatedWorkspace",
    "SimulatorError",
    "SlackDriver",
    "UploadedFile",
    "User",
    "UserGroup",
    "ViewRecord",
    "default_roster",
    "generated_roster",
]
