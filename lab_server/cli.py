"""``kitlab``: run and look after a lab server.

::

    kitlab serve [--host H] [--port P]      the lab: broker, ingest, store and dashboard
    kitlab demo [--kits N]                  the same with N simulated rovers, for a first look
    kitlab ingest [--workers N]             only the ingest, N processes on a shared subscription
    kitlab loadgen --kits N --rate HZ       N simulated kits' telemetry from one process
    kitlab kits add NAME [--team T]         a kit's credentials and its agent.toml
    kitlab users add NAME --role teacher|mentor
    kitlab users password NAME              a new password (logs NAME out everywhere)
    kitlab users role NAME --role mentor    a new role (logs NAME out everywhere)
    kitlab users token NAME                 an API token for scripts (replaces the old one)

Every command takes ``--config FILE`` (default ``$KITLAB_CONFIG``, else
``/etc/kitlab/lab.toml`` if it exists). The ``kits`` and ``users`` commands are also the
app's Flask commands (``app.cli``), so tests drive them with Flask's CLI runner.
"""

from __future__ import annotations

import errno
import logging
import signal
import socket
import sys
import threading
from typing import Any
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import AppGroup, ScriptInfo

ROLES = ("teacher", "mentor")

kits_cli = AppGroup("kits", help="Add kits to the lab.")
users_cli = AppGroup("users", help="Add teachers and mentors, and API tokens.")


def init_app(app: Flask) -> None:
    app.cli.add_command(kits_cli)
    app.cli.add_command(users_cli)


def _services() -> Any:
    from .app import lab

    return lab(current_app).services


@kits_cli.command("add")
@click.argument("name")
@click.option("--team", help="the team of students the kit belongs to")
def kits_add(name: str, team: str | None) -> None:
    """Create kit NAME's credentials and print its /etc/kitsdk/agent.toml."""
    from kitsdk.telemetry import check_id

    from .web.provision import provision

    try:
        check_id(name, "kit")
    except ValueError as exc:
        raise click.BadParameter(f"{exc} (use lowercase letters, digits and '-', like kit-07)",
                                 param_hint="NAME") from exc
    # A broker listening on every address is reached by this machine's name; one on
    # loopback only by this machine, at the address it listens on.
    listens = getattr(_services().config, "broker_host", "")
    host = socket.gethostname() if listens in ("0.0.0.0", "::", "") else None
    try:
        created = provision(name, team, host)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"# kit {name} added{f' to team {team}' if team else ''}. Put this in "
               "/etc/kitsdk/agent.toml on the kit (chmod 600); the password is shown only "
               "now.", err=True)
    click.echo(created["agent_toml"], nl=False)


def _password_hash(password: str) -> str:
    from werkzeug.security import generate_password_hash

    if len(password) < 8:
        raise click.BadParameter("use at least 8 characters", param_hint="--password")
    return generate_password_hash(password)


@users_cli.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.password_option(help="the login password (asked for when not given)")
def users_add(name: str, role: str, password: str) -> None:
    """Add a dashboard login: a teacher (everything) or a mentor (read-only)."""
    if not 1 <= len(name) <= 64 or not name.isprintable() or name != name.strip():
        raise click.BadParameter("1 to 64 printable characters, no leading or trailing space",
                                 param_hint="NAME")
    try:
        _services().store.add_user(name, role, _password_hash(password))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"added {role} {name}")


@users_cli.command("password")
@click.argument("name")
@click.password_option(help="the new password (asked for when not given)")
def users_password(name: str, password: str) -> None:
    """Give NAME a new password; it logs NAME out everywhere."""
    try:
        _services().store.set_password(name, _password_hash(password))
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"new password for {name}; their sessions have ended")


@users_cli.command("role")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
def users_role(name: str, role: str) -> None:
    """Make NAME a teacher or a mentor; it logs NAME out everywhere."""
    try:
        _services().store.set_role(name, role)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{name} is now a {role}; their sessions have ended")


@users_cli.command("token")
@click.argument("name")
def users_token(name: str) -> None:
    """Make an API token for NAME (replacing any old one) and print it once."""
    from .web.access import new_token, token_hash

    store = _services().store
    if store.user(name) is None:
        raise click.ClickException(f"there is no user {name!r}")
    token = new_token()
    store.set_token(name, token_hash(token))
    click.echo(token)


# --- the kitlab console script ----------------------------------------------------------------

