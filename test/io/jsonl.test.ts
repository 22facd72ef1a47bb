import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJsonl, readResumable } from '../../src/io/jsonl';

describe('io/jsonl', () => {
  it('onBadLine: reports each line that is not valid JSON (number, message) instead of failing', () => {
    const text = '{"a":1}\n{oops}\n\n[1,\n{"a":2}\n';
    const seen: [number, string][] = [];
    const records = parseJsonl(text, 'f.jsonl', {
      onBadLine: (line, message) => {
        seen.push([line, message]);
        return undefined;
      },
    });
    assert.deepEqual(records, [{ a: 1 }, { a: 2 }], 'a bad line is left out when nothing stands in for it');
    assert.deepEqual(
      seen.map(([line]) => line),
      [2, 4],
      'blank lines counted',
    );
    assert.ok(seen.every(([, message]) => message.length > 0));
    // what the callback returns stands in the line's place, keeping the records' positions
    const marked = parseJsonl<unknown>(text, 'f.jsonl', { onBadLine: (line) => ({ bad: line }) });
    assert.deepEqual(marked, [{ a: 1 }, { bad: 2 }, { bad: 4 }, { a: 2 }]);
  });

  it('onBadLine with dropTornLastLine: the torn last line is dropped, not reported', () => {
    const seen: number[] = [];
    const records = parseJsonl('{oops}\n{"a":1}\n{"a":', 'f.jsonl', {
      dropTornLastLine: true,
      onBadLine: (line) => {
        seen.push(line);
        return undefined;
      },
    });
    assert.deepEqual(records, [{ a: 1 }]);
    assert.deepEqual(seen, [1]);
  });

  it('without onBadLine a bad line still fails, and readResumable still drops only a torn last line', () => {
    assert.throws(() => parseJsonl('{"a":1}\n{oops}\n', 'f.jsonl'), /f\.jsonl: line 2 is not valid JSON/);
    const file = join(mkdtempSync(join(tmpdir(), 'tract-jsonl-')), 'cache.jsonl');
    writeFileSync(file, '{"a":1}\n{"a":2}\n{"a":');
    assert.deepEqual(readResumable(file), [{ a: 1 }, { a: 2 }]);
    assert.equal(readFileSync(file, 'utf8'), '{"a":1}\n{"a":2}\n');
    writeFileSync(file, '{oops}\n{"a":1}\n');
    assert.throws(() => readResumable(file), /cache\.jsonl: line 1 is not valid JSON/);
  });
});
