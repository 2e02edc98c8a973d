"""`ritualbot research`: the customer research registry from the command line.

    ritualbot research import --accounts FILE --contacts FILE --touches FILE
    ritualbot research check ACCOUNT|EMAIL
    ritualbot research search TEXT [tag:x] [account:y] [by:U…]
    ritualbot research export [--format csv|json] [-o FILE]
    ritualbot research forget EMAIL

They read and write the database only (no Slack token needed) with the research rules from the
built-in library and `RITUALS_PATH` (loaded with the rest of the configuration, which must be valid).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from bot.commands.output_file import output_option, write_document
from bot.configuration import load_configuration
from bot.database import open_database
from bot.settings import Settings
from core.clock import SystemClock
from core.errors import UserFacingError
from research import outreach
from research.operations.exporting import export_csv, export_json
from research.operations.forgetting import forget
from research.operations.importing import ImportReport, import_accounts, import_contacts, import_touches
from research.rules import describe
from research.search import HIGHLIGHT_END, HIGHLIGHT_START, PAGE_SIZE, parse_query, search
from research.services import ResearchServices
from research.standing import Standing


@contextmanager
def _registry() -> Iterator[ResearchServices]:
    settings = Settings.load()
    rules = load_configuration(settings.rituals_path).research_rules
    with open_database(settings.database_url) as database:
        yield ResearchServices(database.session_factory, SystemClock(), rules)


@click.group("research")
def research_group() -> None:
    """The customer research registry: import, check, search, export, forget."""


CSV_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@research_group.command("import")
@click.option("--accounts", type=CSV_FILE, help="Columns name,domain[,crm_id,owner].")
@click.option("--contacts", type=CSV_FILE, help="Columns email,name,account_domain[,role].")
@click.option(
    "--touches",
    type=CSV_FILE,
    help="Columns date,contact_email,account_domain,by,kind,topic,summary[,tags,link].",
)
def import_command(accounts: Path | None, contacts: Path | None, touches: Path | None) -> None:
    """Import CSV files (accounts first, then contacts, then touches); again adds nothing.

    Each bad row is reported as `file:line: message` and skipped; exits 1 if there was any.
    """
    steps = [
        (path, importer, noun)
        for path, importer, noun in (
            (accounts, import_accounts, "accounts"),
            (contacts, import_contacts, "contacts"),
            (touches, import_touches, "touches"),
        )
        if path is not None
    ]
    if not steps:
        raise click.UsageError("give at least one of --accounts, --contacts and --touches")
    reports: list[ImportReport] = []
    with _registry() as research:
        now = research.clock.now()
        for path, importer, noun in steps:
            report = importer(research.session_factory, path, now, research.today(), _progress)
            for problem in sorted(report.problems):
                click.echo(str(problem), err=True)
            click.echo(report.summary(noun))
            reports.append(report)
    if any(report.problems for report in reports):
        raise SystemExit(1)


def _progress(line: str) -> None:
    click.echo(line, err=True)


def _standing_lines(where: Standing) -> list[str]:
    subject = where.subject
    name = f"{subject.account.name} ({subject.account.domain})" if subject.account else subject.label
    if subject.email and subject.account:
        name = f"{subject.email} at {name}"
    status = "; ".join(describe(v) for v in where.violations) or "free to contact"
    lines = [f"{name}: {status}"]
    if where.owner:
        lines.append(f"Relationship owner: {where.owner}")
    if where.usage is not None:
        lines.append(f"Touches in {where.usage.period}: {where.usage.used} of {where.usage.limit}")
    if subject.account is None:
        lines.append("Not in the registry yet: nobody has logged a touch with them.")
    if where.recent:
        lines.append("Last touches, all teams, newest first:")
        for line in where.recent:
            contact = f" (with {line.contact})" if line.contact else ""
            lines.append(
                f"  {line.touched_on}  {line.kind.value:<9}  {line.by}  {line.topic or '(erased)'}{contact}"
            )
    return lines


@research_group.command("check")
@click.argument("target")
def check_command(target: str) -> None:
    """Where ACCOUNT (domain or name) or EMAIL stands today: status, owner, last touches."""
    with _registry() as research:
        try:
            where = outreach.check(research, target)
        except UserFacingError as error:
            raise click.ClickException(error.message) from error
    for line in _standing_lines(where):
        click.echo(line)


@research_group.command("search")
@click.argument("words", nargs=-1, required=True)
@click.option("--page", default=1, show_default=True, type=click.IntRange(1), help="Which page of results.")
def search_command(words: tuple[str, ...], page: int) -> None:
    """Search the notes: TEXT and filters tag:x, account:y, by:U… (a Slack id or an email)."""
    text = " ".join(words)
    query = parse_query(text)
    if query.empty:
        raise click.UsageError("give words to search for, or a tag:, account: or by: filter")
    with _registry() as research, research.session_factory() as session:
        found = search(session, query, offset=(page - 1) * PAGE_SIZE)
    if not found.hits:
        click.echo("No research notes match." if page == 1 else "No more results.")
        return
    last = found.offset + len(found.hits)
    click.echo(f"Results {found.offset + 1} to {last} of {found.total}, best match first")
    for hit in found.hits:
        tags = f"  #{' #'.join(hit.tags)}" if hit.tags else ""
        click.echo(f"\n{hit.touched_on}  {hit.kind.value}  {hit.account}  {hit.by}  {hit.topic}{tags}")
        snippet = " ".join(hit.snippet.split()).replace(HIGHLIGHT_START, "[").replace(HIGHLIGHT_END, "]")
        if snippet:
            click.echo(f"  {snippet}")
        if hit.link:
            click.echo(f"  {hit.link}")
    if last < found.total:
        click.echo(f"\nMore: --page {page + 1}")


@research_group.command("export")
@click.option(
    "--format", "output_format", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@output_option
def export_command(output_format: str, output: Path | None) -> None:
    """Export the registry: csv in the touches' import format, json with everything."""
    with _registry() as research, research.session_factory() as session:
        text = export_csv(session) if output_format == "csv" else export_json(session)
    write_document(text, output)


@research_group.command("forget")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def forget_command(email: str, yes: bool) -> None:
    """Erase EMAIL's personal data; their touches stay as anonymous counts for the limits."""
    if not yes:
        click.confirm(f"Erase the personal data of {email} from the research registry?", abort=True)
    with _registry() as research, research.session_factory.begin() as session:
        try:
            done = forget(session, email, research.clock.now())
        except ValueError as error:
            raise click.ClickException(str(error)) from error
    if not done.found:
        click.echo(f"No contact with the email {done.email}; nothing to erase.")
        return
    click.echo(
        f"Erased {done.email}: name, role and email removed; {done.touches} touch(es) kept without their "
        f"notes, so the account's limits still count them; {done.overrides} override reason(s) erased."
    )


def attach(group: click.Group) -> None:
    group.add_command(research_group)
