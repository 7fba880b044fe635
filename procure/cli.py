"""Flask CLI commands of the core: `flask seed`."""
import click
from flask.cli import with_appcontext


@click.command("seed")
@click.option("--no-demo", is_flag=True, help="Load only the reference data (wards, facilities).")
@click.option("--tenders", is_flag=True, help="Also load demo tenders and a closed month of pooled prices, dated around today "
                   "(for trying the app).")
@with_appcontext
def seed_command(no_demo: bool, tenders: bool) -> None:
    """Load seed_data/ (the 23 wards and demo data). Running it twice changes nothing."""
    from procure.seed import seed_all

    seed_all(demo=not no_demo, tenders=tenders and not no_demo)
    click.echo("seeded" + (" (reference data only)" if no_demo else " (with demo accounts)")
               + (" and demo tenders" if tenders and not no_demo else ""))
