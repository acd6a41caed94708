"""Commands that run the operational system: Django management, the web server, the demo."""

from __future__ import annotations

import typer


def manage(ctx: typer.Context) -> None:
    """Run a Django management command, e.g. `caretrust manage migrate`."""
    from django.core.management import execute_from_command_line

    from caretrust.config.bootstrap import setup_django

    setup_django(check_database=True)
    execute_from_command_line(["caretrust manage", *ctx.args])


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    threads: int = typer.Option(8, help="Worker threads (per process)."),
    processes: int = typer.Option(
        1,
        min=1,
        help="Worker processes. 1: waitress in this process (any platform). More: gunicorn "
        "(Linux/macOS), one worker per process, each with --threads threads (ADR 0042).",
    ),
    jobs: bool = typer.Option(
        True,
        "--jobs/--no-jobs",
        help="With one process, also run background jobs in a thread of this process (ADR 0048). "
        "With more, run `caretrust worker` beside it.",
    ),
) -> None:
    """Serve the web app with waitress, or with gunicorn's worker processes (both production
    WSGI servers)."""
    from caretrust.config.bootstrap import setup_django

    setup_django(check_database=True)
    from django.core.management import call_command

    call_command("check", "--fail-level", "ERROR")
    from caretrust.config.wsgi import application

    typer.echo(f"caretrust is running on http://{host}:{port}/ (Ctrl+C to stop)")
    if processes == 1:
        if jobs:
            from caretrust.jobs.worker import start_embedded_worker

            if start_embedded_worker():
                typer.echo("Background jobs run in this process (`--no-jobs` to run them apart).")
        from waitress import serve as waitress_serve

        waitress_serve(application, host=host, port=port, threads=threads, ident="caretrust")
        return
    _serve_with_gunicorn(application, f"{host}:{port}", processes=processes, threads=threads)


def _serve_with_gunicorn(application, bind: str, *, processes: int, threads: int) -> None:
    """Python holds one core per process (the GIL): on a machine with more than one core, several
    processes serve more requests than one process with more threads. gunicorn supervises them
    (restarts a worker that dies, stops them all on SIGTERM/SIGINT)."""
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    # The check above opened a database connection: a forked worker must not share it.
    connections.close_all()

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", [bind])
            self.cfg.set("workers", processes)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("proc_name", "caretrust")
            # gunicorn closes an idle keep-alive connection after 2 s by default; a person reading
            # a page for longer then races the close with their next click (connection reset).
            # Longer than the usual 60 s idle timeout of a proxy or load balancer in front.
            self.cfg.set("keepalive", 75)
            # Quiet by default like waitress; errors still go to stderr.
            self.cfg.set("accesslog", None)
            self.cfg.set("loglevel", "warning")

        def load(self):
            return application

    Server().run()


def demo(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    serve_after: bool = typer.Option(True, "--serve/--no-serve", help="Start the web app."),
    people: int = typer.Option(2000, help="People in the demo's synthetic place."),
    population: bool = typer.Option(
        True, "--population/--no-population", help="Load the synthetic place (first run only)."
    ),
) -> None:
    """Prepare the embedded demo (migrate, static files, demo directory, a synthetic place with
    its records linked and scored) and serve it. Later runs reuse what is already loaded."""
    from caretrust.config.bootstrap import setup_django

    setup_django(check_database=True)
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("load_demo")
    if population:
        from caretrust.web.demo_population import prepare

        facts = prepare(settings.VAR_DIR, people=people)
        typer.echo(
            f"Demo place ready: {facts['people']:,} synthetic people over {facts['years']} years."
        )
    from caretrust.web.demo_scenario import load_demo_scenario

    if load_demo_scenario():
        typer.echo("Demo story ready: Edith Smith's plan is agreed; referrals are waiting.")
    if serve_after:
        serve(host=host, port=port, threads=8, processes=1, jobs=True)


def register(app: typer.Typer) -> None:
    app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(manage)
    app.command()(serve)
    app.command()(demo)
