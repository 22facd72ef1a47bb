#!/usr/bin/python3
"""Runs the notebooks headless and says which pass (`npm run notebooks`; CI).

    /usr/bin/python3 tools/run_notebooks.py [--write] [--timeout S] [notebooks/x.ipynb ...]

Executes every notebooks/*.ipynb (or the ones given) with Debian's nbclient, in the project root
as working folder, on the project-local tslab kernel (tools/install_kernel.sh; JUPYTER_PATH is set
here). TRACT_PROFILE defaults to `ci` (kept when set), so notebooks compute with the ci profile
unless told otherwise; TRACT_REQUIRE_PNG defaults to 1, so a figure whose PNG fallback cannot be
made fails its cell. Prints one line per notebook, `PASS name (12.3 s)` or `FAIL name (...)`
followed by the failing cell's source and its error text (tslab writes compile and runtime errors
to stderr stream outputs, and raises error outputs), then `N passed, N failed`. Exit code 1 if any
failed, 2 on a usage or setup error.

--write saves each executed notebook that passed, with its outputs, back in place (atomically);
without it nothing in the repository changes.
"""
import argparse
import glob
import os
import re
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JUPYTER_PATH = os.path.join(ROOT, '.jupyter', 'share', 'jupyter')
KERNELS = os.path.join(JUPYTER_PATH, 'kernels')

os.environ['JUPYTER_PATH'] = os.pathsep.join(p for p in [JUPYTER_PATH, os.environ.get('JUPYTER_PATH', '')] if p)
os.environ.setdefault('TRACT_PROFILE', 'ci')
# runs of profiles other than full go to results/<profile>/ (ignored by git), not beside the committed results
if os.environ['TRACT_PROFILE'] != 'full':
    os.environ.setdefault('TRACT_RESULTS', os.path.join('results', os.environ['TRACT_PROFILE']))
# a figure whose PNG fallback fails is an error here (notebook/display.ts), not a figure silently missing in static viewers
os.environ.setdefault('TRACT_REQUIRE_PNG', '1')
os.environ.setdefault('PYDEVD_DISABLE_FILE_VALIDATION', '1')  # silences a debugger warning on Python 3.11

import nbformat  # noqa: E402  (after JUPYTER_PATH is set)
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError  # noqa: E402

ANSI = re.compile(r'\x1b\[[0-9;]*[A-Za-z]')
# stack frames of tslab's executor, its command parser and node:vm under every cell error: noise
KERNEL_FRAME = re.compile(r'^\s+at .*(node:vm|[\\/]tslab[\\/]dist[\\/]|[\\/]commander[\\/]|sigintHandlersWrap)')


def die(message):
    print(f'run_notebooks: {message}', file=sys.stderr)
    sys.exit(2)


def kernel_name():
    """The kernel that tools/install_kernel.sh registered under .jupyter/ (the only one there)."""
    names = sorted(d for d in os.listdir(KERNELS) if os.path.isfile(os.path.join(KERNELS, d, 'kernel.json'))) if os.path.isdir(KERNELS) else []
    if len(names) != 1:
        die(f'expected one kernelspec in {KERNELS}, found {names or "none"} (run: npm run kernel:install)')
    return names[0]


def indent(text, prefix='    '):
    return '\n'.join(prefix + line for line in text.rstrip('\n').split('\n'))


def error_text(cell, exc):
    """The failing cell's stderr and error outputs (ANSI colours removed), else the exception."""
    parts = []
    for out in cell.get('outputs', []):
        if out.get('output_type') == 'stream' and out.get('name') == 'stderr':
            parts.append(out.get('text', ''))
        elif out.get('output_type') == 'error':
            tb = '\n'.join(out.get('traceback') or [])
            parts.append(tb if tb.strip() else f"{out.get('ename', '')}: {out.get('evalue', '')}")
    text = ANSI.sub('', ''.join(p if p.endswith('\n') else p + '\n' for p in parts))
    text = '\n'.join(line for line in text.split('\n') if not KERNEL_FRAME.match(line)).strip()
    if isinstance(exc, (CellTimeoutError, DeadKernelError)):
        text = (text + '\n' if text else '') + str(exc).strip().split('\n')[0]
    if not text:
        text = ANSI.sub('', str(exc)).strip() or type(exc).__name__
    return text


