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
    threads: int = typer.Option(8, help="Worker threads."),
) -> None:
    """Serve the web app with waitress (a production-grade WSGI server)."""
    from waitress import serve as waitress_serve

    from caretrust.config.bootstrap import setup_django

    setup_django(check_database=True)
    from django.core.management import call_command

    call_command("check", "--fail-level", "ERROR")
    from caretrust.config.wsgi import application

    typer.echo(f"caretrust is running on http://{host}:{port}/ (Ctrl+C to stop)")
    waitress_serve(application, host=host, port=port, threads=threads, ident="caretrust")


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
        serve(host=host, port=port, threads=8)


def register(app: typer.Typer) -> None:
    app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(manage)
    app.command()(serve)
    app.command()(demo)
