import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { renumberSvgIds, sortSvgAttributes } from '../../src/report/deterministicSvg';
import { embedFigureFont, parseUnicodeRange, uncoveredCharacters } from '../../src/report/figureFont';
import {
  CHROMIUM_ARGS,
  chromiumChoice,
  chromiumExecutable,
  closeFigureBrowser,
  DEFAULT_CHROMIUM,
  exportFigures,
  FigureRenderer,
  figureToPng,
  figureToSvg,
  missingLibraries,
  missingLibraryMessage,
  parseFormats,
} from '../../src/report/exportFigures';
import { ablationBars, predictedVsGold, type NamedFigure } from '../../src/report/figures';
import type { Prediction } from '../../src/results/formats';

const ROOT = join(__dirname, '..', '..');
const FIX = join(__dirname, '..', 'fixtures', 'report');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Decodes an 8-bit, non-interlaced PNG (what Chromium writes) into its raw pixel bytes: IHDR,
 * the inflated IDAT stream, and the per-row filters undone (PNG spec §9).
 */
function decodePng(buf: Buffer): { width: number; height: number; channels: number; pixels: Uint8Array } {
  assert.ok(buf.subarray(0, 8).equals(PNG_SIGNATURE), 'PNG signature');
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      assert.equal(body[8], 8, 'bit depth 8');
      channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[body[9]];
      assert.ok(channels, `colour type ${body[9]}`);
      assert.equal(body[12], 0, 'not interlaced');
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  assert.equal(raw.length, height * (stride + 1), 'inflated IDAT size');
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= channels ? out[y * stride + x - channels] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels] : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a),
          pb = Math.abs(p - b),
          pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else assert.equal(filter, 0, `filter type ${filter}`);
      out[y * stride + x] = (v + pred) & 0xff;
    }
  }
  return { width, height, channels, pixels: out };
}

/** Number of distinct pixel values (as RGBA strings), up to `cap`. */
function distinctPixels(png: ReturnType<typeof decodePng>, cap = 50): number {
  const seen = new Set<string>();
  for (let i = 0; i < png.pixels.length && seen.size < cap; i += png.channels)
    seen.add(png.pixels.subarray(i, i + png.channels).join(','));
  return seen.size;
}

function figures(): NamedFigure[] {
  const preds: Prediction[] = readFileSync(join(FIX, 'runs', 'fx-tract-a1', 'predictions.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  return [
    {
      name: 'bars',
      figure: ablationBars(
        [
          { label: 'raft (B3)', group: 'test', value: 0.2, lo: 0.1, hi: 0.3 },
          { label: 'tract (T)', group: 'test', value: 0.6, lo: 0.4, hi: 0.8 },
        ],
        { width: 480, height: 320 },
      ),
    },
    { name: 'scatter', figure: predictedVsGold(preds, { readout: 'rail', method: 'tract' }) },
  ];
}

/** A figure the renderer refuses (its size is negative), to make an export fail half-way. */
const BAD_FIGURE: NamedFigure = { name: 'bad', figure: { data: [], layout: { width: -1, height: 100 } } };

/** Process ids of the chromium processes below this one (Linux /proc). */
function chromiumDescendants(): number[] {
  const procs = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); // pid (comm) state ppid ...
        const close = stat.lastIndexOf(')');
        const comm = stat.slice(stat.indexOf('(') + 1, close);
        return [{ pid: Number(pid), comm, ppid: Number(stat.slice(close + 2).split(' ')[1]) }];
      } catch {
        return []; // the process ended while listing
      }
    });
  const below = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) if (!below.has(p.pid) && below.has(p.ppid)) grew = below.add(p.pid).size > 0;
  }
  return procs.filter((p) => p.pid !== process.pid && below.has(p.pid) && /chrom/i.test(p.comm)).map((p) => p.pid);
}

/** Counts FigureRenderer.launch calls and keeps the renderers, while `fn` runs. */
async function spyLaunch<T>(fn: (launched: FigureRenderer[]) => Promise<T>): Promise<T> {
  const launch = FigureRenderer.launch;
  const launched: FigureRenderer[] = [];
  FigureRenderer.launch = async () => {
    const r = await launch.call(FigureRenderer);
    launched.push(r);
    return r;
  };
  try {
    return await fn(launched);
  } finally {
    FigureRenderer.launch = launch;
  }
}

/**
 * The browser tests need chromium; with TRACT_SKIP_BROWSER=1 they are skipped, otherwise a missing chromium fails
 * them.
 */