def kernel_log(f, tail=40):
    """The last lines the kernel process wrote to its stderr."""
    f.flush()
    f.seek(0)
    lines = ANSI.sub('', f.read()).rstrip().split('\n')
    return ['  kernel stderr:', indent('\n'.join(lines[-tail:]))] if lines != [''] else []


def write_atomic(nb, path):
    mode = os.stat(path).st_mode & 0o777
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix='.' + os.path.basename(path) + '.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            nbformat.write(nb, f)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def run(path, kernel, timeout, write):
    """Executes one notebook; returns (passed, seconds, report lines)."""
    name = os.path.relpath(path, ROOT)
    nb = nbformat.read(path, as_version=4)
    current = {'index': None}

    def on_cell_execute(cell, cell_index, **_):
        current['index'] = cell_index

    client = NotebookClient(
        nb, kernel_name=kernel, timeout=timeout, startup_timeout=120, record_timing=False,
        resources={'metadata': {'path': ROOT}}, on_cell_execute=on_cell_execute,
    )
    t0 = time.monotonic()
    # The kernel process's own stderr (not the cells': those are outputs) is kept aside and shown only
    # when the kernel died or did not start; otherwise its shutdown noise would follow the summary line.
    with tempfile.TemporaryFile(mode='w+', encoding='utf-8', errors='replace') as kernel_err:
        try:
            client.execute(stderr=kernel_err)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
            seconds = time.monotonic() - t0
            lines = [f'FAIL {name} ({seconds:.1f} s)']
            if current['index'] is not None:
                cell = nb.cells[current['index']]
                lines += [f'  cell {current["index"]}:', indent(cell.source), '  error:', indent(error_text(cell, exc))]
            else:
                lines += ['  error:', indent(ANSI.sub('', str(exc)).strip() or type(exc).__name__)]
            if isinstance(exc, DeadKernelError):
                lines += kernel_log(kernel_err)
            return False, seconds, lines
        except Exception as exc:  # kernel start failures and the like
            seconds = time.monotonic() - t0
            return False, seconds, [f'FAIL {name} ({seconds:.1f} s)', '  error:', indent(f'{type(exc).__name__}: {exc}')] + kernel_log(kernel_err)
    seconds = time.monotonic() - t0
    if write:
        write_atomic(nb, path)
    return True, seconds, [f'PASS {name} ({seconds:.1f} s)' + (' written' if write else '')]


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('notebooks', nargs='*', help='notebooks to run (default: notebooks/*.ipynb)')
    ap.add_argument('--write', action='store_true', help='save executed notebooks that pass, with outputs, in place')
    ap.add_argument('--timeout', type=int, default=300, help='seconds per cell (default 300)')
    args = ap.parse_args(argv)
    paths = [os.path.abspath(p) for p in args.notebooks] or sorted(glob.glob(os.path.join(ROOT, 'notebooks', '*.ipynb')))
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing:
        die(f'no such notebook: {", ".join(missing)}')
    kernel = kernel_name()
    print(f'notebooks: {len(paths)}, kernel {kernel}, TRACT_PROFILE={os.environ["TRACT_PROFILE"]}, cell timeout {args.timeout} s', flush=True)
    passed = failed = 0
    for path in paths:
        try:
            ok, _, lines = run(path, kernel, args.timeout, args.write)
        except Exception as exc:  # an unreadable notebook, a failed write
            ok, lines = False, [f'FAIL {os.path.relpath(path, ROOT)}', '  error:', indent(f'{type(exc).__name__}: {exc}')]
        print('\n'.join(lines), flush=True)
        passed += ok
        failed += not ok
    print(f'{passed} passed, {failed} failed', flush=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