def _lab_config(config_path: str | None, **overrides: Any) -> Any:
    from .config import LabConfig

    return LabConfig.load(config_path, **overrides)


class _LabScriptInfo(ScriptInfo):
    """Builds the app for ``kits``/``users`` over the lab's store and broker files, starting
    nothing (``services.open_admin``): the lab may be running, and its broker and port
    are its own. Closes the store again."""

    def __init__(self, config_path: str | None) -> None:
        super().__init__(create_app=self._create, set_debug_flag=False,
                         load_dotenv_defaults=False)
        self.config_path = config_path
        self.services: Any = None

    def _create(self) -> Flask:
        from .app import create_app
        from .services import open_admin

        self.services = open_admin(_lab_config(self.config_path))
        return create_app(services=self.services)

    def close(self) -> None:
        if self.services is not None:
            self.services.close()


@click.group(help=__doc__.split("::")[0].strip() if __doc__ else None)
@click.option("--config", "config_path", envvar="KITLAB_CONFIG", type=click.Path(),
              help="the lab's TOML config file")
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    info = _LabScriptInfo(config_path)
    ctx.obj = info
    ctx.call_on_close(info.close)


main.add_command(kits_cli)
main.add_command(users_cli)


def _serve_until_signal(server: Any) -> None:
    """Serve in this thread; SIGTERM and SIGINT close the server (streams end first)."""
    def stop(signum: int, frame: Any) -> None:
        threading.Thread(target=server.close, name="kitlab-stop").start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.run()


def _check_port(host: str, port: int) -> None:
    """Refuse a busy web port in one line, before anything starts."""
    from .web.server import port_in_use

    if port and port_in_use(host, port):
        raise click.ClickException(_port_busy(host, port))


def _port_busy(host: str, port: int) -> str:
    return (f"port {port} on {host} is already in use (another kitlab?): choose another "
            "with --port, or --port 0 for any free one")


@main.command()
@click.option("--host", help="address to listen on (default 0.0.0.0: the room's tablets)")
@click.option("--port", type=int, help="web port (default 8080; 0: any free port)")
@click.pass_obj
def serve(info: _LabScriptInfo, host: str | None, port: int | None) -> None:
    """Run the lab server: broker, ingest, store, dashboard (waitress)."""
    from .app import create_app
    from .services import start_services
    from .web.server import WebServer

    config = _lab_config(info.config_path)
    host = host or str(config.web.get("host", "0.0.0.0"))
    port = port if port is not None else int(config.web.get("port", 8080))
    _check_port(host, port)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    services = start_services(config)
    try:
        app = create_app(services=services)
        try:
            server = WebServer(app, host, port)
        except OSError as exc:  # taken since the check a moment ago
            if exc.errno != errno.EADDRINUSE:
                raise
            raise click.ClickException(_port_busy(host, port)) from None
        broker = services.broker
        where = f"{broker.kind} at {broker.url}" if broker else services.config.broker_url
        click.echo(f"kitlab: lab {services.config.lab} on {server.url} (broker: {where})",
                   err=True)
        _serve_until_signal(server)
    finally:
        services.close()


@main.command()
@click.option("--kits", "count", type=click.IntRange(1, 60), default=6, show_default=True,
              help="how many simulated rovers")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8080, show_default=True,
              help="web port (0: any free port)")
@click.option("--data-dir", type=click.Path(file_okay=False),
              help="keep the demo's data here, and reuse it next time (default: a scratch "
                   "folder, removed at exit)")
def demo(count: int, host: str, port: int, data_dir: str | None) -> None:
    """A lab with simulated kits driving around: open the printed URL and log in."""
    from .demo import start_demo

    _check_port(host, port)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    try:
        lab = start_demo(count, host=host, port=port, data_dir=data_dir)
    except OSError as exc:  # taken since the check a moment ago
        if exc.errno != errno.EADDRINUSE:
            raise
        raise click.ClickException(_port_busy(host, port)) from None
    try:
        click.echo(f"kitlab demo: {count} simulated kits in lab {lab.services.config.lab}")
        click.echo(f"  open    {lab.url}")
        click.echo(f"  teacher {lab.teacher[0]} / {lab.teacher[1]}")
        click.echo(f"  mentor  {lab.mentor[0]} / {lab.mentor[1]}  (read-only)")
        click.echo(f"  broker  {lab.services.broker.kind} at {lab.services.broker.url}")
        click.echo("Ctrl+C stops everything.")
        sys.stdout.flush()
        _serve_until_signal_thread(lab)
    finally:
        lab.close()


