/** The CLI's pure pieces, without a broker: templates, flag parsers, tables. */
import t from 'tap';
import { CliError } from '../../client/cli/errors.js';
import { compileTemplate, recordJson } from '../../client/cli/format.js';
import { integer, keyValue, parseBrokerList, timestamp, unescapeArg } from '../../client/cli/options.js';
import { table } from '../../client/cli/output.js';

const record = {
  topic: 'events',
  partition: 2,
  offset: 41,
  timestamp: 1_700_000_000_000,
  key: Buffer.from('user-1'),
  value: Buffer.from([0x68, 0x69, 0xff]),
  headers: [
    { key: 'a', value: Buffer.from('1') },
    { key: 'b', value: null },
  ],
  leaderEpoch: 0,
};

t.test('templates: every field, escapes, %%, raw value bytes, a newline added when missing', async (t) => {
  const out = compileTemplate('%t/%p/%o@%T %k(%K)=%v(%S) [%h] 100%%\\t|')(record);
  t.same(
    out,
    Buffer.concat([
      Buffer.from('events/2/41@1700000000000 user-1(6)='),
      Buffer.from([0x68, 0x69, 0xff]),
      Buffer.from('(3) [a=1,b=] 100%\t|\n'),
    ]),
  );
  const nulls = { ...record, key: null, value: null, headers: [] };
  t.equal(compileTemplate('%k|%K|%v|%S|%h\\n')(nulls).toString(), '|-1||-1|\n', 'null key and value');
  t.throws(() => compileTemplate('%v %z'), CliError, 'unknown field');
  t.throws(() => compileTemplate('trailing %'), CliError, 'a lone % at the end');
  t.same(recordJson(nulls), {
    topic: 'events',
    partition: 2,
    offset: 41,
    timestamp: 1_700_000_000_000,
    key: null,
    value: null,
    headers: [],
  });
});

t.test('flag parsers', async (t) => {
  t.same(parseBrokerList('a:1, b ,[::1]:9093,[::1]'), ['a:1', 'b:9092', '[::1]:9093', '[::1]:9092']);
  for (const bad of ['', 'a:0', 'a:99999', 'a:b', '::1:9092']) t.throws(() => parseBrokerList(bad), bad);
  t.equal(integer('--n', 1, 5)('3'), 3);
  for (const bad of ['', '1.5', '6', '0', 'x']) t.throws(() => integer('--n', 1, 5)(bad), bad);
  t.same(keyValue('--config')('b=x=y', { a: '1' }), { a: '1', b: 'x=y' }, 'the first = splits');
  t.throws(() => keyValue('--config')('=v', undefined));
  t.equal(timestamp('--t')('1700000000000'), 1_700_000_000_000);
  t.equal(timestamp('--t')('2023-11-14T22:13:20Z'), 1_700_000_000_000);
  t.throws(() => timestamp('--t')('tomorrow'));
  t.equal(unescapeArg('a\\tb\\nc\\\\d'), 'a\tb\nc\\d');
});

t.test('tables: aligned columns, "-" for missing values, no trailing spaces', async (t) => {
  t.equal(
    table(
      ['name', 'n', 'last'],
      [
        ['long-name', 1, null],
        ['x', 22, 'z'],
      ],
    ),
    'NAME       N   LAST\nlong-name  1   -\nx          22  z\n',
  );
});
