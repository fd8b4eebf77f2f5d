"""The paper's ``main.tex``, inputting every table and figure, and its compilation with pdflatex."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Callable, Sequence

from transferability.report.latex import latex_escape

Log = Callable[[str], None]
LATEX_PACKAGES = ("booktabs", "graphicx")


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(Path(path).resolve(), Path(start).resolve())).as_posix()


def main_tex(tables: Sequence[Path], figures: Sequence[tuple[Path, str]], output: Path, title: str, log: Log) -> None:
    """``main.tex`` that inputs every table and includes every figure (paths relative to its folder)."""
    folder = Path(output).parent
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        r"\documentclass[10pt]{article}",
        *(rf"\usepackage{{{p}}}" for p in LATEX_PACKAGES),
        r"\usepackage[margin=1.5cm,landscape]{geometry}",
        rf"\title{{{latex_escape(title)}}}", r"\date{}",
        r"\begin{document}", r"\maketitle",
        *(rf"\input{{{_relative(t, folder)}}}" for t in tables),
    ]
    for k, (figure, caption) in enumerate(figures):
        lines += [r"\begin{figure}[p]", r"\centering",
                  rf"\includegraphics[width=\linewidth,height=0.8\textheight,keepaspectratio]{{{_relative(figure, folder)}}}",
                  rf"\caption{{{latex_escape(caption)}}}", rf"\label{{fig:{k + 1}}}", r"\end{figure}"]
        if (k + 1) % 4 == 0:
            lines.append(r"\clearpage")
    lines.append(r"\end{document}")
    Path(output).write_text("\n".join(lines) + "\n")
    log(f"wrote {output}: {len(tables)} tables, {len(figures)} figures")


def compile_pdf(tex: Path, output: Path, log: Log) -> None:
    """Run pdflatex twice (for references) in the file's folder; fail with the TeX log's tail."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise RuntimeError("pdflatex is not installed: install a minimal TeX (Debian: apt install texlive-latex-base "
                           "texlive-latex-recommended) or build main.tex elsewhere")
    tex = Path(tex)
    for _ in range(2):
        run = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", tex.name],
                             cwd=tex.parent, capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError(f"pdflatex failed on {tex} (exit {run.returncode}):\n{run.stdout[-3000:]}")
    built = tex.with_suffix(".pdf")
    if built.resolve() != Path(output).resolve():
        shutil.move(built, output)
    log(f"compiled {output}")