function needBrowser(ctx: Mocha.Context): void {
  if (process.env.TRACT_SKIP_BROWSER === '1') {
    console.log(
      '      (skipped: TRACT_SKIP_BROWSER=1; ' +
        `figure export needs chromium at ${process.env.TRACT_CHROMIUM || '/usr/bin/chromium'})`,
    );
    ctx.skip();
  }
}

describe('report/exportFigures', function () {
  this.timeout(60000);

  it('chromiumExecutable: a missing TRACT_CHROMIUM path is an error naming it and the other ways', async () => {
    await assert.rejects(
      chromiumExecutable({ TRACT_CHROMIUM: '/no/such/chromium' }),
      (e: Error) =>
        /chromium not found at \/no\/such\/chromium \(from TRACT_CHROMIUM\)/.test(e.message) &&
        /apt-get install -y chromium/.test(e.message) &&
        /@sparticuz\/chromium/.test(e.message),
    );
  });

  it("chromiumChoice: TRACT_CHROMIUM, else Debian's unless hidden by TRACT_NO_SYSTEM_CHROMIUM=1, else npm", () => {
    assert.deepEqual(chromiumChoice({ TRACT_CHROMIUM: '/x/chrome' }), { source: 'TRACT_CHROMIUM', path: '/x/chrome' });
    assert.deepEqual(chromiumChoice({ TRACT_NO_SYSTEM_CHROMIUM: '1' }), { source: 'npm', path: null });
    assert.deepEqual(
      chromiumChoice({}),
      existsSync(DEFAULT_CHROMIUM) ? { source: 'debian', path: DEFAULT_CHROMIUM } : { source: 'npm', path: null },
    );
  });

  it('a missing system library is named, with its Debian package', () => {
    const ldd =
      '\tlinux-vdso.so.1 (0x00007ffd)\n\tlibnss3.so => not found\n\tlibexpat.so.1 => not found\n' +
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)\n\tlibnss3.so => not found\n';
    assert.deepEqual(missingLibraries(ldd), ['libnss3.so', 'libexpat.so.1']);
    const launchError =
      'browserType.launch: Failed to launch\n/tmp/chromium: error while loading shared libraries: ' +
      'libnspr4.so: cannot open shared object file: No such file or directory';
    assert.equal(
      missingLibraryMessage('/bin/sh', launchError),
      'missing system library libnspr4.so (Debian: apt-get install -y libnspr4)',
    );
    assert.equal(missingLibraryMessage('/bin/sh', 'some other failure'), null);
  });

  it('figure font: the subsets an SVG needs are embedded; characters it lacks are listed', () => {
    assert.deepEqual(parseUnicodeRange('U+0000-00FF,U+0131'), [
      [0, 255],
      [0x131, 0x131],
    ]);
    assert.deepEqual(uncoveredCharacters('r = 0.5 ± 0.1, λ −1 → ≥'), ['→', '≥']);
    const faces = (svg: string) => svg.match(/@font-face\{[^}]*\}/g) ?? [];
    const latin = embedFigureFont('<svg width="1"><text>r = 0.5</text></svg>');
    assert.equal(faces(latin).length, 1);
    assert.match(latin, /^<svg width="1"><style>@font-face\{font-family:"Arimo";[^}]*font-weight:400;/);
    assert.match(latin, /src:url\(data:font\/woff2;base64,[A-Za-z0-9+/=]+\) format\("woff2"\)/);
    assert.equal(faces(embedFigureFont('<svg><text>weight λ</text></svg>')).length, 2); // + greek
    const bold = embedFigureFont('<svg><text style="font-weight:bold">r</text></svg>');
    assert.deepEqual(
      faces(bold).map((f) => f.match(/font-weight:(\d+)/)![1]),
      ['400', '700'],
    );
  });

  it('parseFormats', () => {
    assert.deepEqual(parseFormats('svg,png,pdf'), ['svg', 'png', 'pdf']);
    assert.deepEqual(parseFormats(' png , png'), ['png']);
    assert.throws(() => parseFormats('svg,jpeg'), /unknown figure format\(s\) 'jpeg'/);
    assert.throws(() => parseFormats(''), /unknown figure format/);
  });

  it('renumberSvgIds: defined ids become <prefix>1, 2, … in order of first appearance, references follow', () => {
    const svg =
      '<svg><g clip-path="url(#clipab12x)"/><defs id="defs-ab12"><clipPath id="clipab12x"/></defs>' +
      '<use href="#defs-ab12"/><use xlink:href="#clipab12x"/><g clip-path="url(\'#clipab12x\')"/>' +
      '<g clip-path="url(#elsewhere)"/></svg>';
    assert.equal(
      renumberSvgIds(svg, 'f-'),
      '<svg><g clip-path="url(#f-1)"/><defs id="f-2"><clipPath id="f-1"/></defs>' +
        '<use href="#f-2"/><use xlink:href="#f-1"/><g clip-path="url(\'#f-1\')"/>' +
        '<g clip-path="url(#elsewhere)"/></svg>',
    );
    assert.equal(
      sortSvgAttributes('<rect y="0" style="a: b" x="1"/><g b="&gt;" a="1">t</g>'),
      '<rect style="a: b" x="1" y="0"/><g a="1" b="&gt;">t</g>',
    );
  });

  describe('a bad output folder fails at once, before any browser starts', function () {
    this.timeout(10000);
    let dir: string;
    let file: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'tract-figs-out-'));
      file = join(dir, 'a-file');
      writeFileSync(file, 'not a folder');
    });
    after(() => {
      chmodSync(dir, 0o755);
      rmSync(dir, { recursive: true, force: true });
    });

    it('--out is an existing regular file', async () => {
      await spyLaunch(async (launched) => {
        await assert.rejects(
          exportFigures(figures(), file),
          (e: Error) => e.message === `figure output folder ${file} is a file, not a folder`,
        );
        assert.equal(launched.length, 0);
      });
      assert.equal(readFileSync(file, 'utf8'), 'not a folder');
    });

    // as root, chmod does not stop writes: then the unwritable place is a path under a regular file
    it('--out is an unwritable folder (chmod 555, or under a file as root)', async () => {
      const locked = join(dir, 'locked');
      mkdirSync(locked);
      chmodSync(locked, 0o555);
      let out = join(locked, 'figs');
      let expected = (m: string) => m.startsWith(`cannot make the figure output folder ${out}: `) && /EACCES/.test(m);
      try {
        writeFileSync(join(locked, 'probe'), ''); // succeeds as root: chmod does not stop root
        out = join(file, 'sub');
        expected = (m) => m === `cannot make the figure output folder ${out}: ${file} is a file, not a folder`;
      } catch {
        // not root: the locked folder is the test
      }
      await spyLaunch(async (launched) => {
        await assert.rejects(exportFigures(figures(), out), (e: Error) => expected(e.message));
        assert.equal(launched.length, 0);
      });
      const deeper = join(file, 'a', 'b');
      await assert.rejects(
        exportFigures(figures(), deeper),
        (e: Error) => e.message === `cannot make the figure output folder ${deeper}: ${file} is a file, not a folder`,
      );
    });

    it('npx tract figures --out <file> exits 1 with one line naming the file, without hanging', () => {
      const args = [join(ROOT, 'bin', 'tract.js'), 'figures', join(FIX, 'runs', 'fx-tract-a1'), '--out', file];
      const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 9000 });
      assert.equal(r.signal, null, 'the CLI did not exit by itself');
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stderr.trim(), `tract figures: figure output folder ${file} is a file, not a folder`);
    });
  });

  describe('with chromium', () => {
    let out: string;
    let written: string[] = [];
    before(async function () {
      needBrowser(this);
      out = mkdtempSync(join(tmpdir(), 'tract-figs-'));
      written = await exportFigures(figures(), out);
    });
    after(async () => {
      await closeFigureBrowser();
      if (out) rmSync(out, { recursive: true, force: true });
    });

    it('writes <name>.<format> for each figure and format, and nothing else', () => {
      const names = ['bars', 'scatter'].flatMap((n) => ['svg', 'png', 'pdf'].map((f) => `${n}.${f}`));
      assert.deepEqual(
        written,
        names.map((n) => join(out, n)),
      );
      assert.deepEqual(readdirSync(out).sort(), [...names].sort()); // no temporary files left
    });

    it('each SVG is well-formed XML with an <svg> root (parsed by the browser DOMParser)', async () => {
      const { chromium } = require('playwright-core') as typeof import('playwright-core');
      const browser: Browser = await chromium.launch({
        executablePath: await chromiumExecutable(),
        args: [...CHROMIUM_ARGS],
      });
      try {
        const page = await browser.newPage();
        for (const name of ['bars', 'scatter']) {
          const svg = readFileSync(join(out, `${name}.svg`), 'utf8');
          const parsed = await page.evaluate((text) => {
            /** The slice of the browser's DOM this check reads (the test compiles without the DOM library). */
            interface SvgDocument {
              documentElement: { nodeName: string };
              getElementsByTagName(tag: string): { length: number };
            }
            interface DomParser {
              parseFromString(text: string, type: string): SvgDocument;
            }
            const { DOMParser } = globalThis as unknown as { DOMParser: new () => DomParser };
            const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
            return {
              root: doc.documentElement.nodeName,
              errors: doc.getElementsByTagName('parsererror').length,
              texts: doc.getElementsByTagName('text').length,
            };
          }, svg);
          assert.deepEqual({ root: parsed.root, errors: parsed.errors }, { root: 'svg', errors: 0 }, name);
          assert.ok(parsed.texts > 5, `${name}: has text (titles, ticks)`);
        }
      } finally {
        await browser.close();
      }
      assert.match(readFileSync(join(out, 'bars.svg'), 'utf8'), /tract \(T\)/);
    });

    it('each PNG has the signature, the figure size × 2, and non-uniform pixels', () => {
      const sizes: Record<string, [number, number]> = { bars: [480, 320], scatter: [500, 540] };
      for (const name of ['bars', 'scatter']) {
        const png = decodePng(readFileSync(join(out, `${name}.png`)));
        assert.deepEqual(
          [png.width, png.height],
          sizes[name].map((s) => 2 * s),
          name,
        );
        assert.ok(distinctPixels(png) > 10, `${name}: the image is not blank`);
      }
    });

    it('each PDF starts with %PDF and is one page of the figure size (pt = 0.75 px)', () => {
      for (const name of ['bars', 'scatter']) {
        const pdf = readFileSync(join(out, `${name}.pdf`));
        assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
        const text = pdf.toString('latin1');
        assert.equal(text.match(/\/Type\s*\/Page[^s]/g)?.length, 1, `${name}: one page`);
        const box = text.match(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/);
        assert.ok(box, `${name}: MediaBox`);
        const [w, h] = name === 'bars' ? [480, 320] : [500, 540];
        assert.ok(
          Math.abs(Number(box[1]) - 0.75 * w) < 1 && Math.abs(Number(box[2]) - 0.75 * h) < 1,
          `${name}: ${box[0]}`,
        );
      }
    });

    it('notebook helpers share one browser: figureToPng and figureToSvg', async () => {
      const [fig] = figures();
      const [png, svg] = await Promise.all([figureToPng(fig.figure, { scale: 1 }), figureToSvg(fig.figure)]);
      const img = decodePng(png);
      assert.deepEqual([img.width, img.height], [480, 320]);
      assert.match(svg, /^<svg[\s>]/);
      await closeFigureBrowser();
      await closeFigureBrowser(); // idempotent
    });

    it('a renderer failure half-way rejects, keeps the files written so far, and closes the browser', async () => {
      await closeFigureBrowser();
      const before = chromiumDescendants();
      const dir = join(out, 'failing');
      await spyLaunch(async (launched) => {
        const [bars] = figures();
        await assert.rejects(
          exportFigures([bars, BAD_FIGURE], dir, { formats: ['svg'] }),
          /figure size must be positive/,
        );
        assert.equal(launched.length, 1);
        assert.ok(launched[0].isClosed, 'the renderer was closed');
      });
      assert.deepEqual(readdirSync(dir), ['bars.svg']);
      assert.deepEqual(chromiumDescendants(), before, 'no chromium process is left');
    });

    it('a failed notebook helper call closes the shared browser; the next call starts a new one', async () => {
      await closeFigureBrowser();
      const before = chromiumDescendants();
      await assert.rejects(figureToSvg(BAD_FIGURE.figure), /figure size must be positive/);
      assert.deepEqual(chromiumDescendants(), before, 'no chromium process is left');
      assert.match(await figureToSvg(figures()[0].figure), /^<svg[\s>]/); // left open for the next test
    });

    it('SVG is deterministic: the same figure gives the same bytes, whatever was rendered before', async () => {
      const written = readFileSync(join(out, 'bars.svg'), 'utf8'); // the first rendering of its browser
      const [bars, scatter] = figures();
      // the shared browser, which has rendered other figures already
      const again = [await figureToSvg(scatter.figure), await figureToSvg(bars.figure), await figureToSvg(bars.figure)];
      await closeFigureBrowser();
      assert.equal(again[1], written);
      assert.equal(again[2], written);
      assert.equal(again[0], readFileSync(join(out, 'scatter.svg'), 'utf8'));
      // ids are f<hash>-1, 2, … (the hash differs between figures) and every reference has its target
      for (const svg of [written, again[0]]) {
        const ids = [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
        const prefix = ids[0].replace(/\d+$/, '');
        assert.match(prefix, /^f[0-9a-f]{8}-$/);
        assert.deepEqual(new Set(ids), new Set(ids.map((_, i) => `${prefix}${i + 1}`)));
        for (const m of svg.matchAll(/url\(#([^)]+)\)/g)) assert.ok(ids.includes(m[1]), m[0]);
        assert.doesNotMatch(svg, /(clip|defs-|legend|trace)[0-9a-f]{6}/);
      }
      assert.notEqual(written.match(/id="(f[0-9a-f]{8})-/)![1], again[0].match(/id="(f[0-9a-f]{8})-/)![1]);
    });

    it('every text is drawn in the shipped font: embedded in each SVG, embedded in each PDF', () => {
      for (const name of ['bars', 'scatter']) {
        const svg = readFileSync(join(out, `${name}.svg`), 'utf8');
        assert.match(svg, /<style>@font-face\{font-family:"Arimo";/, name);
        const families = new Set([...svg.matchAll(/font-family: ?([^;"]+)/g)].map((m) => m[1].trim()));
        assert.deepEqual(
          [...families],
          ['"Arimo"', 'Arimo'].filter((f) => families.has(f)),
          name,
        );
        assert.match(readFileSync(join(out, `${name}.pdf`)).toString('latin1'), /\/FontName \/[A-Z]{6}\+Arimo-Regular/);
      }
    });

    it('a figure with a character the shipped font lacks is refused, naming the character', async () => {
      const [bars] = figures();
      const fig = { ...bars.figure, layout: { ...bars.figure.layout, title: { text: 'a → b' } } };
      await assert.rejects(figureToSvg(fig), /font Arimo \(@fontsource\/arimo\) lacks: '→' \(U\+2192\)/);
    });

    it("Debian's chromium and the npm one give the same SVG bytes", async function () {
      const { source } = chromiumChoice({ ...process.env, TRACT_CHROMIUM: undefined });
      if (process.env.TRACT_CHROMIUM || source !== 'debian') {
        const why = process.env.TRACT_CHROMIUM ? 'TRACT_CHROMIUM is set' : `${DEFAULT_CHROMIUM} is absent or hidden`;
        console.log(`      (only one chromium here: ${why}; the comparison needs both)`);
        this.skip();
      }
      const render = async (hide: boolean) => {
        const saved = process.env.TRACT_NO_SYSTEM_CHROMIUM;
        if (hide) process.env.TRACT_NO_SYSTEM_CHROMIUM = '1';
        else delete process.env.TRACT_NO_SYSTEM_CHROMIUM;
        try {
          const r = await FigureRenderer.launch();
          try {
            return { path: r.executablePath, svgs: await Promise.all(figures().map((f) => r.svg(f.figure))) };
          } finally {
            await r.close();
          }
        } finally {
          if (saved === undefined) delete process.env.TRACT_NO_SYSTEM_CHROMIUM;
          else process.env.TRACT_NO_SYSTEM_CHROMIUM = saved;
        }
      };
      const debian = await render(false);
      const npm = await render(true);
      assert.equal(debian.path, DEFAULT_CHROMIUM);
      assert.notEqual(npm.path, DEFAULT_CHROMIUM);
      assert.equal(npm.svgs[0], debian.svgs[0]);
      assert.equal(npm.svgs[1], debian.svgs[1]);
    });

    it('npx tract figures writes one line per file; bad arguments exit 2 with one line', () => {
      const tract = (...args: string[]) =>
        spawnSync(process.execPath, [join(ROOT, 'bin', 'tract.js'), 'figures', ...args], {
          cwd: ROOT,
          encoding: 'utf8',
        });
      const dir = join(out, 'cli');
      const r = tract(join(FIX, 'runs', 'fx-tract-a1'), '--out', dir, '--formats', 'svg');
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.deepEqual(
        lines,
        ['scatter-tract', 'calibration-tract', 'training-tract', 'rail-distribution-tract'].map((n) =>
          join(dir, `${n}.svg`),
        ),
      );
      assert.ok(lines.every((f) => existsSync(f)));
      for (const args of [[FIX], [join(FIX, 'suite-main'), '--formats', 'gif']]) {
        const bad = tract(...args);
        assert.equal(bad.status, 2, `${args.join(' ')}: ${bad.stderr}`);
        assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
      }
    });
  });
});