@main.command()
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="ingest processes sharing the lab's stream (MQTT 5 shared subscription)")
@click.pass_obj
def ingest(info: _LabScriptInfo, workers: int) -> None:
    """Only the ingest (broker to store), for a district: no web, no broker of its own."""
    from .exc import ConfigError
    from .workers import IngestWorkers

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        running = IngestWorkers(_lab_config(info.config_path), workers)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: running.stop())
    first = running.configs[0]
    store = urlsplit(first.store_url)  # no password in the log
    click.echo(f"kitlab ingest: {workers} worker(s) of lab {first.lab} from "
               f"{first.broker_url} into {store.scheme}://{store.hostname or ''}{store.path}",
               err=True)
    running.run()


@main.command()
@click.option("--broker", default="mqtt://127.0.0.1:1883", show_default=True,
              help="the broker to publish to; it must let this client publish for every kit")
@click.option("--lab", "lab_id", help="the lab's id (default: the lab config's)")
@click.option("--kits", "count", type=click.IntRange(1, 100_000), default=40,
              show_default=True, help="how many simulated kits")
@click.option("--rate", type=click.FloatRange(0.01, 1000, min_open=False), default=10.0,
              show_default=True, help="telemetry per kit per second")
@click.option("--seconds", type=click.FloatRange(0.01, None), default=60.0, show_default=True)
@click.option("--outage", "outages", multiple=True, metavar="START:LENGTH",
              help="the kits lose the lab START s into the run for LENGTH s, then replay "
                   "(repeatable)")
@click.option("--prefix", default="load", show_default=True,
              help="the kits are PREFIX-0001, PREFIX-0002 ...")
@click.option("--add-kits", is_flag=True,
              help="first add the kits the lab does not have to its store (--config)")
@click.option("--username", default="", help="the broker login, if it needs one")
@click.option("--password", default="", envvar="KITLAB_LOADGEN_PASSWORD",
              help="its password (or $KITLAB_LOADGEN_PASSWORD)")
@click.option("--mqtt-version", type=click.Choice(["3", "5"]), default="5", show_default=True)
@click.pass_obj
def loadgen(info: _LabScriptInfo, broker: str, lab_id: str | None, count: int, rate: float,
            seconds: float, outages: tuple[str, ...], prefix: str, add_kits: bool,
            username: str, password: str, mqtt_version: str) -> None:
    """Simulated kits' telemetry, from one process; prints a JSON report of what it sent."""
    from kitsdk.telemetry import check_id

    from .loadgen import LoadGenerator, LoadReport, Outage, kit_ids

    try:
        planned = [Outage.parse(text) for text in outages]
        kits = kit_ids(prefix, count)
        check_id(kits[-1], "a kit of --prefix")  # the longest: an id is at most 32 long
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    config = _lab_config(info.config_path)
    lab_id = lab_id or config.lab
    if add_kits:
        from .services import open_admin

        info.services = info.services or open_admin(config)
        known = set(info.services.store.kit_ids())
        for kit in kits:
            if kit not in known:
                info.services.store.add_kit(kit, team=prefix)
        click.echo(f"kitlab loadgen: lab {lab_id} has the {count} kits", err=True)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())

    def said(report: LoadReport) -> None:
        click.echo(f"kitlab loadgen: {report.sent} sent, {report.behind_max:.2f} s behind at "
                   "worst", err=True)

    generator = LoadGenerator(broker, lab_id, kits, rate, username=username,
                              password=password, protocol=int(mqtt_version))
    click.echo(f"kitlab loadgen: {count} kits x {rate:g} Hz for {seconds:g} s to {broker} "
               f"(lab {lab_id})", err=True)
    try:
        report = generator.run(seconds, planned, stopping, progress=said)
    except OSError as exc:
        raise click.ClickException(f"cannot reach the broker at {broker}: {exc}") from None
    click.echo(report.to_json())
    if report.acked < report.sent:
        raise click.ClickException(f"the broker acknowledged {report.acked} of {report.sent}")


def _serve_until_signal_thread(lab: Any) -> None:
    """The demo's server runs in its own thread; wait here for SIGINT or SIGTERM."""
    done = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    while not done.wait(1.0):
        pass
