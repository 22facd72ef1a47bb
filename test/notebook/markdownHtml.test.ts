import { strict as assert } from 'node:assert';
import { escapeHtml, inlineHtml, markdownToHtml } from '../../src/notebook/markdownHtml';
import { toMarkdown } from '../../src/report/tables';

describe('notebook/markdownHtml', () => {
  it('inline: code, bold, italic, links; everything else escaped', () => {
    assert.equal(escapeHtml('a < b & "c" > d'), 'a &lt; b &amp; &quot;c&quot; &gt; d');
    assert.equal(
      inlineHtml('**r** is *Pearson* `a<b` [doc](docs/method.md) x_1 and 2*3*4'),
      '<strong>r</strong> is <em>Pearson</em> <code>a&lt;b</code> <a href="docs/method.md">doc</a> x_1 and 2*3*4',
    );
  });

  it('blocks: headings, paragraphs with line breaks, lists, code fences', () => {
    const md = '## Results\n\nfirst line  \nsecond\n\n- one\n- two\n  more\n\n1. a\n2. b\n\n```\nx < y\n```';
    assert.equal(
      markdownToHtml(md),
      [
        '<h2>Results</h2>',
        '<p>first line<br>\nsecond</p>',
        '<ul><li>one</li><li>two more</li></ul>',
        '<ol><li>a</li><li>b</li></ol>',
        '<pre><code>x &lt; y</code></pre>',
      ].join('\n'),
    );
  });

  it('a table of report/tables.ts becomes an HTML table with its alignment, escaped pipes kept', () => {
    const md = '| method | r |\n| :--- | ---: |\n| tract \\| T | **0.61** |\nnote under it';
    assert.equal(
      markdownToHtml(md),
      '<table><thead><tr><th style="text-align: left">method</th><th style="text-align: right">r</th></tr></thead>' +
        '<tbody><tr><td style="text-align: left">tract | T</td>' +
        '<td style="text-align: right"><strong>0.61</strong></td>' +
        '</tr></tbody></table>\n<p>note under it</p>',
    );
    const table = toMarkdown({
      title: 'T',
      labelColumns: ['method'],
      columns: [],
      rows: [{ labels: ['x'], cells: [] }],
      notes: ['n'],
    });
    assert.equal(
      markdownToHtml(table),
      '<p><strong>T</strong></p>\n<table><thead><tr><th>method</th></tr></thead>' +
        '<tbody><tr><td>x</td></tr></tbody></table>\n' +
        '<ul><li>n</li></ul>',
    );
  });
});
