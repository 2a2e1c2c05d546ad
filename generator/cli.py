"""The `exgen` command line. Every failure a user can cause ends in one clear message
and exit status 2, never a traceback."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .bank import Bank, load_bank
from .errors import ExgenError
from .numbers import plain
from .solve import Variant, parse_setting, reference, sample, solve
from .solve import plain_params


def _bank(ctx: click.Context) -> Bank:
    return ctx.obj["bank"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--bank", "bank_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="A bank folder with variants/ and templates/ "
                                 "(default: the project's own).")
@click.pass_context
def cli(ctx: click.Context, bank_dir: Path | None) -> None:
    """exgen: parametric exercises, per-student exams and answer keys."""
    ctx.ensure_object(dict)
    ctx.obj["bank_dir"] = bank_dir
    ctx.obj["bank"] = load_bank(bank_dir)


@cli.command("list")
@click.pass_context
def list_command(ctx: click.Context) -> None:
    """The exercises, their parameters and answers."""
    bank = _bank(ctx)
    for ex in bank.exercises.values():
        click.echo(f"{ex.number:>2}  {ex.id:<24} {ex.title('en')}")
        click.echo(f"    parameters: {', '.join(ex.space.names) or '—'}")
        click.echo(f"    answers:    {', '.join(ex.answers)}")
        click.echo(f"    variants:   {ex.space.size:,}")


def variant_from_options(ex, seed: int | None, use_reference: bool,
                         settings: tuple[str, ...], student: str = "") -> Variant:
    fixed = dict(parse_setting(s) for s in settings)
    if seed is not None and use_reference:
        raise ExgenError("choose either --seed or --reference, not both")
    if seed is None:
        return reference(ex, fixed)
    return sample(ex, seed, student, fixed=fixed)[1]


@cli.command()
@click.argument("exercise_id", metavar="EXERCISE")
@click.option("--lang", default="bg", show_default=True, help="bg or en")
@click.option("--seed", type=int, default=None, help="Draw a variant from this seed.")
@click.option("--student", default="", help="With --seed: the variant of this student id.")
@click.option("--reference", "use_reference", is_flag=True,
              help="The seed's own values (the default without --seed).")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Fix a parameter (JSON value: --set x=[2,4,6]).")
@click.option("--format", "fmt", type=click.Choice(["md", "tex", "json"]), default="md",
              show_default=True)
@click.option("--solution/--no-solution", default=True, show_default=True)
@click.pass_context
def show(ctx, exercise_id, lang, seed, student, use_reference, settings, fmt, solution):
    """One exercise: its text, solution or JSON data."""
    bank = _bank(ctx)
    ex = bank.exercise(exercise_id)
    language = bank.language(lang)
    variant = variant_from_options(ex, seed, use_reference, settings, student)
    solved = solve(variant)
    if fmt == "json":
        data = {"exercise": ex.id, "lang": lang, "params": plain_params(variant.params),
                "answers": {k: plain(v) for k, v in solved.answers.items()}}
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    from .render import Renderer

    rendered = Renderer(bank, lang).render(solved)
    parts = [f"## {language.word('exercise')} {ex.number}: {ex.title(lang)}",
             rendered.question]
    if solution:
        parts += [f"### {language.word('solution')}", rendered.solution]
    text = "\n\n".join(parts) + "\n"
    if fmt == "tex":
        from .latex import markdown_to_latex

        text = markdown_to_latex(text, lang)
    click.echo(text, nl=False)


@cli.command()
@click.pass_context
def check(ctx):
    """Validate the whole bank."""
    from .check import check_bank

    bank = _bank(ctx)
    problems = check_bank(bank)
    if problems:
        raise ExgenError(f"the bank in {bank.root} has {len(problems)} problem(s):\n  "
                         + "\n  ".join(problems))
    click.echo(f"{len(bank.exercises)} exercises in {', '.join(bank.languages)}: all good.")


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="exgen", standalone_mode=False)
    except ExgenError as exc:
        click.echo(f"exgen: error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("exgen: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(0)
