"""Commands that run the operational system: Django management, the web server, the demo."""

from __future__ import annotations

import typer


def manage(ctx: typer.Context) -> None:
    """Run a Django management command, e.g. `caretrust manage migrate`."""
    from django.core.management import execute_from_command_line

    from caretrust.config.bootstrap import setup_django

    setup_django(check_database=True)
    execute_from_command_line(["caretrust manage", *ctx.args])


DEVELOPMENT_NOTICE = (
    "caretrust: running the development configuration (DJANGO_SETTINGS_MODULE is not set: "
    "DEBUG on, the development secret key, SQLite under var/); never expose it to a network. "
    "Production: DJANGO_SETTINGS_MODULE=caretrust.config.settings.production (DEVELOPERS.md)."
)


def _say_if_development() -> None:
    """One line on standard error when no settings module was chosen: the embedded defaults are
    for a laptop, not a server (ADR 45)."""
    import os

    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        typer.echo(DEVELOPMENT_NOTICE, err=True)


def _trusted_proxies() -> tuple[str, ...]:
    from django.conf import settings

    return tuple(str(network) for network in settings.TRUSTED_PROXIES)


def _redirects_to_https() -> bool:
    from django.conf import settings

    return bool(getattr(settings, "SECURE_SSL_REDIRECT", False))


def _waitress_proxy_options(networks: tuple[str, ...]) -> dict:
    """waitress trusts one proxy address (no networks): tell it when TRUSTED_PROXIES is exactly one
    address. Otherwise `TrustedProxyMiddleware` alone applies the headers, to the same effect."""
    import ipaddress

    if len(networks) != 1:
        return {}
    network = ipaddress.ip_network(networks[0])
    if network.num_addresses != 1:
        return {}
    return {
        "trusted_proxy": str(network.network_address),
        "trusted_proxy_count": 1,
        "trusted_proxy_headers": {"x-forwarded-proto", "x-forwarded-for"},
        "clear_untrusted_proxy_headers": True,
    }


def deploy() -> None:
    """Prepare this release to serve: refuse unsafe settings, migrate the database, and build the
    static files with their hashed-name manifest (collectstatic). Run it on every release, with the
    production environment, before `caretrust serve` (DEVELOPERS.md, "Deploying")."""
    from caretrust.config.bootstrap import StartupError, ensure_cache_reachable, setup_django

    _say_if_development()
    setup_django(check_database=True)
    ensure_cache_reachable()
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.core.management import call_command

    if finders.find("nhsuk/caretrust.css") is None:
        raise StartupError(
            "static files: the NHS.UK assets are not built (run `make assets` in the source tree)"
        )
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", "--deploy", "--fail-level", "WARNING")
    except SystemCheckError as exc:
        typer.echo(str(exc), err=True)
        raise StartupError("deploy: Django's deployment checks found problems (above)") from None
    call_command("migrate", interactive=False, verbosity=1)
    call_command("collectstatic", interactive=False, verbosity=0)
    typer.echo(f"Static files built in {settings.STATIC_ROOT} with a manifest of hashed names.")
    typer.echo("Ready: start it with `caretrust serve --processes N`.")


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
    from caretrust.config.bootstrap import ensure_cache_reachable, setup_django

    _say_if_development()
    setup_django(check_database=True)
    ensure_cache_reachable()
    from django.core.management import call_command

    call_command("check", "--fail-level", "ERROR")
    from caretrust.config.wsgi import application

    proxies = _trusted_proxies()
    typer.echo(f"caretrust is running on http://{host}:{port}/ (Ctrl+C to stop)")
    if proxies:
        typer.echo(f"Trusting X-Forwarded-Proto and X-Forwarded-For from: {', '.join(proxies)}")
    elif _redirects_to_https():
        typer.echo(
            "caretrust: TRUSTED_PROXIES is empty, so every request is redirected to HTTPS: set it "
            "to the address of the TLS proxy in front (DEVELOPERS.md, Deploying)",
            err=True,
        )
    if processes == 1:
        if jobs:
            from caretrust.jobs.worker import start_embedded_worker

            if start_embedded_worker():
                typer.echo("Background jobs run in this process (`--no-jobs` to run them apart).")
        from waitress import serve as waitress_serve

        waitress_serve(
            application,
            host=host,
            port=port,
            threads=threads,
            ident="caretrust",
            **_waitress_proxy_options(proxies),
        )
        return
    _serve_with_gunicorn(
        application, f"{host}:{port}", processes=processes, threads=threads, proxies=proxies
    )


def _serve_with_gunicorn(
    application, bind: str, *, processes: int, threads: int, proxies: tuple[str, ...] = ()
) -> None:
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
            self.cfg.set("proc_name", "caretrust")
            if threads == 1:
                # One request at a time per process (gunicorn's sync worker): only an idle worker
                # takes the next connection, so requests queue for the first free process and
                # never share a process's one core (the GIL) with others. No keep-alive: each
                # request is its own connection (a proxy in front keeps the browser's). ADR 120.
                self.cfg.set("worker_class", "sync")
            else:
                self.cfg.set("threads", threads)
                self.cfg.set("worker_class", "gthread")
                # gunicorn closes an idle keep-alive connection after 2 s by default; a person
                # reading a page for longer then races the close with their next click
                # (connection reset). Longer than the usual 60 s idle timeout of a proxy or load
                # balancer in front.
                self.cfg.set("keepalive", 75)
            # Quiet by default like waitress; errors still go to stderr.
            self.cfg.set("accesslog", None)
            self.cfg.set("loglevel", "warning")
            # X-Forwarded-Proto is believed only from TRUSTED_PROXIES (gunicorn's default trusts
            # 127.0.0.1); TrustedProxyMiddleware applies the same list inside Django.
            self.cfg.set("forwarded_allow_ips", ",".join(proxies) if proxies else "")
            self.cfg.set("secure_scheme_headers", {"X-FORWARDED-PROTO": "https"})

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
        from caretrust.demo.population import prepare

        facts = prepare(settings.VAR_DIR, people=people)
        typer.echo(
            f"Demo place ready: {facts['people']:,} synthetic people over {facts['years']} years."
        )
    from caretrust.demo.scenario import load_demo_scenario

    if load_demo_scenario():
        typer.echo("Demo story ready: Edith Smith's plan is agreed; referrals are waiting.")
    if serve_after:
        serve(host=host, port=port, threads=8, processes=1, jobs=True)


def register(app: typer.Typer) -> None:
    app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(manage)
    app.command()(serve)
    app.command()(deploy)
    app.command()(demo)
